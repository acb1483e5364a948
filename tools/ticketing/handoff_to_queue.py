"""handoff_to_queue: hand the conversation's ticket to a human queue, with the reason (a ticket event)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import TICKET_ID, idempotent_write, iso
from tools.store import BusinessStore
from tools.ticketing.backend import TicketChanges, ticketing_backend
from tools.ticketing.queries import PLAIN_TEXT, Priority, Queue, create, load_ticket, not_found


class HandoffToQueueArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    queue: Queue = Field(description="The human team to hand over to.")
    reason: str = Field(
        min_length=3, max_length=1000, pattern=PLAIN_TEXT, description="Why a human is needed."
    )
    ticket_id: str | None = Field(
        None,
        pattern=TICKET_ID,
        description="The ticket to hand over; omit to open a new one for the handoff.",
    )
    priority: Priority = Field("normal", description="Priority of a newly opened handoff ticket.")


def handoff_to_queue(store: BusinessStore, args: HandoffToQueueArgs, ctx: ToolContext) -> ToolResult:
    ticketing = ticketing_backend(store)

    def body(conn: Connection) -> ToolResult:
        if args.ticket_id is None:
            created = create(
                ticketing,
                conn,
                ctx,
                subject=f"Handoff: {args.reason[:180]}",
                description=args.reason,
                queue=args.queue,
                priority=args.priority,
            )
            ticket_id, previous = str(created["ticket_id"]), str(args.queue)
        else:
            row = load_ticket(ticketing, conn, args.ticket_id, ctx)
            if row is None:
                return ToolResult.refuse(not_found(args.ticket_id))
            ticket_id, previous = row.ticket_id, row.queue
            handed = TicketChanges(queue=args.queue, status="open", unassign=True)
            ticketing.update(row.ticket_id, handed, tx=conn, key=ctx.idempotency_key, now=ctx.now)
        ticketing.add_event(
            ticket_id,
            "handoff",
            f"queue {previous} -> {args.queue}: {args.reason}",
            actor="agent",
            tx=conn,
            key=ctx.idempotency_key,
            now=ctx.now,
        )
        return ToolResult.success(
            {
                "ticket_id": ticket_id,
                "queue": args.queue,
                "previous_queue": previous,
                "status": "open",
                "handed_off_at": iso(ctx.now),
            }
        )

    return idempotent_write(store, ctx, "handoff_to_queue", body)


tool = SupportTool(
    name="handoff_to_queue",
    system="ticketing",
    description=(
        "Hand a ticket over to a human queue (billing, technical, accounts, general) with the reason; "
        "opens a ticket first if there is none yet."
    ),
    args_schema=HandoffToQueueArgs,
    fn=handoff_to_queue,
    writes=True,
    requires_verified_customer=False,
)
