"""get_refund_status: the refunds issued for one of the verified customer's orders."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import OrderId, iso, money
from tools.orders.backend import orders_backend
from tools.orders.queries import not_found
from tools.payments.backend import payments_backend
from tools.payments.ledger import refundable_cents
from tools.store import BusinessStore


class GetRefundStatusArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId


def get_refund_status(store: BusinessStore, args: GetRefundStatusArgs, ctx: ToolContext) -> ToolResult:
    order = orders_backend(store).get_order(args.order_id, str(ctx.customer_id))
    if order is None:
        return ToolResult.refuse(not_found(args.order_id))
    payments = payments_backend(store)
    rows = payments.refunds(order.order_id)
    charged = payments.charges(order_id=order.order_id)
    remaining = refundable_cents(charged)
    total = sum(r.amount_cents for r in rows)
    return ToolResult.success(
        {
            "order_id": order.order_id,
            "order_status": order.status,
            "refunds": [
                {
                    "refund_id": r.refund_id,
                    "amount": money(r.amount_cents),
                    "status": r.status,
                    "reason": r.reason,
                    "created_at": iso(r.created_at),
                    "approved_by": r.approved_by,
                }
                for r in rows
            ],
            "total_refunded": money(total),
            "remaining_refundable": money(remaining),
            # Where a refund to the original payment method goes: the methods the order was paid with.
            "paid_with": sorted({c.payment_method for c in charged if c.status == "succeeded"}),
        }
    )


tool = SupportTool(
    name="get_refund_status",
    system="payments",
    description="Show the refunds issued for one of the verified customer's orders, their status and totals.",
    args_schema=GetRefundStatusArgs,
    fn=get_refund_status,
)
