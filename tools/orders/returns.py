"""Helpers of the return and exchange tools: the refund window, what is still returnable, return records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Row, func, insert, select, update

from tools.base import ToolContext
from tools.common import as_utc, next_id
from tools.store.schema import order_items, orders, return_lines, returns

PRODUCT_ID = r"^P\d{3,6}$"


class ItemQuantity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(pattern=PRODUCT_ID, description="Product id of an item on the order, e.g. P002.")
    quantity: int = Field(1, ge=1, le=100, description="How many units.")


def outside_window(row: Row[Any], ctx: ToolContext, action: str) -> str | None:
    """The refusal when the order is not delivered within the refund window, else ``None``."""
    days = ctx.policy.refund_window_days
    if row.status != "delivered":
        return (
            f"Error: order {row.id} is {row.status}; only delivered orders (within {days} days of delivery) "
            f"can be {action}."
            + (" A pending order can be changed or cancelled instead." if row.status == "pending" else "")
        )
    delivered = as_utc(row.delivered_at) if row.delivered_at else None
    if delivered is None or as_utc(ctx.now) - delivered > timedelta(days=days):
        return f"Error: order {row.id} was delivered more than {days} days ago; it is outside the return window."
    return None


def returnable_items(conn: Connection, order_id: int) -> dict[str, tuple[Row[Any], int]]:
    """Per product id: the order line and how many units have not been returned or exchanged yet."""
    done = (
        select(return_lines.c.order_item_id, func.sum(return_lines.c.quantity).label("qty"))
        .group_by(return_lines.c.order_item_id)
        .subquery()
    )
    rows = conn.execute(
        select(order_items, func.coalesce(done.c.qty, 0).label("returned"))
        .outerjoin(done, done.c.order_item_id == order_items.c.id)
        .where(order_items.c.order_id == order_id)
        .order_by(order_items.c.id)
    ).all()
    return {r.product_id: (r, int(r.quantity) - int(r.returned)) for r in rows}


def record_return(
    conn: Connection,
    ctx: ToolContext,
    order: Row[Any],
    lines: list[tuple[Row[Any], int]],
    *,
    kind: str,
    status: str,
    reason: str,
    amount_cents: int,
    refund_to: str | None,
    replacement_order_id: int | None = None,
) -> str:
    """Insert the return record and its lines; mark the order returned once nothing is left to return."""
    return_id = next_id(conn, "return", "RMA-{:05d}")
    conn.execute(
        insert(returns).values(
            id=return_id,
            order_id=order.id,
            customer_id=order.customer_id,
            kind=kind,
            status=status,
            reason=reason,
            amount_cents=amount_cents,
            refund_to=refund_to,
            replacement_order_id=replacement_order_id,
            operation_key=ctx.idempotency_key,
            created_at=ctx.now,
        )
    )
    conn.execute(
        insert(return_lines),
        [
            {
                "return_id": return_id,
                "order_item_id": item.id,
                "quantity": qty,
                "amount_cents": qty * item.unit_price_cents,
            }
            for item, qty in lines
        ],
    )
    if all(left == 0 for _, left in returnable_items(conn, order.id).values()):
        conn.execute(update(orders).where(orders.c.id == order.id).values(status="returned"))
    return return_id


def replacement_order(conn: Connection, ctx: ToolContext, order: Row[Any], product: Row[Any], quantity: int) -> int:
    """A pending order of ``quantity`` × ``product`` to the original's address, linked to the original."""
    replacement_id = int(next_id(conn, "order", "{}"))
    total = product.price_cents * quantity
    conn.execute(
        insert(orders).values(
            id=replacement_id,
            customer_id=order.customer_id,
            status="pending",
            placed_at=ctx.now,
            ship_name=order.ship_name,
            ship_line1=order.ship_line1,
            ship_line2=order.ship_line2,
            ship_city=order.ship_city,
            ship_zip=order.ship_zip,
            ship_country=order.ship_country,
            payment_method_id=order.payment_method_id,
            total_cents=total,
            replaces_order_id=order.id,
        )
    )
    conn.execute(
        insert(order_items).values(
            order_id=replacement_id,
            product_id=product.id,
            product_name=product.name,
            quantity=quantity,
            unit_price_cents=product.price_cents,
            line_total_cents=total,
        )
    )
    return replacement_id
