"""migrate_account: merge a second account of the same person into the verified one (human approval)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Table, func, select, update

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import CUSTOMER_ID, for_update, idempotent_write
from tools.store import BusinessStore
from tools.store.schema import (
    addresses,
    charges,
    customers,
    disputes,
    invoices,
    orders,
    payment_methods,
    plans,
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
)


class MigrateAccountArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    other_customer_id: str = Field(
        pattern=CUSTOMER_ID, description="The customer's second account, merged into the verified one."
    )


def migrate_account(store: BusinessStore, args: MigrateAccountArgs, ctx: ToolContext) -> ToolResult:
    keep_id, gone_id = str(ctx.customer_id), args.other_customer_id

    def body(conn: Connection) -> ToolResult:
        if gone_id == keep_id:
            return ToolResult.refuse("Error: that is the verified account itself; give the other account's id.")
        query = (
            select(customers, plans.c.monthly_price_cents)
            .join(plans, plans.c.id == customers.c.plan_id)
            .where(customers.c.id.in_((keep_id, gone_id)))
            .order_by(customers.c.id)
        )
        rows = {r.id: r for r in conn.execute(for_update(query, store))}
        keep, gone = rows.get(keep_id), rows.get(gone_id)
        if keep is None or keep.status != "active":
            return ToolResult.refuse(f"Error: customer {keep_id} was not found.")
        if gone is None or gone.status != "active":
            return ToolResult.refuse(f"Error: account {gone_id} was not found or was already merged or deleted.")
        same_name = keep.name.strip().casefold() == gone.name.strip().casefold()
        if not same_name or (keep.zip_code != gone.zip_code and keep.card_last4 != gone.card_last4):
            return ToolResult.refuse(
                f"Error: account {gone_id} does not belong to the same person (name and zip code or card must "
                "match); accounts of different people are never merged."
            )
        moved: dict[str, int] = {}
        for table in OWNED:
            result = conn.execute(update(table).where(table.c.customer_id == gone_id).values(customer_id=keep_id))
            moved[table.name] = int(result.rowcount or 0)
        # The merged account's default address and card become extra ones of the surviving account.
        conn.execute(
            update(addresses)
            .where(addresses.c.customer_id == keep_id)
            .values(
                is_default=addresses.c.id.in_(
                    select(func.min(addresses.c.id)).where(addresses.c.customer_id == keep_id).scalar_subquery()
                )
            )
        )
        conn.execute(
            update(payment_methods)
            .where(
                payment_methods.c.customer_id == keep_id,
                payment_methods.c.id.not_in(
                    select(func.min(payment_methods.c.id))
                    .where(payment_methods.c.customer_id == keep_id)
                    .scalar_subquery()
                ),
            )
            .values(is_default=False)
        )
        better = gone if gone.monthly_price_cents > keep.monthly_price_cents else keep
        active = conn.execute(
            select(subscriptions.c.id, subscriptions.c.plan_id)
            .where(subscriptions.c.customer_id == keep_id, subscriptions.c.status != "cancelled")
            .order_by(subscriptions.c.id)
        ).all()
        kept_sub = next((s.id for s in active if s.plan_id == better.plan_id), None)
        for sub in active:
            if sub.id != kept_sub:  # one membership is enough: keep the better plan's
                conn.execute(
                    update(subscriptions)
                    .where(subscriptions.c.id == sub.id)
                    .values(status="cancelled", cancelled_at=ctx.now, renews_at=None)
                )
        conn.execute(update(customers).where(customers.c.id == keep_id).values(plan_id=better.plan_id))
        conn.execute(
            update(customers)
            .where(customers.c.id == gone_id)
            .values(status="merged", merged_into=keep_id, newsletter=False)
        )
        summary: dict[str, Any] = {
            "customer_id": keep_id,
            "merged_account": gone_id,
            "plan": better.plan_id,
            "subscription_id": kept_sub,
            "moved": moved,
            "approved_by": ctx.approved_by,
        }
        return ToolResult.success(summary)

    return idempotent_write(store, ctx, "migrate_account", body)


tool = SupportTool(
    name="migrate_account",
    system="crm",
    description=(
        "Merge the customer's second account into the verified one: orders, payment methods, subscription "
        "(the better plan is kept), invoices and tickets move over and the other account is marked merged. "
        "Both must share the name and the zip code or card. Always needs a reviewer's approval."
    ),
    args_schema=MigrateAccountArgs,
    fn=migrate_account,
    writes=True,
    needs_approval=True,
)
