"""Helpers of the return and exchange tools: the refund window and what is still returnable."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from tools.base import ToolContext
from tools.common import as_utc
from tools.orders.backend import Order, OrderLine

PRODUCT_ID = r"^P\d{3,6}$"


class ItemQuantity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(pattern=PRODUCT_ID, description="Product id of an item on the order, e.g. P002.")
    quantity: int = Field(1, ge=1, le=100, description="How many units.")


def outside_window(order: Order, ctx: ToolContext, action: str) -> str | None:
    """The refusal when the order is not delivered within the refund window, else ``None``."""
    days = ctx.policy.refund_window_days
    if order.status != "delivered":
        return (
            f"Error: order {order.order_id} is {order.status}; only delivered orders (within {days} days of "
            f"delivery) can be {action}."
            + (" A pending order can be changed or cancelled instead." if order.status == "pending" else "")
        )
    delivered = as_utc(order.delivered_at) if order.delivered_at else None
    if delivered is None or as_utc(ctx.now) - delivered > timedelta(days=days):
        return (
            f"Error: order {order.order_id} was delivered more than {days} days ago; it is outside the return "
            "window."
        )
    return None


def returnable_items(order: Order) -> dict[str, tuple[OrderLine, int]]:
    """Per product id: the order line and how many units have not been returned or exchanged yet."""
    return {line.product_id: (line, line.returnable) for line in order.items}
