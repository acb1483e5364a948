"""resolve_billing_dispute: a human's decision on a dispute: upheld (refund or credit) or rejected."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, select, update

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import for_update, idempotent_write, iso, money
from tools.payments.ledger import issue_refund, refundable_charges
from tools.store import BusinessStore
from tools.store.schema import charges, disputes, invoices, tickets
from tools.ticketing.queries import PLAIN_TEXT, add_event


class ResolveBillingDisputeArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    dispute_id: str = Field(pattern=r"^DSP-\d{1,9}$", description="The dispute, e.g. DSP-00001.")
    outcome: Literal["upheld", "rejected"] = Field(
        description="upheld: the customer is right, refund or credit the amount; rejected: the bill stands."
    )
    note: str = Field(min_length=3, max_length=500, pattern=PLAIN_TEXT, description="The reviewer's reasoning.")


def resolve_billing_dispute(store: BusinessStore, args: ResolveBillingDisputeArgs, ctx: ToolContext) -> ToolResult:
    def body(conn: Connection) -> ToolResult:
        query = select(disputes).where(disputes.c.id == args.dispute_id, disputes.c.customer_id == ctx.customer_id)
        dispute = conn.execute(for_update(query, store)).first()
        if dispute is None:
            return ToolResult.refuse(f"Error: dispute {args.dispute_id} was not found on your account.")
        if dispute.status != "open":
            return ToolResult.refuse(f"Error: dispute {dispute.id} was already resolved ({dispute.status}).")
        outcome: dict[str, Any] = {"dispute_id": dispute.id, "outcome": args.outcome, "approved_by": ctx.approved_by}
        invoice_status = dispute.previous_invoice_status
        if args.outcome == "upheld":
            paid_by = (
                charges.c.id == dispute.charge_id if dispute.charge_id else charges.c.invoice_id == dispute.invoice_id
            )
            available = refundable_charges(conn, paid_by)
            amount = min(sum(r for _, r in available), int(dispute.amount_cents))
            made: list[dict[str, Any]] = []
            still = amount
            for charge, remaining in available:
                part = min(remaining, still)
                if part > 0:
                    made += issue_refund(
                        conn,
                        None,
                        part,
                        reason=f"billing dispute {dispute.id} upheld",
                        now=ctx.now,
                        approved_by=ctx.approved_by,
                        operation_key=ctx.idempotency_key,
                        charge_id=charge.id,
                    )
                    still -= part
            outcome |= {"refunded": money(amount), "refunds": made}
            if dispute.invoice_id and not made:
                # Nothing was paid yet: the invoice is settled by a credit note instead of a refund.
                invoice_status = "paid"
                outcome["credited"] = money(int(dispute.amount_cents))
        if dispute.invoice_id:
            conn.execute(
                update(invoices)
                .where(invoices.c.id == dispute.invoice_id)
                .values(status=invoice_status or "open", **({"paid_at": ctx.now} if "credited" in outcome else {}))
            )
            outcome["invoice"] = {"invoice_id": dispute.invoice_id, "status": invoice_status or "open"}
        conn.execute(
            update(disputes)
            .where(disputes.c.id == dispute.id)
            .values(status=args.outcome, resolved_by=ctx.approved_by, resolution_note=args.note, resolved_at=ctx.now)
        )
        conn.execute(
            update(tickets).where(tickets.c.id == dispute.ticket_id).values(status="closed", updated_at=ctx.now)
        )
        add_event(
            conn, dispute.ticket_id, "status", f"dispute {args.outcome}: {args.note}", ctx.approved_by or "", ctx.now
        )
        return ToolResult.success(
            outcome | {"ticket_id": dispute.ticket_id, "ticket_status": "closed", "resolved_at": iso(ctx.now)}
        )

    return idempotent_write(store, ctx, "resolve_billing_dispute", body)


tool = SupportTool(
    name="resolve_billing_dispute",
    system="payments",
    description=(
        "Record a human reviewer's decision on a billing dispute: upheld refunds the disputed amount (or "
        "credits an unpaid invoice), rejected puts the invoice back to its previous status. Closes the ticket. "
        "Always needs a reviewer's approval."
    ),
    args_schema=ResolveBillingDisputeArgs,
    fn=resolve_billing_dispute,
    writes=True,
    needs_approval=True,
)
