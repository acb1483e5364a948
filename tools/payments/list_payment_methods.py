"""list_payment_methods: the verified customer's saved payment methods (masked)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import mask_email, money
from tools.store import BusinessStore
from tools.store.schema import payment_methods


class ListPaymentMethodsArgs(BaseModel):
    """No arguments: always the verified customer's own methods."""

    model_config = ConfigDict(extra="forbid")


def list_payment_methods(store: BusinessStore, args: ListPaymentMethodsArgs, ctx: ToolContext) -> ToolResult:
    with store.db.begin() as conn:
        rows = conn.execute(
            select(payment_methods)
            .where(payment_methods.c.customer_id == ctx.customer_id)
            .order_by(payment_methods.c.is_default.desc(), payment_methods.c.id)
        ).all()
    data = []
    for r in rows:
        item: dict[str, object] = {"payment_method_id": r.id, "kind": r.kind, "default": bool(r.is_default)}
        if r.kind == "card":
            item.update(brand=r.brand, last4=r.card_last4)
        elif r.kind == "paypal":
            item.update(paypal_email=mask_email(r.paypal_email or ""))
        else:
            item.update(balance=money(r.balance_cents or 0))
        data.append(item)
    return ToolResult.success({"payment_methods": data, "count": len(data)})


tool = SupportTool(
    name="list_payment_methods",
    system="payments",
    description="The verified customer's saved payment methods: cards (last 4), PayPal, gift card balances.",
    args_schema=ListPaymentMethodsArgs,
    fn=list_payment_methods,
)
