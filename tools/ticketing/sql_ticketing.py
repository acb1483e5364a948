"""SqlTicketing: tickets and their events in the supportgraph store's own tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from tools.common import for_update, next_id, reading
from tools.store import BusinessStore
from tools.store.schema import customers, ticket_events, tickets
from tools.ticketing.backend import Ticket, TicketChanges


def _ticket(row: Any) -> Ticket:
    return Ticket(
        ticket_id=row.id,
        customer_id=row.customer_id,
        thread_id=row.thread_id,
        subject=row.subject,
        queue=row.queue,
        priority=row.priority,
        status=row.status,
        assignee=row.assignee,
        created_at=row.created_at,
        updated_at=row.updated_at,
        sla_due_at=row.sla_due_at,
    )


class SqlTicketing:
    """Implements ``TicketingBackend`` with SQL on the store; writes join the tool's transaction ``tx``."""

    def __init__(self, store: BusinessStore) -> None:
        self.store = store

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
        if customer_id is not None and self.store.db.dialect == "postgresql":
            # The ticket's foreign key takes the customer's row (FOR KEY SHARE) when it is inserted. Take it before
            # the ticket counter, the order of every transaction that holds the customer and then opens a ticket
            # (a deletion request): the other way round each waits for the other (deadlock, issue 17's fuzzer).
            customer = select(customers.c.id).where(customers.c.id == customer_id)
            tx.execute(customer.with_for_update(read=True, key_share=True))
        ticket = Ticket(
            ticket_id=next_id(tx, "ticket", "T-{}"),
            customer_id=customer_id,
            thread_id=thread_id,
            subject=subject,
            queue=queue,
            priority=priority,
            status="open",
            assignee=None,
            created_at=now,
            updated_at=now,
            sla_due_at=sla_due_at,
        )
        tx.execute(
            insert(tickets).values(
                id=ticket.ticket_id,
                customer_id=customer_id,
                thread_id=thread_id,
                subject=subject,
                description=description,
                queue=queue,
                priority=priority,
                status="open",
                assignee=None,
                created_at=now,
                updated_at=now,
                sla_due_at=sla_due_at,
            )
        )
        self.add_event(ticket.ticket_id, "created", subject, actor="agent", tx=tx, key=key, now=now)
        return ticket

    def lock(self, ticket_id: str, *, tx: Connection) -> Ticket | None:
        row = tx.execute(for_update(select(tickets).where(tickets.c.id == ticket_id), self.store)).first()
        return None if row is None else _ticket(row)

    def update(self, ticket_id: str, changes: TicketChanges, *, tx: Connection, key: str, now: datetime) -> None:
        values: dict[str, Any] = {"updated_at": now}
        for name in ("status", "priority", "sla_due_at", "queue"):
            if getattr(changes, name) is not None:
                values[name] = getattr(changes, name)
        if changes.unassign:
            values["assignee"] = None
        tx.execute(update(tickets).where(tickets.c.id == ticket_id).values(**values))

    def add_event(
        self, ticket_id: str, kind: str, detail: str, *, actor: str, tx: Connection, key: str, now: datetime
    ) -> None:
        tx.execute(
            insert(ticket_events).values(ticket_id=ticket_id, kind=kind, detail=detail, actor=actor, created_at=now)
        )

    def open_tickets(
        self,
        customer_id: str,
        *,
        queue: str | None = None,
        subject: str | None = None,
        tx: Connection | None = None,
    ) -> Sequence[Ticket]:
        query = select(tickets).where(tickets.c.customer_id == customer_id, tickets.c.status.in_(("open", "pending")))
        if queue is not None:
            query = query.where(tickets.c.queue == queue)
        if subject is not None:
            query = query.where(tickets.c.subject == subject)
        with reading(self.store, tx) as conn:
            return [_ticket(r) for r in conn.execute(query.order_by(tickets.c.id))]
