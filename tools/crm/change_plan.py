"""change_plan: move the verified customer to another membership plan, prorated for the rest of the period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import as_utc, idempotent_write, iso, lock_customer, money
from tools.crm.backend import Plan, crm_backend
from tools.payments.backend import Charge, PaymentsBackend, payments_backend
from tools.payments.ledger import authorize, issue_refund, money_effect
from tools.store import BusinessStore

PERIOD = timedelta(days=30)


class ChangePlanArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: Literal["basic", "plus", "pro"] = Field(description="The membership plan to switch to.")


@dataclass(frozen=True)
class _Change:
    old: Plan
    new: Plan
    current: dict[str, Any] | None
    period_end: datetime
    difference: int  # cents: > 0 invoiced, < 0 given back


def _prepare(store: BusinessStore, args: ChangePlanArgs, ctx: ToolContext, conn: Connection) -> _Change | ToolResult:
    crm = crm_backend(store)
    customer_id = str(ctx.customer_id)
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
    return _Change(old, new, current, period_end, difference)


def _give_back(payments: PaymentsBackend, customer_id: str, change: _Change,
               conn: Connection) -> tuple[Charge | None, int]:
    """Where a downgrade's unused period goes: the latest membership payment that can take it, else credit."""
    if change.difference >= 0:
        return None, 0
    paid = payments.charges(customer_id=customer_id, membership_only=True, tx=conn)
    last = next((c for c in reversed(paid) if c.refundable_cents >= -change.difference), None)
    return last, -change.difference


def _effect_of(payments: PaymentsBackend, ctx: ToolContext, conn: Connection, change: _Change) -> dict[str, Any]:
    customer_id = str(ctx.customer_id)
    last, back = _give_back(payments, customer_id, change, conn)
    return money_effect(payments, conn, ctx, customer_id=customer_id, order_id=None,
                        parts=[(last, back)] if last is not None and back else [], to_gift_card=False,
                        reason_code="plan_change", credit_cents=back if last is None else 0)


def plan_effect(store: BusinessStore, args: ChangePlanArgs, ctx: ToolContext) -> ToolResult:
    """What a downgrade would give back (a refund of the unused period, or account credit), moving nothing."""
    payments = payments_backend(store)
    with store.db.begin() as conn:
        change = _prepare(store, args, ctx, conn)
        if isinstance(change, ToolResult):
            return change
        return ToolResult.success(_effect_of(payments, ctx, conn, change))


def change_plan(store: BusinessStore, args: ChangePlanArgs, ctx: ToolContext) -> ToolResult:
    crm, payments = crm_backend(store), payments_backend(store)
    customer_id, key = str(ctx.customer_id), ctx.idempotency_key

    def body(conn: Connection) -> ToolResult:
        lock_customer(store, conn, customer_id)  # first: money given back counts toward the customer's limit
        change = _prepare(store, args, ctx, conn)
        if isinstance(change, ToolResult):
            return change
        refusal = authorize(ctx, _effect_of(payments, ctx, conn, change))
        if refusal is not None:
            return refusal
        old, new, current, period_end, difference = (change.old, change.new, change.current, change.period_end,
                                                     change.difference)
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
            last, _ = _give_back(payments, customer_id, change, conn)
            if last is not None:
                billing["refunds"] = issue_refund(payments, conn, ctx, [last], -difference, reason=reason,
                                                  reason_code="plan_change")
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
    effect=plan_effect,
)
