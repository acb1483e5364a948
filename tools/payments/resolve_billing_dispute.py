"""resolve_billing_dispute: a human's decision on a dispute: upheld (refund or credit) or rejected.

The ``effect`` of a call (what the review shows: which charges give back how much) and the refund itself come
from the same ``_upheld_refund``, so what a reviewer approves is what moves (ledger.authorize).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import idempotent_write, iso, money
from tools.payments.backend import Charge, Dispute, PaymentsBackend, payments_backend
from tools.payments.ledger import authorize, issue_refund, money_effect, refund_parts, refundable_cents
from tools.store import BusinessStore
from tools.ticketing.backend import TicketChanges, ticketing_backend
from tools.ticketing.queries import PLAIN_TEXT


class ResolveBillingDisputeArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    dispute_id: str = Field(pattern=r"^DSP-\d{1,9}$", description="The dispute, e.g. DSP-00001.")
    outcome: Literal["upheld", "rejected"] = Field(
        description="upheld: the customer is right, refund or credit the amount; rejected: the bill stands."
    )
    note: str = Field(min_length=3, max_length=500, pattern=PLAIN_TEXT, description="The reviewer's reasoning.")


def _upheld_refund(payments: PaymentsBackend, dispute: Dispute, conn: Connection) -> tuple[list[Charge], int]:
    """The charges an upheld dispute refunds, and how much (the disputed amount, at most what is left)."""
    if dispute.charge_id:
        available = payments.charges(charge_id=dispute.charge_id, tx=conn)
    else:
        available = payments.charges(invoice_id=dispute.invoice_id, tx=conn)
    return available, min(refundable_cents(available), dispute.amount_cents)


def _effect_of(payments: PaymentsBackend, args: ResolveBillingDisputeArgs, ctx: ToolContext, conn: Connection,
               dispute: Dispute) -> dict[str, Any]:
    available, amount = _upheld_refund(payments, dispute, conn) if args.outcome == "upheld" else ([], 0)
    return money_effect(payments, conn, ctx, customer_id=str(ctx.customer_id), order_id=None,
                        parts=refund_parts(available, amount), to_gift_card=False, reason_code="dispute_upheld",
                        binds={"outcome": args.outcome})


def resolve_effect(store: BusinessStore, args: ResolveBillingDisputeArgs, ctx: ToolContext) -> ToolResult:
    """What this decision would refund (charges, amount, destination), moving nothing."""
    payments = payments_backend(store)
    with store.db.begin() as conn:
        dispute = payments.lock_dispute(args.dispute_id, str(ctx.customer_id), tx=conn)
        if dispute is None:
            return ToolResult.refuse(f"Error: dispute {args.dispute_id} was not found on your account.")
        return ToolResult.success(_effect_of(payments, args, ctx, conn, dispute))


def resolve_billing_dispute(store: BusinessStore, args: ResolveBillingDisputeArgs, ctx: ToolContext) -> ToolResult:
    payments, ticketing = payments_backend(store), ticketing_backend(store)
    key = ctx.idempotency_key

    def body(conn: Connection) -> ToolResult:
        dispute = payments.lock_dispute(args.dispute_id, str(ctx.customer_id), tx=conn)
        if dispute is None:
            return ToolResult.refuse(f"Error: dispute {args.dispute_id} was not found on your account.")
        if dispute.status != "open":
            return ToolResult.refuse(f"Error: dispute {dispute.dispute_id} was already resolved ({dispute.status}).")
        outcome: dict[str, Any] = {
            "dispute_id": dispute.dispute_id,
            "outcome": args.outcome,
            "approved_by": ctx.approved_by,
        }
        invoice_status = dispute.previous_invoice_status
        refusal = authorize(ctx, _effect_of(payments, args, ctx, conn, dispute))
        if refusal is not None:
            return refusal
        if args.outcome == "upheld":
            available, amount = _upheld_refund(payments, dispute, conn)
            made = issue_refund(
                payments, conn, ctx, available, amount, reason=f"billing dispute {dispute.dispute_id} upheld",
                reason_code="dispute_upheld",
            )
            outcome |= {"refunded": money(amount), "refunds": made}
            if dispute.invoice_id and not made:
                # Nothing was paid yet: the invoice is settled by a credit note instead of a refund.
                invoice_status = "paid"
                outcome["credited"] = money(dispute.amount_cents)
        if dispute.invoice_id:
            paid_at = ctx.now if "credited" in outcome else None
            payments.set_invoice_status(dispute.invoice_id, invoice_status or "open", paid_at=paid_at, tx=conn, key=key)
            outcome["invoice"] = {"invoice_id": dispute.invoice_id, "status": invoice_status or "open"}
        payments.resolve_dispute(
            dispute.dispute_id,
            outcome=args.outcome,
            resolved_by=ctx.approved_by,
            note=args.note,
            tx=conn,
            key=key,
            now=ctx.now,
        )
        ticketing.update(dispute.ticket_id, TicketChanges(status="closed"), tx=conn, key=key, now=ctx.now)
        ticketing.add_event(
            dispute.ticket_id,
            "status",
            f"dispute {args.outcome}: {args.note}",
            actor=ctx.approved_by or "",
            tx=conn,
            key=key,
            now=ctx.now,
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
    moves_money="adjustment",
    effect=resolve_effect,
)
