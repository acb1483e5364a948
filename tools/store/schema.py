"""The business store's tables (SQLAlchemy Core, identical on SQLite and Postgres) and their migrations.

Money is stored as integer cents; datetimes as naive UTC (``UTCDateTime`` hands back aware UTC values).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.types import TypeDecorator

COMPONENT = "business"


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC on both databases and returned as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

store_meta = Table(
    "store_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

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

plans = Table(
    "plans",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("name", String(60), nullable=False),
    Column("monthly_price_cents", BigInteger, CheckConstraint("monthly_price_cents >= 0"), nullable=False),
    Column("description", Text, nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("email", String(254), nullable=False, unique=True),
    Column("zip_code", String(10), nullable=False),
    Column("card_last4", String(4), nullable=False),
    Column("plan_id", String(16), ForeignKey("plans.id"), nullable=False),
    Column("newsletter", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # 'active', 'deleted' (soft-deleted, PII scrubbed) or 'merged' (into ``merged_into``).
    Column("status", String(16), nullable=False, default="active", server_default="active"),
    Column("merged_into", String(16), ForeignKey("customers.id"), nullable=True),
    Column("deletion_requested_at", UTCDateTime, nullable=True),
    Column("deleted_at", UTCDateTime, nullable=True),
)

addresses = Table(
    "addresses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(16), ForeignKey("customers.id"), nullable=False, index=True),
    Column("name", String(120), nullable=False),
    Column("line1", String(200), nullable=False),
    Column("line2", String(200), nullable=True),
    Column("city", String(100), nullable=False),
    Column("zip_code", String(10), nullable=False),
    Column("country", String(2), nullable=False),
    Column("is_default", Boolean, nullable=False),
)

payment_methods = Table(
    "payment_methods",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("customer_id", String(16), ForeignKey("customers.id"), nullable=False, index=True),
    Column("kind", String(16), CheckConstraint("kind IN ('card', 'paypal', 'gift_card')"), nullable=False),
    Column("brand", String(20), nullable=True),
    Column("card_last4", String(4), nullable=True),
    Column("paypal_email", String(254), nullable=True),
    Column("balance_cents", BigInteger, CheckConstraint("balance_cents >= 0"), nullable=True),
    Column("is_default", Boolean, nullable=False),
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

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("customer_id", String(16), ForeignKey("customers.id"), nullable=False, index=True),
    Column("plan_id", String(16), ForeignKey("plans.id"), nullable=False),
    Column(
        "status", String(16), CheckConstraint("status IN ('active', 'past_due', 'cancelled')"), nullable=False
    ),
    Column("started_at", UTCDateTime, nullable=False),
    Column("renews_at", UTCDateTime, nullable=True),
    Column("cancelled_at", UTCDateTime, nullable=True),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("customer_id", String(16), ForeignKey("customers.id"), nullable=False, index=True),
    Column("subscription_id", String(16), ForeignKey("subscriptions.id"), nullable=True),
    Column("amount_cents", BigInteger, CheckConstraint("amount_cents >= 0"), nullable=False),
    Column("status", String(16), CheckConstraint("status IN ('paid', 'open', 'disputed')"), nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("paid_at", UTCDateTime, nullable=True),
)

charges = Table(
    "charges",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("customer_id", String(16), ForeignKey("customers.id"), nullable=False, index=True),
    Column("order_id", BigInteger, ForeignKey("orders.id"), nullable=True, index=True),
    Column("payment_method_id", String(16), ForeignKey("payment_methods.id"), nullable=False),
    Column("amount_cents", BigInteger, CheckConstraint("amount_cents > 0"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("invoice_id", String(16), ForeignKey("invoices.id"), nullable=True),  # membership payments
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("charge_id", String(16), ForeignKey("charges.id"), nullable=False, index=True),
    Column("order_id", BigInteger, ForeignKey("orders.id"), nullable=True, index=True),
    Column("amount_cents", BigInteger, CheckConstraint("amount_cents > 0"), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("status", String(16), nullable=False),
    Column("approved_by", String(120), nullable=True),
    Column("operation_key", String(300), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    # NULL: back to the charge's payment method; otherwise the gift card credited (store credit).
    Column("destination_pm_id", String(16), ForeignKey("payment_methods.id"), nullable=True),
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

disputes = Table(
    "disputes",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("customer_id", String(16), ForeignKey("customers.id"), nullable=False, index=True),
    Column("invoice_id", String(16), ForeignKey("invoices.id"), nullable=True),
    Column("charge_id", String(16), ForeignKey("charges.id"), nullable=True),
    Column("ticket_id", String(16), ForeignKey("tickets.id"), nullable=False),
    Column("amount_cents", BigInteger, CheckConstraint("amount_cents > 0"), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("status", String(16), CheckConstraint("status IN ('open', 'upheld', 'rejected')"), nullable=False),
    Column("previous_invoice_status", String(16), nullable=True),
    Column("resolved_by", String(120), nullable=True),
    Column("resolution_note", String(500), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime, nullable=True),
)

TICKET_QUEUES = ("billing", "technical", "accounts", "general")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_STATUSES = ("open", "pending", "resolved", "closed")
tickets = Table(
    "tickets",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("customer_id", String(16), ForeignKey("customers.id"), nullable=True, index=True),
    Column("thread_id", String(200), nullable=True, index=True),  # the conversation that opened it
    Column("subject", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column(
        "queue",
        String(16),
        CheckConstraint("queue IN ('billing', 'technical', 'accounts', 'general')"),
        nullable=False,
    ),
    Column(
        "priority",
        String(8),
        CheckConstraint("priority IN ('low', 'normal', 'high', 'urgent')"),
        nullable=False,
    ),
    Column(
        "status",
        String(12),
        CheckConstraint("status IN ('open', 'pending', 'resolved', 'closed')"),
        nullable=False,
    ),
    Column("assignee", String(120), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("sla_due_at", UTCDateTime, nullable=False),
)

ticket_events = Table(
    "ticket_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(16), ForeignKey("tickets.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("detail", Text, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

kb_articles = Table(
    "kb_articles",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("tags", Text, nullable=False),  # JSON list
    Column("intents", Text, nullable=False),  # JSON list
    Column("product_family", String(32), nullable=True),
    Column("body", Text, nullable=False),
    Column("source_file", String(200), nullable=False),
)

operations = Table(
    "operations",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("tool", String(64), nullable=False),
    Column("customer_id", String(16), nullable=True),
    Column("result", Text, nullable=True),  # JSON of the ToolResult
    Column("created_at", UTCDateTime, nullable=False),
)

verification_attempts = Table(
    "verification_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("attempt_key", String(300), nullable=True, unique=True),
    Column("customer_id", String(16), nullable=True),
    Column("identifier", String(254), nullable=False),
    Column("success", Boolean, nullable=False),
    Column("attempted_at", UTCDateTime, nullable=False),
    Index("ix_verification_attempts_identifier", "identifier", "attempted_at"),
)


def _v1_create_tables(conn: Connection) -> None:
    metadata.create_all(conn, checkfirst=True)


# Columns added in v2 to tables that v1 created (a fresh store gets them from v1's create_all already).
_V2_COLUMNS = {
    "customers": ["status", "merged_into", "deletion_requested_at", "deleted_at"],
    "orders": ["replaces_order_id"],
    "charges": ["invoice_id"],
    "refunds": ["destination_pm_id"],
}
NEW_COUNTERS = ("return", "dispute", "order", "subscription")


def _v2_returns_disputes_accounts(conn: Connection) -> None:
    """Returns, exchanges, disputes, gift-card refunds, soft deletion and account merges."""
    existing = inspect(conn)
    for table_name, names in _V2_COLUMNS.items():
        have = {c["name"] for c in existing.get_columns(table_name)}
        for name in names:
            if name in have:
                continue
            column = metadata.tables[table_name].c[name]
            ddl = f"ALTER TABLE {table_name} ADD COLUMN {name} {column.type.compile(dialect=conn.dialect)}"
            if column.server_default is not None:
                ddl += " NOT NULL DEFAULT 'active'"
            for fk in column.foreign_keys:
                ddl += f" REFERENCES {fk.column.table.name}({fk.column.name})"
            conn.exec_driver_sql(ddl)
    metadata.create_all(conn, checkfirst=True)
    seeded = conn.execute(select(counters.c.name)).scalars().all()
    if seeded:  # an existing store: start the new counters after its data (a new one gets them when seeded)
        top = conn.execute(select(func.max(orders.c.id))).scalar_one() or 10000
        subs = conn.execute(select(subscriptions.c.id)).scalars().all()
        top_sub = max((int(i.rsplit("-", 1)[1]) for i in subs if i.rsplit("-", 1)[1].isdigit()), default=3000)
        starts = {"return": 1, "dispute": 1, "order": int(top) + 1, "subscription": top_sub + 1}
        for name in NEW_COUNTERS:
            if name not in seeded:
                conn.execute(insert(counters).values(name=name, value=starts[name]))


MIGRATIONS = [_v1_create_tables, _v2_returns_disputes_accounts]
