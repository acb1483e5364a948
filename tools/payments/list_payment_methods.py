"""list_payment_methods: the verified customer's saved payment methods (masked)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import mask_email, money
from tools.payments.backend import payments_backend
from tools.store import BusinessStore


class ListPaymentMethodsArgs(BaseModel):
    """No arguments: always the verified customer's own methods."""

    model_config = ConfigDict(extra="forbid")


def list_payment_methods(store: BusinessStore, args: ListPaymentMethodsArgs, ctx: ToolContext) -> ToolResult:
    data = []
    for r in payments_backend(store).payment_methods(str(ctx.customer_id)):
        item: dict[str, object] = {"payment_method_id": r.payment_method_id, "kind": r.kind, "default": r.default}
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
