"""list_invoices: the verified customer's membership invoices (paid, open or disputed)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import iso, money
from tools.payments.backend import payments_backend
from tools.store import BusinessStore


class ListInvoicesArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["paid", "open", "disputed"] | None = Field(
        None, description="Only invoices with this status."
    )
    limit: int = Field(12, ge=1, le=50, description="How many invoices, newest first.")


def list_invoices(store: BusinessStore, args: ListInvoicesArgs, ctx: ToolContext) -> ToolResult:
    found = payments_backend(store).invoices(str(ctx.customer_id), status=args.status, limit=args.limit)
    data = [
        {
            "invoice_id": r.invoice_id,
            "subscription_id": r.subscription_id,
            "amount": money(r.amount_cents),
            "credit_applied": money(r.credit_applied_cents),
            "status": r.status,
            "issued_at": iso(r.issued_at),
            "due_at": iso(r.due_at),
            "paid_at": iso(r.paid_at),
        }
        for r in found
    ]
    return ToolResult.success({"invoices": data, "count": len(data)})


tool = SupportTool(
    name="list_invoices",
    system="payments",
    description="List the verified customer's membership invoices, newest first, optionally by status.",
    args_schema=ListInvoicesArgs,
    fn=list_invoices,
)
