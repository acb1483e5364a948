"""SqlCrm: the CRM backend on the supportgraph store's own tables (the demo company, or a company's copy)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select, update

from tools.base import BackendRefusal
from tools.common import for_update, reading
from tools.crm.backend import AccountMerge, CustomerProfile, CustomerRef, Plan
from tools.crm.sql_merge import merge_accounts
from tools.store import BusinessStore
from tools.store.schema import addresses, customers, orders, payment_methods, plans, subscriptions

_ACTIVE = customers.c.status == "active"
# A profile's statements, built once: building them per call (columns, joins, bound values) cost about as much CPU
# as running them.
_PROFILE = (
    select(customers, plans.c.name.label("plan_name"), plans.c.monthly_price_cents)
    .join(plans, plans.c.id == customers.c.plan_id)
    .where(_ACTIVE, customers.c.id == bindparam("customer_id"))
)
_ADDRESSES = select(addresses).where(addresses.c.customer_id == bindparam("customer_id")).order_by(addresses.c.id)
_SUBSCRIPTIONS = (
    select(subscriptions).where(subscriptions.c.customer_id == bindparam("customer_id")).order_by(subscriptions.c.id)
)
PLAN_CHANGED = "Error: the customer's plan changed while this change was made; read the plan again and retry."


def _holding(tx: Connection | None) -> Connection:
    if tx is None:
        raise ValueError("lock=True needs tx, the transaction that holds the lock")
    return tx


class SqlCrm:
    """Implements ``CrmBackend`` with SQL on the store; writes join the tool's transaction ``tx``."""

    def __init__(self, store: BusinessStore) -> None:
        self.store = store

    def _ref(self, *where: Any, tx: Connection | None = None) -> CustomerRef | None:
        with reading(self.store, tx) as conn:
            row = conn.execute(
                select(customers.c.id, customers.c.name, customers.c.plan_id).where(_ACTIVE, *where)
            ).first()
        return None if row is None else CustomerRef(customer_id=row.id, name=row.name, plan_id=row.plan_id)

    def find_by_email(self, email: str) -> CustomerRef | None:
        return self._ref(func.lower(customers.c.email) == email.strip().lower())

    def get_ref(self, customer_id: str, *, lock: bool = False, tx: Connection | None = None) -> CustomerRef | None:
        if lock:
            row = self._locked(_holding(tx), customer_id)
            return None if row is None else CustomerRef(customer_id=row.id, name=row.name, plan_id=row.plan_id)
        return self._ref(customers.c.id == customer_id, tx=tx)

    def check_identity(
        self, customer_id: str, *, zip_code: str | None, card_last4: str | None, tx: Connection | None = None
    ) -> bool:
        with reading(self.store, tx) as conn:
            row = conn.execute(select(customers).where(_ACTIVE, customers.c.id == customer_id)).first()
        return (
            row is not None
            and (zip_code is None or zip_code == row.zip_code)
            and (card_last4 is None or card_last4 == row.card_last4)
        )

    def plans(self) -> list[Plan]:
        with self.store.db.begin() as conn:
            rows = conn.execute(select(plans).order_by(plans.c.monthly_price_cents)).all()
        return [
            Plan(id=p.id, name=p.name, monthly_price_cents=p.monthly_price_cents, description=p.description)
            for p in rows
        ]

    def get_profile(
        self, customer_id: str, *, lock: bool = False, tx: Connection | None = None
    ) -> CustomerProfile | None:
        if lock and self._locked(_holding(tx), customer_id) is None:
            return None
        with reading(self.store, tx) as conn:
            who = {"customer_id": customer_id}
            row = conn.execute(_PROFILE, who).first()
            if row is None:
                return None
            addr = conn.execute(_ADDRESSES, who)
            subs = conn.execute(_SUBSCRIPTIONS, who)
            return CustomerProfile(
                customer_id=row.id,
                name=row.name,
                email=row.email,
                zip_code=row.zip_code,
                plan=Plan(id=row.plan_id, name=row.plan_name, monthly_price_cents=row.monthly_price_cents),
                newsletter=bool(row.newsletter),
                customer_since=row.created_at,
                card_last4=row.card_last4,
                addresses=[
                    {
                        "line1": a.line1,
                        "line2": a.line2,
                        "city": a.city,
                        "zip_code": a.zip_code,
                        "country": a.country,
                        "default": bool(a.is_default),
                    }
                    for a in addr
                ],
                subscriptions=[
                    {"subscription_id": s.id, "plan": s.plan_id, "status": s.status, "renews_at": s.renews_at}
                    for s in subs
                ],
            )

    def _locked(self, tx: Connection, customer_id: str) -> Any:
        """The active customer's row, locked until ``tx`` ends on Postgres (``for_update``). SQLite needs no row
        lock: ``tx`` already holds the database's write lock, taken by its first statement (the operation record
        of ``idempotent_write``) or at its start (``Database.begin(write=True)``), so a second writer waits for
        the first to commit before it reads."""
        query = select(customers).where(_ACTIVE, customers.c.id == customer_id)
        return tx.execute(for_update(query, self.store)).first()

    def send_password_reset(self, customer_id: str, *, tx: Connection, key: str) -> str | None:
        row = self._locked(tx, customer_id)
        return None if row is None else str(row.email)  # the demo company's mailer is a no-op

    def set_newsletter(self, customer_id: str, subscribed: bool, *, tx: Connection, key: str) -> bool | None:
        row = self._locked(tx, customer_id)
        if row is None:
            return None
        tx.execute(update(customers).where(customers.c.id == customer_id).values(newsletter=subscribed))
        return bool(row.newsletter)

    def set_plan(
        self, customer_id: str, plan_id: str, *, previous_plan_id: str, tx: Connection, key: str, now: datetime
    ) -> None:
        changed = tx.execute(
            update(customers)
            .where(customers.c.id == customer_id, customers.c.plan_id == previous_plan_id)
            .values(plan_id=plan_id)
        )
        if not changed.rowcount:
            raise BackendRefusal(PLAN_CHANGED)

    def request_deletion(self, customer_id: str, *, tx: Connection, key: str, now: datetime) -> None:
        tx.execute(update(customers).where(customers.c.id == customer_id).values(deletion_requested_at=now))

    def delete_customer(self, customer_id: str, *, tx: Connection, key: str, now: datetime) -> None:
        scrubbed = "Deleted customer"
        tx.execute(
            update(customers)
            .where(customers.c.id == customer_id)
            .values(
                status="deleted",
                deleted_at=now,
                name=scrubbed,
                email=f"deleted-{customer_id}@deleted.invalid",
                zip_code="00000",
                card_last4="0000",
                newsletter=False,
            )
        )
        tx.execute(delete(addresses).where(addresses.c.customer_id == customer_id))
        # Orders stay for accounting, without the name and street they were shipped to.
        tx.execute(
            update(orders)
            .where(orders.c.customer_id == customer_id)
            .values(ship_name=scrubbed, ship_line1="(removed)", ship_line2=None)
        )
        tx.execute(
            update(payment_methods).where(payment_methods.c.customer_id == customer_id).values(paypal_email=None)
        )
        tx.execute(
            update(subscriptions)
            .where(subscriptions.c.customer_id == customer_id, subscriptions.c.status != "cancelled")
            .values(status="cancelled", cancelled_at=now, renews_at=None)
        )

    def merge_accounts(
        self, keep_id: str, merged_id: str, *, plan_id: str, tx: Connection, key: str, now: datetime
    ) -> AccountMerge:
        return merge_accounts(self.store, tx, keep_id, merged_id, plan_id=plan_id, now=now)
