"""change_plan: move the verified customer to another membership plan, prorated for the rest of the period."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import as_utc, idempotent_write, iso, money
from tools.crm.backend import crm_backend
from tools.payments.backend import payments_backend
from tools.payments.ledger import issue_refund
from tools.store import BusinessStore

PERIOD = timedelta(days=30)


class ChangePlanArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: Literal["basic", "plus", "pro"] = Field(description="The membership plan to switch to.")


def change_plan(store: BusinessStore, args: ChangePlanArgs, ctx: ToolContext) -> ToolResult:
    crm, payments = crm_backend(store), payments_backend(store)
    customer_id, key = str(ctx.customer_id), ctx.idempotency_key

    def body(conn: Connection) -> ToolResult:
        # The lock makes a concurrent change of this customer's plan wait for this one, then read its result.
        profile = crm.get_profile(customer_id, lock=True, tx=conn)
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
        crm.set_plan(customer_id, new.id, previous_plan_id=old.id, tx=conn, key=key, now=ctx.now)
        if new.monthly_price_cents == 0 and current:
            sub_id = current["subscription_id"]
            payments.cancel_subscription(sub_id, tx=conn, key=key, now=ctx.now)
        elif current:
            sub_id = current["subscription_id"]
            payments.change_subscription_plan(sub_id, new.id, tx=conn, key=key)
        else:
            sub_id = payments.start_subscription(
                customer_id, new.id, renews_at=period_end, tx=conn, key=key, now=ctx.now
            )
        billing: dict[str, Any] = {}
        if difference > 0:
            invoice_id = payments.create_invoice(
                customer_id=customer_id,
                subscription_id=sub_id,
                amount_cents=difference,
                due_at=ctx.now + timedelta(days=14),
                tx=conn,
                key=key,
                now=ctx.now,
            )
            invoice = payments.get_invoice(invoice_id, customer_id, tx=conn)
            billing["invoice_id"] = invoice_id
            if invoice is not None and invoice.credit_applied_cents:
                billing["credit_applied"] = money(invoice.credit_applied_cents)
                billing["invoice_amount"] = money(invoice.amount_cents)
        elif difference < 0:
            # The unused part of the period goes back to what paid for it (the latest membership payment).
            reason = f"plan change {old.id} -> {new.id}: unused period"
            paid = payments.charges(customer_id=customer_id, membership_only=True, tx=conn)
            last = next((c for c in reversed(paid) if c.refundable_cents >= -difference), None)
            if last is not None:
                billing["refunds"] = issue_refund(payments, conn, ctx, [last], -difference, reason=reason)
            else:
                # No payment can take it back: it is kept as account credit, used by the next membership invoice.
                credit_id = payments.add_credit(customer_id, -difference, reason=reason, tx=conn, key=key, now=ctx.now)
                billing["credit"] = {
                    "credit_id": credit_id,
                    "amount": money(-difference),
                    "note": "credited against the next membership invoice",
                }
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
        "rest of the current period is prorated: an upgrade issues an invoice for it (account credit is used "
        "first), a downgrade refunds it, or keeps it as account credit when nothing refundable was paid. "
        "Refuses the plan the customer already has."
    ),
    args_schema=ChangePlanArgs,
    fn=change_plan,
    writes=True,
    moves_money="adjustment",
)
