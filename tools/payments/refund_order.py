"""refund_order: refund (part of) an order within the policy's window and the agent's approval limits.

The approval limits add up over the order's and the customer's refunds of the policy's window (ledger.py); the
``effect`` of a call (what a review shows) and the refund itself come from the same ``_settlement``, so what a
reviewer approves is what moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import Amount, OrderId, as_utc, brief, cents, dollars, idempotent_write, lock_customer, money
from tools.orders.backend import Order, orders_backend
from tools.orders.queries import not_found
from tools.payments.backend import Charge, PaymentsBackend, payments_backend
from tools.payments.ledger import (
    ReasonCode,
    authorize,
    issue_refund,
    money_effect,
    overcharge_cents,
    refund_parts,
    refundable_cents,
)
from tools.store import BusinessStore


class RefundOrderArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId
    amount: Amount | None = Field(None, description="Dollars to refund; omit for everything still refundable.")
    reason: Annotated[str, brief(500)] = Field(min_length=3, max_length=500,
                        description="A brief note on why, in your words (stored redacted; never paste the message).")
    reason_code: ReasonCode = Field("customer_request", description="Why the order is refunded, as a code.")
    to_gift_card: bool = Field(False, description="True to credit a gift card of the customer (store credit) instead.")


@dataclass(frozen=True)
class _Settlement:
    order: Order
    charges: list[Charge]
    amount: int
    remaining: int


def _settlement(store: BusinessStore, payments: PaymentsBackend, args: RefundOrderArgs, ctx: ToolContext,
                conn: Connection) -> _Settlement | ToolResult:
    """What refunding the order would take from which charges, or the refusal."""
    policy = ctx.policy
    row = orders_backend(store).lock_order(args.order_id, str(ctx.customer_id), tx=conn)
    if row is None:
        return ToolResult.refuse(not_found(args.order_id))
    charges = payments.charges(order_id=row.order_id, tx=conn)
    if args.reason_code == "double_charge":
        # A charge taken twice goes back whatever the order's status or window: only what was taken beyond the
        # order's total (prompts/policy.md §2).
        return _duplicate_settlement(payments, row, charges, args, conn)
    if row.status == "delivered":
        delivered = as_utc(row.delivered_at) if row.delivered_at else None
        if delivered is None or as_utc(ctx.now) - delivered > timedelta(days=policy.refund_window_days):
            return ToolResult.refuse(
                f"Error: order {row.order_id} was delivered more than {policy.refund_window_days} days ago; "
                "it is outside the refund window."
            )
    elif row.status != "returned":
        return ToolResult.refuse(
            f"Error: order {row.order_id} is {row.status}; only delivered orders (within "
            f"{policy.refund_window_days} days) or returned orders can be refunded."
            + (" A pending order can be cancelled instead." if row.status == "pending" else "")
        )
    remaining = refundable_cents(charges)
    if remaining <= 0:
        return ToolResult.refuse(f"Error: order {row.order_id} has already been refunded in full.")
    amount = cents(args.amount) if args.amount is not None else remaining
    if amount > remaining:
        return ToolResult.refuse(
            f"Error: only {dollars(remaining)} of order {row.order_id} is still refundable; "
            f"{dollars(amount)} is too much.",
            instead={"amount": money(remaining)},
        )
    return _Settlement(row, charges, amount, remaining)


def _duplicate_settlement(payments: PaymentsBackend, row: Order, charges: list[Charge], args: RefundOrderArgs,
                          conn: Connection) -> _Settlement | ToolResult:
    """The refund of a charge taken twice: no more than the order was charged beyond its total (ledger.py)."""
    over = overcharge_cents(charges, row.total_cents, payments.refunds(row.order_id, tx=conn))
    if over <= 0:
        return ToolResult.refuse(f"Error: order {row.order_id} was not charged more than its total; there is no "
                                 "duplicate charge to refund.")
    amount = cents(args.amount) if args.amount is not None else over
    if amount > over:
        return ToolResult.refuse(f"Error: only {dollars(over)} of order {row.order_id} was charged twice; "
                                 f"{dollars(amount)} is too much.", instead={"amount": money(over)})
    # The duplicate goes back from the latest charges first (the repeat), not from the one the goods' refunds used.
    latest_first = sorted(charges, key=lambda c: (c.created_at, c.charge_id), reverse=True)
    return _Settlement(row, latest_first, amount, refundable_cents(charges))


def _effect_of(payments: PaymentsBackend, args: RefundOrderArgs, ctx: ToolContext, conn: Connection,
               plan: _Settlement) -> dict[str, object]:
    return money_effect(payments, conn, ctx, customer_id=plan.order.customer_id, order_id=plan.order.order_id,
                        parts=refund_parts(plan.charges, plan.amount), to_gift_card=args.to_gift_card,
                        reason_code=args.reason_code, binds={"amount": money(plan.amount)})


def refund_effect(store: BusinessStore, args: RefundOrderArgs, ctx: ToolContext) -> ToolResult:
    """The refund this call would make (charges, amount, destination, the window's totals), moving nothing."""
    payments = payments_backend(store)
    with store.db.begin() as conn:
        plan = _settlement(store, payments, args, ctx, conn)
        if isinstance(plan, ToolResult):
            return plan
        return ToolResult.success(_effect_of(payments, args, ctx, conn, plan))


def refund_order(store: BusinessStore, args: RefundOrderArgs, ctx: ToolContext) -> ToolResult:
    payments = payments_backend(store)

    def body(conn: Connection) -> ToolResult:
        # The customer first (the limits add up across their orders), then the order: a concurrent refund of
        # the same customer waits here and then sees our refunds.
        lock_customer(store, conn, str(ctx.customer_id))
        plan = _settlement(store, payments, args, ctx, conn)
        if isinstance(plan, ToolResult):
            return plan
        refusal = authorize(ctx, _effect_of(payments, args, ctx, conn, plan))
        if refusal is not None:
            return refusal
        made = issue_refund(
            payments,
            conn,
            ctx,
            plan.charges,
            plan.amount,
            reason=args.reason,
            reason_code=args.reason_code,
            to_gift_card_of=plan.order.customer_id if args.to_gift_card else None,
        )
        return ToolResult.success(
            {
                "order_id": plan.order.order_id,
                "refunded": money(plan.amount),
                "remaining_refundable": money(plan.remaining - plan.amount),
                "approved_by": ctx.approved_by,
                "refunds": made,
                "note": "The gift card is credited now."
                if args.to_gift_card
                else "Refunds reach the original payment method in 5-10 business days.",
            }
        )

    return idempotent_write(store, ctx, "refund_order", body)


def cents_limit(limit: float) -> int:
    return round(limit * 100)


tool = SupportTool(
    name="refund_order",
    system="payments",
    description=(
        "Refund one of the verified customer's orders to its original payment method, or to a gift card "
        "(store credit) with to_gift_card: delivered orders within the refund window, or returned orders. "
        "Omit amount to refund everything still refundable. Refunds that bring the order's or the customer's "
        "refunds of the last 30 days above the approval limits need a human reviewer's approval."
    ),
    args_schema=RefundOrderArgs,
    fn=refund_order,
    writes=True,
    moves_money="order_refund",
    effect=refund_effect,
)
