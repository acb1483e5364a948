"""cancel_order: cancel a pending order and refund its charges in full to the original payment method."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import OrderId, idempotent_write, iso, money
from tools.orders.backend import Order, orders_backend
from tools.orders.queries import not_found
from tools.payments.backend import Charge, PaymentsBackend, payments_backend
from tools.payments.ledger import authorize, issue_refund, money_effect, refund_parts, refundable_cents
from tools.store import BusinessStore


class CancelOrderArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId
    reason: str = Field(
        "customer request", min_length=1, max_length=500, description="Why the customer cancels, in brief."
    )


def _effect_of(payments: PaymentsBackend, ctx: ToolContext, conn: Connection, order: Order,
               charges: list[Charge]) -> dict[str, object]:
    # Giving back what a never-shipped order was paid does not count toward the approval limits.
    return money_effect(payments, conn, ctx, customer_id=order.customer_id, order_id=order.order_id,
                        parts=refund_parts(charges, refundable_cents(charges)), to_gift_card=False,
                        reason_code="order_cancelled")


def cancel_effect(store: BusinessStore, args: CancelOrderArgs, ctx: ToolContext) -> ToolResult:
    """The refund cancelling the order would make, moving nothing."""
    orders, payments = orders_backend(store), payments_backend(store)
    with store.db.begin() as conn:
        row = orders.lock_order(args.order_id, str(ctx.customer_id), tx=conn)
        if row is None:
            return ToolResult.refuse(not_found(args.order_id))
        return ToolResult.success(_effect_of(payments, ctx, conn, row, payments.charges(order_id=row.order_id,
                                                                                         tx=conn)))


def cancel_order(store: BusinessStore, args: CancelOrderArgs, ctx: ToolContext) -> ToolResult:
    orders, payments = orders_backend(store), payments_backend(store)

    def body(conn: Connection) -> ToolResult:
        # The order lock serialises this with a concurrent refund or change of the same order.
        row = orders.lock_order(args.order_id, str(ctx.customer_id), tx=conn)
        if row is None:
            return ToolResult.refuse(not_found(args.order_id))
        if row.status != "pending":
            return ToolResult.refuse(
                f"Error: order {args.order_id} is {row.status}; only pending orders can be cancelled."
            )
        charges = payments.charges(order_id=row.order_id, tx=conn)
        refusal = authorize(ctx, _effect_of(payments, ctx, conn, row, charges))
        if refusal is not None:
            return refusal
        orders.set_status(row.order_id, "cancelled", tx=conn, key=ctx.idempotency_key, now=ctx.now)
        remaining = refundable_cents(charges)
        made = (
            issue_refund(payments, conn, ctx, charges, remaining, reason=f"order cancelled: {args.reason}",
                         reason_code="order_cancelled")
            if remaining > 0
            else []
        )
        return ToolResult.success(
            {
                "order_id": row.order_id,
                "status": "cancelled",
                "cancelled_at": iso(ctx.now),
                "refunded": money(remaining),
                "refunds": made,
            }
        )

    return idempotent_write(store, ctx, "cancel_order", body)


tool = SupportTool(
    name="cancel_order",
    system="orders",
    description=(
        "Cancel one of the verified customer's orders. Only pending orders can be cancelled; the full amount "
        "is refunded to the original payment method."
    ),
    args_schema=CancelOrderArgs,
    fn=cancel_order,
    writes=True,
    moves_money="order_refund",
    effect=cancel_effect,
)
