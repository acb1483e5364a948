"""list_orders: the verified customer's most recent orders, optionally filtered by status."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.base import SupportTool, ToolContext, ToolResult
from tools.orders.backend import orders_backend
from tools.orders.queries import order_summary
from tools.store import BusinessStore

OrderStatus = Literal["pending", "processing", "shipped", "delivered", "cancelled", "returned"]


class ListOrdersArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: OrderStatus | None = Field(None, description="Only orders with this status.")
    limit: int = Field(10, ge=1, le=20, description="How many orders, newest first (at most 20).")
    with_items: bool = Field(False, description="Also name each order's products (to find the order a customer "
                             "describes by what is in it).")


def list_orders(store: BusinessStore, args: ListOrdersArgs, ctx: ToolContext) -> ToolResult:
    statuses = [args.status] if args.status else None
    backend = orders_backend(store)
    rows = backend.list_orders(str(ctx.customer_id), statuses=statuses, limit=args.limit)
    summaries = [order_summary(r) for r in rows]
    if args.with_items:
        for summary in summaries:
            order = backend.get_order(summary["order_id"], str(ctx.customer_id))
            summary["products"] = [line.product_name for line in order.items] if order else []
    return ToolResult.success({"orders": summaries, "count": len(rows)})


tool = SupportTool(
    name="list_orders",
    system="orders",
    description="List the verified customer's recent orders (newest first), optionally by status.",
    args_schema=ListOrdersArgs,
    fn=list_orders,
)
