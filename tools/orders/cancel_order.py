"""cancel_order: cancel a pending order and refund its charges in full to the original payment method."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, update

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import OrderId, idempotent_write, iso, money
from tools.orders.queries import load_order, not_found
from tools.payments.ledger import issue_refund, refundable_by_charge
from tools.store import BusinessStore
from tools.store.schema import orders


class CancelOrderArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId
    reason: str = Field(
        "customer request", min_length=1, max_length=500, description="Why the customer cancels, in brief."
    )


def cancel_order(store: BusinessStore, args: CancelOrderArgs, ctx: ToolContext) -> ToolResult:
    def body(conn: Connection) -> ToolResult:
        row = load_order(conn, store, args.order_id, ctx.customer_id, lock=True)
        if row is None:
            return ToolResult.refuse(not_found(args.order_id))
        if row.status != "pending":
            return ToolResult.refuse(
                f"Error: order {args.order_id} is {row.status}; only pending orders can be cancelled."
            )
        conn.execute(
            update(orders).where(orders.c.id == row.id).values(status="cancelled", cancelled_at=ctx.now)
        )
        remaining = sum(left for _, left in refundable_by_charge(conn, row.id))
        made = (
            issue_refund(
                conn,
                row.id,
                remaining,
                reason=f"order cancelled: {args.reason}",
                now=ctx.now,
                approved_by=ctx.approved_by,
                operation_key=ctx.idempotency_key,
            )
            if remaining > 0
            else []
        )
        return ToolResult.success(
            {
                "order_id": row.id,
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
)
