"""open_billing_dispute: dispute one of the customer's invoices or charges; a billing ticket follows it up."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import brief, idempotent_write, money
from tools.payments.backend import payments_backend
from tools.payments.get_invoice import INVOICE_ID, invoice_not_found
from tools.payments.ledger import note
from tools.store import BusinessStore
from tools.ticketing import queries as tickets
from tools.ticketing.backend import ticketing_backend

CHARGE_ID = r"^ch_\d{1,9}$"


class OpenBillingDisputeArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    invoice_id: str | None = Field(None, pattern=INVOICE_ID, description="The disputed invoice, e.g. INV-20001.")
    charge_id: str | None = Field(None, pattern=CHARGE_ID, description="Or the disputed charge, e.g. ch_000004.")
    reason: Annotated[str, brief(500)] = Field(
        min_length=5, max_length=500, pattern=tickets.PLAIN_TEXT, description="What the customer disputes and why."
    )

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.invoice_id is None) == (self.charge_id is None):
            raise ValueError("give exactly one of invoice_id or charge_id")
        return self


def open_billing_dispute(store: BusinessStore, args: OpenBillingDisputeArgs, ctx: ToolContext) -> ToolResult:
    payments, ticketing = payments_backend(store), ticketing_backend(store)
    customer_id = str(ctx.customer_id)

    def body(conn: Connection) -> ToolResult:
        invoice_id, charge_id = args.invoice_id, args.charge_id
        if charge_id is not None:
            found = payments.charges(charge_id=charge_id, customer_id=customer_id, tx=conn)
            if not found or found[0].status != "succeeded":
                return ToolResult.refuse(f"Error: charge {charge_id} was not found on your account.")
            amount = found[0].refundable_cents
            if amount <= 0:
                return ToolResult.refuse(f"Error: charge {charge_id} has already been refunded in full.")
            invoice_id = found[0].invoice_id
        if invoice_id is not None:
            inv = payments.get_invoice(invoice_id, customer_id, lock=True, tx=conn)
            if inv is None:
                return ToolResult.refuse(invoice_not_found(invoice_id))
            if inv.status == "disputed":
                return ToolResult.refuse(
                    f"Error: invoice {inv.invoice_id} is already disputed; a billing specialist is reviewing it."
                )
            if charge_id is None:
                amount = inv.amount_cents
                if amount <= 0:
                    return ToolResult.refuse(
                        f"Error: invoice {inv.invoice_id} was paid in full with account credit; nothing was charged "
                        "to dispute."
                    )
        elif any(d.status == "open" for d in payments.disputes(charge_id=charge_id, tx=conn)):
            return ToolResult.refuse(f"Error: charge {charge_id} is already disputed; a billing specialist is on it.")
        target = f"invoice {invoice_id}" if charge_id is None else f"charge {charge_id}"
        ticket = tickets.create(
            ticketing,
            conn,
            ctx,
            subject=f"Billing dispute: {target}",
            description=args.reason,
            queue="billing",
            priority="normal",
        )
        dispute_id = payments.open_dispute(
            customer_id=customer_id,
            invoice_id=invoice_id,
            charge_id=charge_id,
            ticket_id=ticket["ticket_id"],
            amount_cents=amount,
            reason=note(args.reason),  # redacted: no emails, ZIP codes or card digits
            tx=conn,
            key=ctx.idempotency_key,
            now=ctx.now,
        )
        return ToolResult.success(
            {
                "dispute_id": dispute_id,
                "status": "open",
                "invoice_id": invoice_id,
                "charge_id": charge_id,
                "amount": money(amount),
                "ticket": ticket,
                "note": "A billing specialist reviews the dispute; a human decides the outcome.",
            }
        )

    return idempotent_write(store, ctx, "open_billing_dispute", body)


tool = SupportTool(
    name="open_billing_dispute",
    system="payments",
    description=(
        "Open a billing dispute on one of the verified customer's invoices or charges: the invoice is marked "
        "disputed, the dispute is recorded with its reason and a billing ticket is opened for a specialist."
    ),
    args_schema=OpenBillingDisputeArgs,
    fn=open_billing_dispute,
    writes=True,
    verb="dispute",
)
