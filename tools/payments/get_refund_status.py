"""get_refund_status: the refunds issued for one of the verified customer's orders."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import OrderId, iso, money
from tools.orders.queries import load_order, not_found
from tools.payments.ledger import refundable_by_charge
from tools.store import BusinessStore
from tools.store.schema import refunds


class GetRefundStatusArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId


def get_refund_status(store: BusinessStore, args: GetRefundStatusArgs, ctx: ToolContext) -> ToolResult:
    with store.db.begin() as conn:
        order = load_order(conn, store, args.order_id, ctx.customer_id)
        if order is None:
            return ToolResult.refuse(not_found(args.order_id))
        rows = conn.execute(
            select(refunds).where(refunds.c.order_id == order.id).order_by(refunds.c.created_at, refunds.c.id)
        ).all()
        remaining = sum(left for _, left in refundable_by_charge(conn, order.id))
    total = sum(int(r.amount_cents) for r in rows)
    return ToolResult.success(
        {
            "order_id": order.id,
            "order_status": order.status,
            "refunds": [
                {
                    "refund_id": r.id,
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
        }
    )


tool = SupportTool(
    name="get_refund_status",
    system="payments",
    description="Show the refunds issued for one of the verified customer's orders, their status and totals.",
    args_schema=GetRefundStatusArgs,
    fn=get_refund_status,
)
