"""Ticket helpers shared by the ticketing tools: SLA hours, creation, access checks, events."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Row, insert, or_, select

from tools.base import ToolContext
from tools.common import for_update, iso, next_id
from tools.store import BusinessStore
from tools.store.schema import ticket_events, tickets

Queue = Literal["billing", "technical", "accounts", "general"]
Priority = Literal["low", "normal", "high", "urgent"]
SLA_HOURS: dict[str, int] = {"urgent": 1, "high": 4, "normal": 24, "low": 72}
PLAIN_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"  # no control characters except tab and newlines


def not_found(ticket_id: str) -> str:
    return f"Error: ticket {ticket_id} was not found."


def sla_due(created_at: datetime, priority: str) -> datetime:
    return created_at + timedelta(hours=SLA_HOURS[priority])


def add_event(conn: Connection, ticket_id: str, kind: str, detail: str, actor: str, now: datetime) -> None:
    conn.execute(
        insert(ticket_events).values(
            ticket_id=ticket_id, kind=kind, detail=detail, actor=actor, created_at=now
        )
    )


def create(
    conn: Connection, ctx: ToolContext, *, subject: str, description: str, queue: str, priority: str
) -> dict[str, Any]:
    ticket_id = next_id(conn, "ticket", "T-{}")
    due = sla_due(ctx.now, priority)
    conn.execute(
        insert(tickets).values(
            id=ticket_id,
            customer_id=ctx.customer_id,
            thread_id=ctx.thread_id,
            subject=subject,
            description=description,
            queue=queue,
            priority=priority,
            status="open",
            assignee=None,
            created_at=ctx.now,
            updated_at=ctx.now,
            sla_due_at=due,
        )
    )
    add_event(conn, ticket_id, "created", subject, "agent", ctx.now)
    return {
        "ticket_id": ticket_id,
        "queue": queue,
        "priority": priority,
        "status": "open",
        "sla_due_at": iso(due),
    }


def load_ticket(conn: Connection, store: BusinessStore, ticket_id: str, ctx: ToolContext) -> Row[Any] | None:
    """The ticket if this conversation may touch it: the verified customer's, or opened in this thread."""
    allowed = [tickets.c.thread_id == ctx.thread_id]
    if ctx.customer_id is not None:
        allowed.append(tickets.c.customer_id == ctx.customer_id)
    query = select(tickets).where(tickets.c.id == ticket_id, or_(*allowed))
    return conn.execute(for_update(query, store)).first()
