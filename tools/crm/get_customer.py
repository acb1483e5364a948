"""get_customer: the verified customer's own profile (never anybody else's)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import CUSTOMER_ID, iso, money
from tools.store import BusinessStore
from tools.store.schema import addresses, customers, plans, subscriptions


class GetCustomerArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = Field(
        None, pattern=CUSTOMER_ID, description="Customer id; defaults to the verified customer."
    )


def get_customer(store: BusinessStore, args: GetCustomerArgs, ctx: ToolContext) -> ToolResult:
    wanted = args.customer_id or ctx.customer_id
    if wanted != ctx.customer_id:
        return ToolResult.refuse(f"Error: customer {wanted} was not found.")
    with store.db.begin() as conn:
        row = conn.execute(
            select(customers, plans.c.name.label("plan_name"), plans.c.monthly_price_cents)
            .join(plans, plans.c.id == customers.c.plan_id)
            .where(customers.c.id == wanted)
        ).first()
        if row is None:
            return ToolResult.refuse(f"Error: customer {wanted} was not found.")
        addr = conn.execute(
            select(addresses).where(addresses.c.customer_id == wanted).order_by(addresses.c.id)
        ).all()
        subs = conn.execute(
            select(subscriptions).where(subscriptions.c.customer_id == wanted).order_by(subscriptions.c.id)
        ).all()
    return ToolResult.success(
        {
            "customer_id": row.id,
            "name": row.name,
            "email": row.email,
            "zip_code": row.zip_code,
            "plan": {
                "id": row.plan_id,
                "name": row.plan_name,
                "monthly_price": money(row.monthly_price_cents),
            },
            "newsletter": bool(row.newsletter),
            "customer_since": iso(row.created_at),
            "addresses": [
                {
                    "line1": a.line1,
                    "line2": a.line2,
                    "city": a.city,
                    "zip_code": a.zip_code,
                    "country": a.country,
                    "default": bool(a.is_default),
                }
                for a in addr
            ],
            "subscriptions": [
                {
                    "subscription_id": s.id,
                    "plan": s.plan_id,
                    "status": s.status,
                    "renews_at": iso(s.renews_at),
                }
                for s in subs
            ],
        }
    )


tool = SupportTool(
    name="get_customer",
    system="crm",
    description="The verified customer's profile: name, email, plan, newsletter, addresses, subscriptions.",
    args_schema=GetCustomerArgs,
    fn=get_customer,
)
