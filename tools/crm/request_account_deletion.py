"""request_account_deletion: record the customer's wish to delete the account; a human approves deletion."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import brief, idempotent_write, lock_customer
from tools.crm.backend import crm_backend
from tools.store import BusinessStore
from tools.ticketing import queries as ticketing
from tools.ticketing.backend import ticketing_backend

SUBJECT = "Account deletion request"


class RequestAccountDeletionArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Annotated[str, brief(500)] = Field(
        "customer request",
        min_length=3,
        max_length=500,
        pattern=ticketing.PLAIN_TEXT,
        description="Why the customer wants the account deleted, in brief.",
    )


def request_account_deletion(store: BusinessStore, args: RequestAccountDeletionArgs, ctx: ToolContext) -> ToolResult:
    crm, tickets = crm_backend(store), ticketing_backend(store)
    customer_id = str(ctx.customer_id)

    def body(conn: Connection) -> ToolResult:
        # Locked: a concurrent request (or deletion, merge) for this customer waits for this one to commit, then
        # finds its ticket, so one customer never has two open deletion requests. The store's lock holds with any
        # CRM (the ticket is looked for here, in the store); SqlCrm's row lock keeps out deletions and merges too.
        lock_customer(store, conn, customer_id)
        if crm.get_ref(customer_id, lock=True, tx=conn) is None:
            return ToolResult.refuse(f"Error: customer {customer_id} was not found or is already deleted.")
        pending = tickets.open_tickets(customer_id, subject=SUBJECT, tx=conn)
        if pending:
            return ToolResult.refuse(
                f"Error: account deletion was already requested (ticket {pending[0].ticket_id}); a human agent "
                "will confirm it."
            )
        crm.request_deletion(customer_id, tx=conn, key=ctx.idempotency_key, now=ctx.now)
        ticket = ticketing.create(
            tickets, conn, ctx, subject=SUBJECT, description=args.reason, queue="accounts", priority="normal"
        )
        return ToolResult.success(
            {
                "customer_id": customer_id,
                "ticket": ticket,
                "note": "Deletion needs a human's approval; the account stays active until then.",
            }
        )

    return idempotent_write(store, ctx, "request_account_deletion", body)


tool = SupportTool(
    name="request_account_deletion",
    system="crm",
    description=(
        "Record that the verified customer wants their account deleted and open an accounts-queue ticket. "
        "The deletion itself (delete_account) needs a human reviewer's approval."
    ),
    args_schema=RequestAccountDeletionArgs,
    fn=request_account_deletion,
    writes=True,
)
