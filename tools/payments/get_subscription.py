"""get_subscription: the verified customer's membership: plan, price, status, renewal, and the other plans."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import case, select

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import iso, money
from tools.store import BusinessStore
from tools.store.schema import customers, plans, subscriptions


class GetSubscriptionArgs(BaseModel):
    """No arguments: always the verified customer's own membership."""

    model_config = ConfigDict(extra="forbid")


def get_subscription(store: BusinessStore, args: GetSubscriptionArgs, ctx: ToolContext) -> ToolResult:
    with store.db.begin() as conn:
        plan_id = conn.execute(
            select(customers.c.plan_id).where(customers.c.id == ctx.customer_id)
        ).scalar_one_or_none()
        if plan_id is None:
            return ToolResult.refuse(f"Error: customer {ctx.customer_id} was not found.")
        all_plans = {p.id: p for p in conn.execute(select(plans).order_by(plans.c.monthly_price_cents))}
        subs = conn.execute(
            select(subscriptions)
            .where(subscriptions.c.customer_id == ctx.customer_id)
            .order_by(case((subscriptions.c.status == "cancelled", 1), else_=0), subscriptions.c.started_at.desc())
        ).all()
    plan = all_plans[plan_id]
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
                "subscription_id": current.id,
                "status": current.status,
                "started_at": iso(current.started_at),
                "renews_at": iso(current.renews_at),
            },
            "past_subscriptions": [
                {"subscription_id": s.id, "plan": s.plan_id, "cancelled_at": iso(s.cancelled_at)}
                for s in subs
                if s.status == "cancelled"
            ],
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
        "status and renewal date, past subscriptions, and the other plans they could switch to."
    ),
    args_schema=GetSubscriptionArgs,
    fn=get_subscription,
)
