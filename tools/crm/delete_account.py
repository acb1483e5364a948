"""delete_account: soft-delete the verified customer's account (human approval required)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import idempotent_write, iso
from tools.crm.backend import crm_backend
from tools.crm.request_account_deletion import SUBJECT as DELETION_SUBJECT
from tools.orders.backend import orders_backend
from tools.store import BusinessStore
from tools.ticketing.backend import TicketChanges, ticketing_backend

IN_PROGRESS = ("pending", "processing", "shipped")


class DeleteAccountArgs(BaseModel):
    """No arguments: always the verified customer's own account."""

    model_config = ConfigDict(extra="forbid")


def delete_account(store: BusinessStore, args: DeleteAccountArgs, ctx: ToolContext) -> ToolResult:
    crm, orders, ticketing = crm_backend(store), orders_backend(store), ticketing_backend(store)
    customer_id, key = str(ctx.customer_id), ctx.idempotency_key

    def body(conn: Connection) -> ToolResult:
        # Locked: a concurrent plan change, merge or second deletion of this customer waits for this one.
        if crm.get_ref(customer_id, lock=True, tx=conn) is None:
            return ToolResult.refuse(f"Error: customer {customer_id} was not found or is already deleted.")
        open_orders = sorted(o.order_id for o in orders.list_orders(customer_id, statuses=IN_PROGRESS, tx=conn))
        if open_orders:
            listed = ", ".join(str(o) for o in open_orders)
            return ToolResult.refuse(
                f"Error: orders {listed} are still in progress; cancel them or wait until they are delivered "
                "before deleting the account."
            )
        crm.delete_customer(customer_id, tx=conn, key=key, now=ctx.now)
        requests = [t.ticket_id for t in ticketing.open_tickets(customer_id, subject=DELETION_SUBJECT, tx=conn)]
        for ticket_id in requests:
            ticketing.update(ticket_id, TicketChanges(status="resolved"), tx=conn, key=key, now=ctx.now)
            actor = ctx.approved_by or "agent"
            ticketing.add_event(ticket_id, "status", "account deleted", actor=actor, tx=conn, key=key, now=ctx.now)
        kept = len(orders.list_orders(customer_id, tx=conn))
        return ToolResult.success(
            {
                "customer_id": customer_id,
                "status": "deleted",
                "deleted_at": iso(ctx.now),
                "approved_by": ctx.approved_by,
                "orders_kept_for_accounting": kept,
                "resolved_tickets": list(requests),
            }
        )

    return idempotent_write(store, ctx, "delete_account", body)


tool = SupportTool(
    name="delete_account",
    system="crm",
    description=(
        "Delete the verified customer's account: it is marked deleted and its personal data scrubbed; orders "
        "are kept for accounting. Refused while orders are in progress. Always needs a reviewer's approval."
    ),
    args_schema=DeleteAccountArgs,
    fn=delete_account,
    writes=True,
    needs_approval=True,
)
