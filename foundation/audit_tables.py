"""The tables of the audit log and the review-queue index (foundation/audit.py), and their migrations."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Connection, DateTime, Float, Index, Integer, MetaData, String, Table, Text, inspect

metadata = MetaData()

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("thread_id", String(200), nullable=False, index=True),
    Column("turn", Integer, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("latency_ms", Float),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

review_queue = Table(
    "review_queue",
    metadata,
    Column("thread_id", String(200), primary_key=True),
    Column("turn", Integer, primary_key=True),
    Column("queue", String(20), nullable=False, index=True),
    Column("priority", String(10), nullable=False),
    Column("status", String(20), nullable=False, index=True),  # open | resolving | resolved
    Column("customer_id", String(20)),
    Column("summary", Text, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("confidence", Float),
    Column("assigned_to", String(100)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
    Column("decision", JSON),
    Column("claimed_at", DateTime(timezone=True)),
)


def _m001_audit_and_review_queue(conn: Connection) -> None:
    metadata.create_all(conn, tables=[audit_events, review_queue])


def _m002_review_claim_time(conn: Connection) -> None:
    # Stores created by m001 after claimed_at joined the table definition already have the column.
    if "claimed_at" not in {c["name"] for c in inspect(conn).get_columns("review_queue")}:
        kind = "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "TIMESTAMP"
        conn.exec_driver_sql(f"ALTER TABLE review_queue ADD COLUMN claimed_at {kind}")


# Metrics select events by kind and period (service/metrics/compute.py).
events_by_kind_and_time = Index("ix_audit_events_kind_created_at", audit_events.c.kind, audit_events.c.created_at)


def _m003_events_by_kind_and_time(conn: Connection) -> None:
    events_by_kind_and_time.create(conn, checkfirst=True)


MIGRATIONS = [_m001_audit_and_review_queue, _m002_review_claim_time, _m003_events_by_kind_and_time]
