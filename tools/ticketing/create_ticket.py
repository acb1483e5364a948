"""create_ticket: open a support ticket for the conversation (verified customer or not)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import idempotent_write
from tools.store import BusinessStore
from tools.ticketing.backend import ticketing_backend
from tools.ticketing.queries import PLAIN_TEXT, Priority, Queue, create


class CreateTicketArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    subject: str = Field(
        min_length=3, max_length=200, pattern=r"^[^\x00-\x1f]*$", description="One-line summary."
    )
    description: str = Field(min_length=3, max_length=5000, pattern=PLAIN_TEXT, description="What happened.")
    queue: Queue = Field("general", description="Team: billing, technical, accounts or general.")
    priority: Priority = Field("normal", description="low, normal, high or urgent; sets the SLA deadline.")


def create_ticket(store: BusinessStore, args: CreateTicketArgs, ctx: ToolContext) -> ToolResult:
    ticketing = ticketing_backend(store)

    def body(conn: Connection) -> ToolResult:
        return ToolResult.success(
            create(
                ticketing,
                conn,
                ctx,
                subject=args.subject,
                description=args.description,
                queue=args.queue,
                priority=args.priority,
            )
        )

    return idempotent_write(store, ctx, "create_ticket", body)


tool = SupportTool(
    name="create_ticket",
    system="ticketing",
    description=(
        "Open a support ticket in a queue (billing, technical, accounts, general) with a priority (low, "
        "normal, high, urgent; the priority sets the SLA deadline, as the support policy says). Works before "
        "verification too."
    ),
    args_schema=CreateTicketArgs,
    fn=create_ticket,
    writes=True,
    requires_verified_customer=False,
)
