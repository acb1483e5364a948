"""Order-management tables: the product catalogue, orders, their items, returns and exchanges."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table

from tools.store.tables.base import UTCDateTime, metadata

products = Table(
    "products",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("sku", String(32), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("family", String(32), nullable=False),
    Column("price_cents", BigInteger, CheckConstraint("price_cents >= 0"), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

ORDER_STATUSES = ("pending", "processing", "shipped", "delivered", "cancelled", "returned")
orders = Table(
    "orders",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("customer_id", String(16), ForeignKey("customers.id"), nullable=False, index=True),
    Column(
        "status",
        String(16),
        CheckConstraint(
            "status IN ('pending', 'processing', 'shipped', 'delivered', 'cancelled', 'returned')"
        ),
        nullable=False,
    ),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("shipped_at", UTCDateTime, nullable=True),
    Column("delivered_at", UTCDateTime, nullable=True),
    Column("cancelled_at", UTCDateTime, nullable=True),
    Column("carrier", String(20), nullable=True),
    Column("tracking_number", String(40), nullable=True),
    Column("estimated_delivery", UTCDateTime, nullable=True),
    Column("ship_name", String(120), nullable=False),
    Column("ship_line1", String(200), nullable=False),
    Column("ship_line2", String(200), nullable=True),
    Column("ship_city", String(100), nullable=False),
    Column("ship_zip", String(10), nullable=False),
    Column("ship_country", String(2), nullable=False),
    Column("payment_method_id", String(16), ForeignKey("payment_methods.id"), nullable=False),
    Column("total_cents", BigInteger, CheckConstraint("total_cents >= 0"), nullable=False),
    Column("replaces_order_id", BigInteger, ForeignKey("orders.id"), nullable=True),  # exchanges
)

order_items = Table(
    "order_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", BigInteger, ForeignKey("orders.id"), nullable=False, index=True),
    Column("product_id", String(16), ForeignKey("products.id"), nullable=False),
    Column("product_name", String(120), nullable=False),
    Column("quantity", Integer, CheckConstraint("quantity > 0"), nullable=False),
    Column("unit_price_cents", BigInteger, CheckConstraint("unit_price_cents >= 0"), nullable=False),
    Column("line_total_cents", BigInteger, CheckConstraint("line_total_cents >= 0"), nullable=False),
)

returns = Table(
    "returns",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("order_id", BigInteger, ForeignKey("orders.id"), nullable=False, index=True),
    Column("customer_id", String(16), ForeignKey("customers.id"), nullable=False, index=True),
    Column("kind", String(16), CheckConstraint("kind IN ('return', 'exchange')"), nullable=False),
    Column("status", String(16), nullable=False),  # 'refunded', 'exchanged'
    Column("reason", String(500), nullable=False),
    Column("amount_cents", BigInteger, CheckConstraint("amount_cents >= 0"), nullable=False),
    Column("refund_to", String(16), nullable=True),  # 'original' or 'gift_card'
    Column("replacement_order_id", BigInteger, ForeignKey("orders.id"), nullable=True),
    Column("operation_key", String(300), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

return_lines = Table(
    "return_lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("return_id", String(16), ForeignKey("returns.id"), nullable=False, index=True),
    Column("order_item_id", Integer, ForeignKey("order_items.id"), nullable=False, index=True),
    Column("quantity", Integer, CheckConstraint("quantity > 0"), nullable=False),
    Column("amount_cents", BigInteger, CheckConstraint("amount_cents >= 0"), nullable=False),
)

