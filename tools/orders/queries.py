"""How the order tools show an order to the reasoner (always one the verified customer owns)."""

from __future__ import annotations

from typing import Any

from tools.common import iso, money
from tools.orders.backend import Order, OrderSummary


def not_found(order_id: int) -> str:
    return f"Error: order {order_id} was not found on your account."


def order_summary(order: OrderSummary) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "status": order.status,
        "placed_at": iso(order.placed_at),
        "total": money(order.total_cents),
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "estimated_delivery": iso(order.estimated_delivery),
        "delivered_at": iso(order.delivered_at),
    }


def order_detail(order: Order) -> dict[str, Any]:
    to = order.ship_to
    return {
        **order_summary(order),
        "shipped_at": iso(order.shipped_at),
        "cancelled_at": iso(order.cancelled_at),
        "items": [
            {
                "product_id": i.product_id,
                "name": i.product_name,
                "quantity": i.quantity,
                "unit_price": money(i.unit_price_cents),
                "line_total": money(i.line_total_cents),
                "returned": i.returned,
            }
            for i in order.items
        ],
        "shipping_address": {
            "name": to.name,
            "line1": to.line1,
            "line2": to.line2,
            "city": to.city,
            "zip_code": to.zip_code,
            "country": to.country,
        },
    }
