"""update_ticket: change a ticket's status or priority, or add a note; each change is a ticket event."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import TICKET_ID, as_utc, idempotent_write, iso
from tools.store import BusinessStore
from tools.ticketing.backend import TicketChanges, ticketing_backend
from tools.ticketing.queries import PLAIN_TEXT, Priority, load_ticket, not_found


class UpdateTicketArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    ticket_id: str = Field(pattern=TICKET_ID, description="Ticket id, e.g. T-1001.")
    status: Literal["open", "pending", "resolved", "closed"] | None = Field(None, description="New status.")
    priority: Priority | None = Field(None, description="New priority (recomputes the SLA deadline).")
    note: str | None = Field(None, min_length=1, max_length=5000, pattern=PLAIN_TEXT, description="A note.")

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.status is None and self.priority is None and self.note is None:
            raise ValueError("give a status, a priority or a note")
        return self


def update_ticket(store: BusinessStore, args: UpdateTicketArgs, ctx: ToolContext) -> ToolResult:
    ticketing = ticketing_backend(store)

    def body(conn: Connection) -> ToolResult:
        row = load_ticket(ticketing, conn, args.ticket_id, ctx)
        if row is None:
            return ToolResult.refuse(not_found(args.ticket_id))

        ticket_id = row.ticket_id

        def event(kind: str, detail: str) -> None:
            ticketing.add_event(ticket_id, kind, detail, actor="agent", tx=conn, key=ctx.idempotency_key, now=ctx.now)

        status, priority, due = row.status, row.priority, row.sla_due_at
        if args.status and args.status != row.status:
            status = args.status
            event("status", f"status {row.status} -> {args.status}")
        if args.priority and args.priority != row.priority:
            priority, due = args.priority, ctx.policy.sla_due(as_utc(row.created_at), args.priority)
            event("priority", f"priority {row.priority} -> {args.priority}")
        if args.note:
            event("note", args.note)
        changes = TicketChanges(
            status=status if status != row.status else None,
            priority=priority if priority != row.priority else None,
            sla_due_at=due if priority != row.priority else None,
        )
        ticketing.update(row.ticket_id, changes, tx=conn, key=ctx.idempotency_key, now=ctx.now)
        return ToolResult.success(
            {
                "ticket_id": row.ticket_id,
                "status": status,
                "priority": priority,
                "sla_due_at": iso(due),
                "note_added": bool(args.note),
            }
        )

    return idempotent_write(store, ctx, "update_ticket", body)


tool = SupportTool(
    name="update_ticket",
    system="ticketing",
    description="Update a ticket of this conversation or the verified customer: status, priority or a note.",
    args_schema=UpdateTicketArgs,
    fn=update_ticket,
    writes=True,
    requires_verified_customer=False,
)
