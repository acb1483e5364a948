"""list_charges: the charges (and what was refunded of each) for an order or the whole customer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import OrderId, iso, money
from tools.orders.backend import orders_backend
from tools.orders.queries import not_found
from tools.payments.backend import payments_backend
from tools.store import BusinessStore


class ListChargesArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId | None = Field(None, description="Only the charges of this order.")
    limit: int = Field(20, ge=1, le=50, description="How many charges, newest first.")


def list_charges(store: BusinessStore, args: ListChargesArgs, ctx: ToolContext) -> ToolResult:
    customer_id = str(ctx.customer_id)
    if args.order_id is not None and orders_backend(store).get_order(args.order_id, customer_id) is None:
        return ToolResult.refuse(not_found(args.order_id))
    found = payments_backend(store).charges(customer_id=customer_id, order_id=args.order_id)
    newest = sorted(found, key=lambda c: (c.created_at, c.charge_id), reverse=True)[: args.limit]
    data = [
        {
            "charge_id": c.charge_id,
            "order_id": c.order_id,
            "amount": money(c.amount_cents),
            "refunded": money(c.refunded_cents),
            "status": c.status,
            "created_at": iso(c.created_at),
            "payment_method": c.payment_method,
        }
        for c in newest
    ]
    return ToolResult.success({"charges": data, "count": len(data)})


tool = SupportTool(
    name="list_charges",
    system="payments",
    description="List the verified customer's charges (one order's or all, newest first) with refunds.",
    args_schema=ListChargesArgs,
    fn=list_charges,
)
