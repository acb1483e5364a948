"""Order look-ups shared by the order and payment tools (always scoped to the verified customer)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select

from tools.common import for_update, iso, money
from tools.store import BusinessStore
from tools.store.schema import order_items, orders


def not_found(order_id: int) -> str:
    return f"Error: order {order_id} was not found on your account."


def load_order(
    conn: Connection, store: BusinessStore, order_id: int, customer_id: str | None, *, lock: bool = False
) -> Row[Any] | None:
    """The order if it belongs to ``customer_id`` (row-locked until commit on Postgres when ``lock``)."""
    query = select(orders).where(orders.c.id == order_id, orders.c.customer_id == customer_id)
    return conn.execute(for_update(query, store) if lock else query).first()


def order_summary(row: Row[Any]) -> dict[str, Any]:
    return {
        "order_id": row.id,
        "status": row.status,
        "placed_at": iso(row.placed_at),
        "total": money(row.total_cents),
        "carrier": row.carrier,
        "tracking_number": row.tracking_number,
        "estimated_delivery": iso(row.estimated_delivery),
        "delivered_at": iso(row.delivered_at),
    }


def order_detail(conn: Connection, row: Row[Any]) -> dict[str, Any]:
    items = conn.execute(
        select(order_items).where(order_items.c.order_id == row.id).order_by(order_items.c.id)
    )
    return {
        **order_summary(row),
        "shipped_at": iso(row.shipped_at),
        "cancelled_at": iso(row.cancelled_at),
        "items": [
            {
                "product_id": i.product_id,
                "name": i.product_name,
                "quantity": i.quantity,
                "unit_price": money(i.unit_price_cents),
                "line_total": money(i.line_total_cents),
            }
            for i in items
        ],
        "shipping_address": {
            "name": row.ship_name,
            "line1": row.ship_line1,
            "line2": row.ship_line2,
            "city": row.ship_city,
            "zip_code": row.ship_zip,
            "country": row.ship_country,
        },
    }
