"""get_order: one of the verified customer's orders with items, status, dates, tracking and address."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import OrderId
from tools.orders.backend import orders_backend
from tools.orders.queries import not_found, order_detail
from tools.store import BusinessStore


class GetOrderArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId


def get_order(store: BusinessStore, args: GetOrderArgs, ctx: ToolContext) -> ToolResult:
    order = orders_backend(store).get_order(args.order_id, str(ctx.customer_id))
    if order is None:
        return ToolResult.refuse(not_found(args.order_id))
    return ToolResult.success(order_detail(order))


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
