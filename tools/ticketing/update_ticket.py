"""update_ticket: change a ticket's status or priority, or add a note; each change is a ticket event."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, update

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import TICKET_ID, as_utc, idempotent_write, iso
from tools.store import BusinessStore
from tools.store.schema import tickets
from tools.ticketing.queries import PLAIN_TEXT, Priority, add_event, load_ticket, not_found, sla_due


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
    def body(conn: Connection) -> ToolResult:
        row = load_ticket(conn, store, args.ticket_id, ctx)
        if row is None:
            return ToolResult.refuse(not_found(args.ticket_id))
        changes: dict[str, object] = {"updated_at": ctx.now}
        if args.status and args.status != row.status:
            changes["status"] = args.status
            add_event(conn, row.id, "status", f"status {row.status} -> {args.status}", "agent", ctx.now)
        if args.priority and args.priority != row.priority:
            changes["priority"] = args.priority
            changes["sla_due_at"] = sla_due(as_utc(row.created_at), args.priority)
            add_event(
                conn, row.id, "priority", f"priority {row.priority} -> {args.priority}", "agent", ctx.now
            )
        if args.note:
            add_event(conn, row.id, "note", args.note, "agent", ctx.now)
        conn.execute(update(tickets).where(tickets.c.id == row.id).values(**changes))
        return ToolResult.success(
            {
                "ticket_id": row.id,
                "status": changes.get("status", row.status),
                "priority": changes.get("priority", row.priority),
                "sla_due_at": iso(changes.get("sla_due_at", row.sla_due_at)),  # type: ignore[arg-type]
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
