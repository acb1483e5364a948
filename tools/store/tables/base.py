"""The shared parts of the store's tables: one ``MetaData`` and a timestamp type that is UTC on both databases.

Money is stored as integer cents; datetimes as naive UTC (``UTCDateTime`` hands back aware UTC values).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Dialect, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.types import TypeDecorator


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

