"""get_invoice: one of the verified customer's invoices with its lines, the charges that paid it and disputes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import iso, money
from tools.payments.ledger import refundable_charges
from tools.store import BusinessStore
from tools.store.schema import charges, disputes, invoices, plans, subscriptions

INVOICE_ID = r"^INV-\d{1,9}$"


def invoice_not_found(invoice_id: str) -> str:
    return f"Error: invoice {invoice_id} was not found on your account."


class GetInvoiceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    invoice_id: str = Field(pattern=INVOICE_ID, description="Invoice id, e.g. INV-20001.")


def get_invoice(store: BusinessStore, args: GetInvoiceArgs, ctx: ToolContext) -> ToolResult:
    with store.db.begin() as conn:
        inv = conn.execute(
            select(invoices, subscriptions.c.plan_id, plans.c.name.label("plan_name"))
            .outerjoin(subscriptions, subscriptions.c.id == invoices.c.subscription_id)
            .outerjoin(plans, plans.c.id == subscriptions.c.plan_id)
            .where(invoices.c.id == args.invoice_id, invoices.c.customer_id == ctx.customer_id)
        ).first()
        if inv is None:
            return ToolResult.refuse(invoice_not_found(args.invoice_id))
        paid_by = refundable_charges(conn, charges.c.invoice_id == inv.id)
        found = conn.execute(select(disputes).where(disputes.c.invoice_id == inv.id).order_by(disputes.c.id)).all()
    period_end = iso(inv.issued_at)
    description = f"{inv.plan_name} membership, monthly" if inv.plan_name else "Membership fee"
    return ToolResult.success(
        {
            "invoice_id": inv.id,
            "status": inv.status,
            "amount": money(inv.amount_cents),
            "issued_at": iso(inv.issued_at),
            "due_at": iso(inv.due_at),
            "paid_at": iso(inv.paid_at),
            "subscription_id": inv.subscription_id,
            # Membership invoices carry one line: the plan's fee for the month that starts on issue.
            "lines": [{"description": description, "period_start": period_end, "amount": money(inv.amount_cents)}],
            "charges": [
                {
                    "charge_id": c.id,
                    "amount": money(c.amount_cents),
                    "refunded": money(c.amount_cents - left),
                    "payment_method_id": c.payment_method_id,
                    "created_at": iso(c.created_at),
                }
                for c, left in paid_by
            ],
            "disputes": [
                {"dispute_id": d.id, "status": d.status, "amount": money(d.amount_cents), "reason": d.reason}
                for d in found
            ],
        }
    )


tool = SupportTool(
    name="get_invoice",
    system="payments",
    description=(
        "One of the verified customer's invoices in full: amount, status, dates, its lines, the charges that "
        "paid it (with refunds) and any billing disputes."
    ),
    args_schema=GetInvoiceArgs,
    fn=get_invoice,
)
