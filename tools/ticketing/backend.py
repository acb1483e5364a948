"""The ticketing interface the tools call, and the choice of implementation by configuration.

Tools hold the rules (who may touch a ticket, SLA hours per priority, which events to record); a backend
only stores tickets and their events. ``SqlTicketing`` (the store's tables) is the default;
``SUPPORTGRAPH_TICKETING_BACKEND`` names another (tools/systems.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from tools.systems import configured_backend

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from tools.store import BusinessStore


@dataclass(frozen=True, kw_only=True)
class Ticket:
    ticket_id: str
    customer_id: str | None
    thread_id: str | None  # the conversation that opened it
    subject: str
    queue: str  # billing, technical, accounts or general
    priority: str  # low, normal, high or urgent
    status: str  # open, pending, resolved or closed
    assignee: str | None
    created_at: datetime
    updated_at: datetime
    sla_due_at: datetime


@dataclass(frozen=True, kw_only=True)
class TicketChanges:
    """Fields to change on a ticket; ``None`` leaves a field as it is, ``unassign`` clears the assignee."""

    status: str | None = None
    priority: str | None = None
    sla_due_at: datetime | None = None
    queue: str | None = None
    unassign: bool = False


class TicketingBackend(Protocol):
    """What the tools need from a ticketing system.

    Writes get ``tx`` (the tool's open transaction on the supportgraph store) and ``key`` (the step's
    idempotency key), as in ``CrmBackend``: a backend in the same database writes through ``tx``; a remote
    one applies ``key`` at most once. Reads given ``tx`` see the writes made in it.
    """

    def create(
        self,
        *,
        customer_id: str | None,
        thread_id: str,
        subject: str,
        description: str,
        queue: str,
        priority: str,
        sla_due_at: datetime,
        tx: Connection,
        key: str,
        now: datetime,
    ) -> Ticket:
        """Open a ticket (status open, unassigned) and record its "created" event."""
        ...

    def lock(self, ticket_id: str, *, tx: Connection) -> Ticket | None:
        """The ticket, held against concurrent changes until ``tx`` ends (``None``: no such ticket)."""
        ...

    def update(self, ticket_id: str, changes: TicketChanges, *, tx: Connection, key: str, now: datetime) -> None:
        """Apply ``changes`` and set ``updated_at``."""
        ...

    def add_event(
        self, ticket_id: str, kind: str, detail: str, *, actor: str, tx: Connection, key: str, now: datetime
    ) -> None:
        """Append to the ticket's history (kinds: created, status, priority, note, handoff)."""
        ...

    def open_tickets(
        self,
        customer_id: str,
        *,
        queue: str | None = None,
        subject: str | None = None,
        tx: Connection | None = None,
    ) -> Sequence[Ticket]:
        """The customer's open or pending tickets, optionally of one queue or with one subject, by id."""
        ...


def ticketing_backend(store: BusinessStore) -> TicketingBackend:
    """The configured ticketing system: ``SUPPORTGRAPH_TICKETING_BACKEND`` if set, else the store's tables."""
    # inside: tools.ticketing.sql_ticketing imports this module's types
    from tools.ticketing.sql_ticketing import SqlTicketing

    return configured_backend(store, "ticketing", SqlTicketing)
