"""get_order: one of the verified customer's orders with items, status, dates, tracking and address."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import OrderId
from tools.orders.queries import load_order, not_found, order_detail
from tools.store import BusinessStore


class GetOrderArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId


def get_order(store: BusinessStore, args: GetOrderArgs, ctx: ToolContext) -> ToolResult:
    with store.db.begin() as conn:
        row = load_order(conn, store, args.order_id, ctx.customer_id)
        if row is None:
            return ToolResult.refuse(not_found(args.order_id))
        return ToolResult.success(order_detail(conn, row))


tool = SupportTool(
    name="get_order",
    system="orders",
    description=(
        "Look up one of the verified customer's orders: items, status, dates, carrier and tracking number, "
        "estimated delivery and shipping address."
    ),
    args_schema=GetOrderArgs,
    fn=get_order,
)
