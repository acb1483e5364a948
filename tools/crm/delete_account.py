"""delete_account: soft-delete the verified customer's account (human approval required)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, func, select, update

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import idempotent_write, iso
from tools.crm.backend import crm_backend
from tools.store import BusinessStore
from tools.store.schema import orders, tickets
from tools.ticketing.queries import add_event

IN_PROGRESS = ("pending", "processing", "shipped")


class DeleteAccountArgs(BaseModel):
    """No arguments: always the verified customer's own account."""

    model_config = ConfigDict(extra="forbid")


def delete_account(store: BusinessStore, args: DeleteAccountArgs, ctx: ToolContext) -> ToolResult:
    crm = crm_backend(store)
    customer_id = str(ctx.customer_id)

    def body(conn: Connection) -> ToolResult:
        if crm.get_ref(customer_id) is None:
            return ToolResult.refuse(f"Error: customer {customer_id} was not found or is already deleted.")
        open_orders = (
            conn.execute(
                select(orders.c.id)
                .where(orders.c.customer_id == customer_id, orders.c.status.in_(IN_PROGRESS))
                .order_by(orders.c.id)
            )
            .scalars()
            .all()
        )
        if open_orders:
            listed = ", ".join(str(o) for o in open_orders)
            return ToolResult.refuse(
                f"Error: orders {listed} are still in progress; cancel them or wait until they are delivered "
                "before deleting the account."
            )
        crm.delete_customer(customer_id, tx=conn, key=ctx.idempotency_key, now=ctx.now)
        requests = (
            conn.execute(
                select(tickets.c.id).where(
                    tickets.c.customer_id == customer_id,
                    tickets.c.queue == "accounts",
                    tickets.c.status.in_(("open", "pending")),
                )
            )
            .scalars()
            .all()
        )
        for ticket_id in requests:
            conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(status="resolved", updated_at=ctx.now))
            add_event(conn, ticket_id, "status", "account deleted", ctx.approved_by or "agent", ctx.now)
        kept = conn.execute(select(func.count()).where(orders.c.customer_id == customer_id)).scalar_one()
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
