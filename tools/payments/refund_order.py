"""refund_order: refund (part of) an order within the policy's window and the agent's approval limit."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import Amount, OrderId, as_utc, cents, dollars, idempotent_write, money
from tools.orders.backend import orders_backend
from tools.orders.queries import not_found
from tools.payments.backend import payments_backend
from tools.payments.ledger import issue_refund, refundable_cents
from tools.store import BusinessStore


class RefundOrderArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId
    amount: Amount | None = Field(None, description="Dollars to refund; omit for everything still refundable.")
    reason: str = Field(min_length=3, max_length=500, description="Why the order is refunded, in brief.")
    to_gift_card: bool = Field(False, description="True to credit a gift card of the customer (store credit) instead.")


def refund_order(store: BusinessStore, args: RefundOrderArgs, ctx: ToolContext) -> ToolResult:
    policy = ctx.policy
    orders, payments = orders_backend(store), payments_backend(store)

    def body(conn: Connection) -> ToolResult:
        # Lock the order: a concurrent refund of the same order waits here and then sees our refunds.
        row = orders.lock_order(args.order_id, str(ctx.customer_id), tx=conn)
        if row is None:
            return ToolResult.refuse(not_found(args.order_id))
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
        charges = payments.charges(order_id=row.order_id, tx=conn)
        remaining = refundable_cents(charges)
        if remaining <= 0:
            return ToolResult.refuse(f"Error: order {row.order_id} has already been refunded in full.")
        amount = cents(args.amount) if args.amount is not None else remaining
        if amount > remaining:
            return ToolResult.refuse(
                f"Error: only {dollars(remaining)} of order {row.order_id} is still refundable; "
                f"{dollars(amount)} is too much."
            )
        limit = cents_limit(policy.refund_approval_limit)
        if amount > limit and not ctx.approved_by:
            return ToolResult.refuse(
                f"Error: a refund of {dollars(amount)} is above the {dollars(limit)} limit; a human reviewer "
                "must approve it before it can be issued."
            )
        made = issue_refund(
            payments,
            conn,
            ctx,
            charges,
            amount,
            reason=args.reason,
            to_gift_card_of=row.customer_id if args.to_gift_card else None,
        )
        return ToolResult.success(
            {
                "order_id": row.order_id,
                "refunded": money(amount),
                "remaining_refundable": money(remaining - amount),
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
        "Omit amount to refund everything still refundable. Refunds above the approval limit need a human "
        "reviewer's approval."
    ),
    args_schema=RefundOrderArgs,
    fn=refund_order,
    writes=True,
    moves_money="order_refund",
)
