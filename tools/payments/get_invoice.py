"""get_invoice: one of the verified customer's invoices with its lines, the charges that paid it and disputes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import iso, money
from tools.payments.backend import payments_backend
from tools.store import BusinessStore

INVOICE_ID = r"^INV-\d{1,9}$"


def invoice_not_found(invoice_id: str) -> str:
    return f"Error: invoice {invoice_id} was not found on your account."


class GetInvoiceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    invoice_id: str = Field(pattern=INVOICE_ID, description="Invoice id, e.g. INV-20001.")


def get_invoice(store: BusinessStore, args: GetInvoiceArgs, ctx: ToolContext) -> ToolResult:
    payments = payments_backend(store)
    inv = payments.get_invoice(args.invoice_id, str(ctx.customer_id))
    if inv is None:
        return ToolResult.refuse(invoice_not_found(args.invoice_id))
    paid_by = [c for c in payments.charges(invoice_id=inv.invoice_id) if c.status == "succeeded"]
    found = payments.disputes(invoice_id=inv.invoice_id)
    period_start = iso(inv.issued_at)
    description = f"{inv.plan_name} membership, monthly" if inv.plan_name else "Membership fee"
    # A membership invoice's lines: the plan's fee for the month that starts on issue, less any account credit.
    gross = inv.amount_cents + inv.credit_applied_cents
    lines = [{"description": description, "period_start": period_start, "amount": money(gross)}]
    if inv.credit_applied_cents:
        credit = -money(inv.credit_applied_cents)
        lines.append({"description": "Account credit", "period_start": period_start, "amount": credit})
    return ToolResult.success(
        {
            "invoice_id": inv.invoice_id,
            "status": inv.status,
            "amount": money(inv.amount_cents),
            "credit_applied": money(inv.credit_applied_cents),  # account credit used; "amount" was left to pay
            "issued_at": iso(inv.issued_at),
            "due_at": iso(inv.due_at),
            "paid_at": iso(inv.paid_at),
            "subscription_id": inv.subscription_id,
            "lines": lines,
            "charges": [
                {
                    "charge_id": c.charge_id,
                    "amount": money(c.amount_cents),
                    "refunded": money(c.refunded_cents),
                    "payment_method_id": c.payment_method_id,
                    "created_at": iso(c.created_at),
                }
                for c in paid_by
            ],
            "disputes": [
                {"dispute_id": d.dispute_id, "status": d.status, "amount": money(d.amount_cents), "reason": d.reason}
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
