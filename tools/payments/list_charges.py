"""list_charges: the charges (and what was refunded of each) for an order or the whole customer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import OrderId, iso, money
from tools.orders.queries import load_order, not_found
from tools.store import BusinessStore
from tools.store.schema import charges, payment_methods, refunds


class ListChargesArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId | None = Field(None, description="Only the charges of this order.")
    limit: int = Field(20, ge=1, le=50, description="How many charges, newest first.")


def list_charges(store: BusinessStore, args: ListChargesArgs, ctx: ToolContext) -> ToolResult:
    refunded = (
        select(refunds.c.charge_id, func.sum(refunds.c.amount_cents).label("refunded"))
        .group_by(refunds.c.charge_id)
        .subquery()
    )
    query = (
        select(
            charges,
            func.coalesce(refunded.c.refunded, 0).label("refunded"),
            payment_methods.c.kind,
            payment_methods.c.card_last4,
        )
        .outerjoin(refunded, refunded.c.charge_id == charges.c.id)
        .join(payment_methods, payment_methods.c.id == charges.c.payment_method_id)
        .where(charges.c.customer_id == ctx.customer_id)
    )
    with store.db.begin() as conn:
        if args.order_id is not None:
            if load_order(conn, store, args.order_id, ctx.customer_id) is None:
                return ToolResult.refuse(not_found(args.order_id))
            query = query.where(charges.c.order_id == args.order_id)
        rows = conn.execute(
            query.order_by(charges.c.created_at.desc(), charges.c.id.desc()).limit(args.limit)
        )
        data = [
            {
                "charge_id": r.id,
                "order_id": r.order_id,
                "amount": money(r.amount_cents),
                "refunded": money(int(r.refunded)),
                "status": r.status,
                "created_at": iso(r.created_at),
                "payment_method": r.kind if r.card_last4 is None else f"{r.kind} ending {r.card_last4}",
            }
            for r in rows
        ]
    return ToolResult.success({"charges": data, "count": len(data)})


tool = SupportTool(
    name="list_charges",
    system="payments",
    description="List the verified customer's charges (one order's or all, newest first) with refunds.",
    args_schema=ListChargesArgs,
    fn=list_charges,
)
