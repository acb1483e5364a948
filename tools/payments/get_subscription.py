"""get_subscription: the verified customer's membership: plan, price, status, renewal, and the other plans."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import iso, money
from tools.crm.backend import crm_backend
from tools.payments.backend import payments_backend
from tools.store import BusinessStore


class GetSubscriptionArgs(BaseModel):
    """No arguments: always the verified customer's own membership."""

    model_config = ConfigDict(extra="forbid")


def get_subscription(store: BusinessStore, args: GetSubscriptionArgs, ctx: ToolContext) -> ToolResult:
    crm = crm_backend(store)
    customer = crm.get_ref(str(ctx.customer_id))
    if customer is None or customer.plan_id is None:
        return ToolResult.refuse(f"Error: customer {ctx.customer_id} was not found.")
    all_plans = {p.id: p for p in crm.plans()}
    payments = payments_backend(store)
    subs = payments.subscriptions(customer.customer_id)
    credit = sum(c.remaining_cents for c in payments.credits(customer.customer_id))
    plan = all_plans[customer.plan_id]
    current = subs[0] if subs and subs[0].status != "cancelled" else None
    return ToolResult.success(
        {
            "plan": {
                "id": plan.id,
                "name": plan.name,
                "monthly_price": money(plan.monthly_price_cents),
                "description": plan.description,
            },
            "subscription": None
            if current is None
            else {
                "subscription_id": current.subscription_id,
                "status": current.status,
                "started_at": iso(current.started_at),
                "renews_at": iso(current.renews_at),
            },
            "past_subscriptions": [
                {"subscription_id": s.subscription_id, "plan": s.plan_id, "cancelled_at": iso(s.cancelled_at)}
                for s in subs
                if s.status == "cancelled"
            ],
            # Owed to the customer (e.g. a downgrade nothing refundable paid for); the next invoice uses it.
            "account_credit": money(credit),
            "other_plans": [
                {"id": p.id, "name": p.name, "monthly_price": money(p.monthly_price_cents)}
                for p in all_plans.values()
                if p.id != plan.id
            ],
        }
    )


tool = SupportTool(
    name="get_subscription",
    system="payments",
    description=(
        "The verified customer's membership: current plan (basic, plus or pro) and price, the subscription's "
        "status and renewal date, past subscriptions, account credit the next invoice will use, and the other "
        "plans they could switch to."
    ),
    args_schema=GetSubscriptionArgs,
    fn=get_subscription,
)
