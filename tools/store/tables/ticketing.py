"""Ticketing tables: tickets and their events."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Table, Text

from tools.store.tables.base import UTCDateTime, metadata

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

