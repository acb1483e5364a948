"""Ticket rules shared by the tools: who may touch a ticket, opening one for a conversation (due by the run's
policy, ``Policy.sla_due``).

Everything here goes through ``TicketingBackend``; the rules themselves stay with the tools.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from tools.base import ToolContext
from tools.common import iso
from tools.ticketing.backend import Ticket, TicketingBackend

if TYPE_CHECKING:
    from sqlalchemy import Connection

Queue = Literal["billing", "technical", "accounts", "general"]
Priority = Literal["low", "normal", "high", "urgent"]
PLAIN_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"  # no control characters except tab and newlines


def not_found(ticket_id: str) -> str:
    return f"Error: ticket {ticket_id} was not found."


def create(
    ticketing: TicketingBackend,
    tx: Connection,
    ctx: ToolContext,
    *,
    subject: str,
    description: str,
    queue: str,
    priority: str,
) -> dict[str, Any]:
    """Open a ticket for this conversation (and the verified customer, if any); what the reasoner sees of it."""
    ticket = ticketing.create(
        customer_id=ctx.customer_id,
        thread_id=ctx.thread_id,
        subject=subject,
        description=description,
        queue=queue,
        priority=priority,
        sla_due_at=ctx.policy.sla_due(ctx.now, priority),
        tx=tx,
        key=ctx.idempotency_key,
        now=ctx.now,
    )
    return {
        "ticket_id": ticket.ticket_id,
        "queue": ticket.queue,
        "priority": ticket.priority,
        "status": ticket.status,
        "sla_due_at": iso(ticket.sla_due_at),
    }


def load_ticket(ticketing: TicketingBackend, tx: Connection, ticket_id: str, ctx: ToolContext) -> Ticket | None:
    """The ticket (locked) if this conversation may touch it: the verified customer's, or opened in this thread."""
    ticket = ticketing.lock(ticket_id, tx=tx)
    if ticket is None:
        return None
    mine = ticket.thread_id == ctx.thread_id or (
        ctx.customer_id is not None and ticket.customer_id == ctx.customer_id
    )
    return ticket if mine else None
