"""The business store's tables (SQLAlchemy Core, identical on SQLite and Postgres) and their migrations.

The tables are defined per business system in ``tools/store/tables/`` and migrated by the Alembic revisions
of ``tools/store/migrations/versions/`` (tools/store/lifecycle.py); this module gathers them under one name for
the store, the SQL backends and the tests. Money is stored as integer cents; datetimes as naive UTC (``UTCDateTime``).
"""

from __future__ import annotations

from tools.store.tables.base import UTCDateTime, counters, metadata, operations, store_meta, verification_attempts
from tools.store.tables.crm import addresses, customers, plans
from tools.store.tables.kb import kb_articles
from tools.store.tables.orders import ORDER_STATUSES, order_items, orders, products, return_lines, returns
from tools.store.tables.payments import (
    account_credits,
    charges,
    disputes,
    invoices,
    payment_methods,
    refunds,
    subscriptions,
)
from tools.store.tables.ticketing import (
    TICKET_PRIORITIES,
    TICKET_QUEUES,
    TICKET_STATUSES,
    ticket_events,
    tickets,
)

__all__ = [
    "ORDER_STATUSES",
    "TICKET_PRIORITIES",
    "TICKET_QUEUES",
    "TICKET_STATUSES",
    "UTCDateTime",
    "account_credits",
    "addresses",
    "charges",
    "counters",
    "customers",
    "disputes",
    "invoices",
    "kb_articles",
    "metadata",
    "operations",
    "order_items",
    "orders",
    "payment_methods",
    "plans",
    "products",
    "refunds",
    "return_lines",
    "returns",
    "store_meta",
    "subscriptions",
    "ticket_events",
    "tickets",
    "verification_attempts",
]
