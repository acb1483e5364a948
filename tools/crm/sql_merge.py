"""How SqlCrm merges two accounts of the same person in the store: every owned row moves, nothing is orphaned."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Table, func, select, update

from tools.base import BackendRefusal
from tools.common import for_update
from tools.crm.backend import AccountMerge
from tools.store import BusinessStore
from tools.store.schema import (
    account_credits,
    addresses,
    charges,
    customers,
    disputes,
    invoices,
    orders,
    payment_methods,
    returns,
    subscriptions,
    tickets,
)

# Every table whose rows belong to a customer: all of them move, so nothing points at the merged account.
OWNED: tuple[Table, ...] = (
    orders,
    charges,
    payment_methods,
    addresses,
    subscriptions,
    invoices,
    tickets,
    returns,
    disputes,
    account_credits,
)


def merge_accounts(
    store: BusinessStore, tx: Connection, keep_id: str, gone_id: str, *, plan_id: str, now: datetime
) -> AccountMerge:
    """Move ``gone_id``'s rows to ``keep_id``; one membership (on ``plan_id``) stays; ``gone_id`` is merged."""
    # Both rows stay locked until commit: a concurrent merge or deletion of either account waits.
    query = select(customers.c.id, customers.c.status).where(customers.c.id.in_((keep_id, gone_id)))
    status = {r.id: r.status for r in tx.execute(for_update(query.order_by(customers.c.id), store))}
    for customer_id in (keep_id, gone_id):
        if status.get(customer_id) != "active":
            raise BackendRefusal(f"Error: account {customer_id} was not found or was already merged or deleted.")
    moved: dict[str, int] = {}
    for table in OWNED:
        result = tx.execute(update(table).where(table.c.customer_id == gone_id).values(customer_id=keep_id))
        moved[table.name] = int(result.rowcount or 0)
    # The merged account's default address and card become extra ones of the surviving account.
    tx.execute(
        update(addresses)
        .where(addresses.c.customer_id == keep_id)
        .values(
            is_default=addresses.c.id.in_(
                select(func.min(addresses.c.id)).where(addresses.c.customer_id == keep_id).scalar_subquery()
            )
        )
    )
    tx.execute(
        update(payment_methods)
        .where(
            payment_methods.c.customer_id == keep_id,
            payment_methods.c.id.not_in(
                select(func.min(payment_methods.c.id)).where(payment_methods.c.customer_id == keep_id).scalar_subquery()
            ),
        )
        .values(is_default=False)
    )
    active = tx.execute(
        select(subscriptions.c.id, subscriptions.c.plan_id)
        .where(subscriptions.c.customer_id == keep_id, subscriptions.c.status != "cancelled")
        .order_by(subscriptions.c.id)
    ).all()
    kept_sub = next((s.id for s in active if s.plan_id == plan_id), None)
    for sub in active:
        if sub.id != kept_sub:  # one membership is enough
            tx.execute(
                update(subscriptions)
                .where(subscriptions.c.id == sub.id)
                .values(status="cancelled", cancelled_at=now, renews_at=None)
            )
    tx.execute(update(customers).where(customers.c.id == keep_id).values(plan_id=plan_id))
    tx.execute(
        update(customers)
        .where(customers.c.id == gone_id)
        .values(status="merged", merged_into=keep_id, newsletter=False)
    )
    return AccountMerge(moved=moved, subscription_id=kept_sub)
