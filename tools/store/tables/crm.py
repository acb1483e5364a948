"""CRM tables: membership plans, customers and their addresses."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table, Text

from tools.store.tables.base import UTCDateTime, metadata

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

