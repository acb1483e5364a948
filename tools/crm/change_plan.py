"""change_plan: move the verified customer to another membership plan, prorated for the rest of the period."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, insert, update

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import as_utc, idempotent_write, iso, money, next_id
from tools.crm.backend import crm_backend
from tools.payments.ledger import issue_refund, refundable_charges
from tools.store import BusinessStore
from tools.store.schema import charges, invoices, subscriptions

PERIOD = timedelta(days=30)


class ChangePlanArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: Literal["basic", "plus", "pro"] = Field(description="The membership plan to switch to.")


def change_plan(store: BusinessStore, args: ChangePlanArgs, ctx: ToolContext) -> ToolResult:
    crm = crm_backend(store)
    customer_id = str(ctx.customer_id)

    def body(conn: Connection) -> ToolResult:
        profile = crm.get_profile(customer_id)
        if profile is None:
            return ToolResult.refuse(f"Error: customer {customer_id} was not found.")
        old = profile.plan
        if old.id == args.plan:
            return ToolResult.refuse(f"Error: the customer is already on the {old.name} plan; nothing to change.")
        new = next(p for p in crm.plans() if p.id == args.plan)
        now = as_utc(ctx.now)
        current = next((s for s in profile.subscriptions if s["status"] != "cancelled"), None)
        period_end = as_utc(current["renews_at"]) if current and current.get("renews_at") else now + PERIOD
        fraction = min(1.0, max(0.0, (period_end - now) / PERIOD))
        difference = round((new.monthly_price_cents - old.monthly_price_cents) * fraction)
        crm.set_plan(customer_id, new.id, tx=conn, key=ctx.idempotency_key, now=ctx.now)
        if new.monthly_price_cents == 0 and current:
            changes: dict[str, Any] = {"status": "cancelled", "cancelled_at": ctx.now, "renews_at": None}
            conn.execute(update(subscriptions).where(subscriptions.c.id == current["subscription_id"]).values(changes))
            sub_id = current["subscription_id"]
        elif current:
            sub_id = current["subscription_id"]
            conn.execute(update(subscriptions).where(subscriptions.c.id == sub_id).values(plan_id=new.id))
        else:
            sub_id = next_id(conn, "subscription", "SUB-{}")
            conn.execute(
                insert(subscriptions).values(
                    id=sub_id,
                    customer_id=customer_id,
                    plan_id=new.id,
                    status="active",
                    started_at=ctx.now,
                    renews_at=period_end,
                )
            )
        billing: dict[str, Any] = {}
        if difference > 0:
            invoice_id = next_id(conn, "invoice", "INV-{}")
            conn.execute(
                insert(invoices).values(
                    id=invoice_id,
                    customer_id=customer_id,
                    subscription_id=sub_id,
                    amount_cents=difference,
                    status="open",
                    issued_at=ctx.now,
                    due_at=ctx.now + timedelta(days=14),
                )
            )
            billing["invoice_id"] = invoice_id
        elif difference < 0:
            # The unused part of the period goes back to what paid for it (the latest membership payment).
            paid = refundable_charges(conn, charges.c.customer_id == customer_id, charges.c.invoice_id.is_not(None))
            last = next((c for c, left in reversed(paid) if left >= -difference), None)
            if last is not None:
                billing["refunds"] = issue_refund(
                    conn,
                    None,
                    -difference,
                    reason=f"plan change {old.id} -> {new.id}: unused period",
                    now=ctx.now,
                    approved_by=ctx.approved_by,
                    operation_key=ctx.idempotency_key,
                    charge_id=last.id,
                )
            else:
                billing["credit_note"] = "credited against the next membership invoice"
        return ToolResult.success(
            {
                "previous_plan": old.id,
                "plan": new.id,
                "monthly_price": money(new.monthly_price_cents),
                "period_ends": iso(period_end),
                "prorated_difference": money(difference),
                "subscription_id": sub_id,
                **billing,
            }
        )

    return idempotent_write(store, ctx, "change_plan", body)


tool = SupportTool(
    name="change_plan",
    system="crm",
    description=(
        "Switch the verified customer's membership plan (basic, plus or pro). The price difference for the "
        "rest of the current period is prorated: an upgrade issues an invoice for it, a downgrade refunds it. "
        "Refuses the plan the customer already has."
    ),
    args_schema=ChangePlanArgs,
    fn=change_plan,
    writes=True,
)
