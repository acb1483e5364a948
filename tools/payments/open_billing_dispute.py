"""open_billing_dispute: dispute one of the customer's invoices or charges; a billing ticket follows it up."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, insert, select, update

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import for_update, idempotent_write, money, next_id
from tools.payments.get_invoice import INVOICE_ID, invoice_not_found
from tools.payments.ledger import refundable_charges
from tools.store import BusinessStore
from tools.store.schema import charges, disputes, invoices
from tools.ticketing import queries as tickets

CHARGE_ID = r"^ch_\d{1,9}$"


class OpenBillingDisputeArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    invoice_id: str | None = Field(None, pattern=INVOICE_ID, description="The disputed invoice, e.g. INV-20001.")
    charge_id: str | None = Field(None, pattern=CHARGE_ID, description="Or the disputed charge, e.g. ch_000004.")
    reason: str = Field(
        min_length=5, max_length=500, pattern=tickets.PLAIN_TEXT, description="What the customer disputes and why."
    )

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.invoice_id is None) == (self.charge_id is None):
            raise ValueError("give exactly one of invoice_id or charge_id")
        return self


def open_billing_dispute(store: BusinessStore, args: OpenBillingDisputeArgs, ctx: ToolContext) -> ToolResult:
    def body(conn: Connection) -> ToolResult:
        invoice_id, charge_id = args.invoice_id, args.charge_id
        if charge_id is not None:
            found = refundable_charges(conn, charges.c.id == charge_id, charges.c.customer_id == ctx.customer_id)
            if not found:
                return ToolResult.refuse(f"Error: charge {charge_id} was not found on your account.")
            charge, amount = found[0]
            if amount <= 0:
                return ToolResult.refuse(f"Error: charge {charge_id} has already been refunded in full.")
            invoice_id = charge.invoice_id
        inv = None
        if invoice_id is not None:
            query = select(invoices).where(invoices.c.id == invoice_id, invoices.c.customer_id == ctx.customer_id)
            inv = conn.execute(for_update(query, store)).first()
            if inv is None:
                return ToolResult.refuse(invoice_not_found(invoice_id))
            if inv.status == "disputed":
                return ToolResult.refuse(
                    f"Error: invoice {inv.id} is already disputed; a billing specialist is reviewing it."
                )
            if charge_id is None:
                amount = int(inv.amount_cents)
        elif conn.execute(
            select(disputes.c.id).where(disputes.c.charge_id == charge_id, disputes.c.status == "open")
        ).first():
            return ToolResult.refuse(f"Error: charge {charge_id} is already disputed; a billing specialist is on it.")
        target = f"invoice {invoice_id}" if charge_id is None else f"charge {charge_id}"
        ticket = tickets.create(
            conn, ctx, subject=f"Billing dispute: {target}", description=args.reason, queue="billing", priority="normal"
        )
        dispute_id = next_id(conn, "dispute", "DSP-{:05d}")
        conn.execute(
            insert(disputes).values(
                id=dispute_id,
                customer_id=ctx.customer_id,
                invoice_id=invoice_id,
                charge_id=charge_id,
                ticket_id=ticket["ticket_id"],
                amount_cents=amount,
                reason=args.reason,
                status="open",
                previous_invoice_status=inv.status if inv is not None else None,
                created_at=ctx.now,
            )
        )
        if inv is not None:
            conn.execute(update(invoices).where(invoices.c.id == inv.id).values(status="disputed"))
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
)
