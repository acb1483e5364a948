"""get_customer: the verified customer's own profile (never anybody else's)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import CUSTOMER_ID, iso, money
from tools.crm.backend import crm_backend
from tools.store import BusinessStore


class GetCustomerArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = Field(
        None, pattern=CUSTOMER_ID, description="Customer id; defaults to the verified customer."
    )


def get_customer(store: BusinessStore, args: GetCustomerArgs, ctx: ToolContext) -> ToolResult:
    wanted = args.customer_id or ctx.customer_id
    profile = crm_backend(store).get_profile(str(wanted)) if wanted == ctx.customer_id else None
    if profile is None:
        return ToolResult.refuse(f"Error: customer {wanted} was not found.")
    return ToolResult.success(
        {
            "customer_id": profile.customer_id,
            "name": profile.name,
            "email": profile.email,
            "zip_code": profile.zip_code,
            "plan": {
                "id": profile.plan.id,
                "name": profile.plan.name,
                "monthly_price": money(profile.plan.monthly_price_cents),
            },
            "newsletter": profile.newsletter,
            "customer_since": iso(profile.customer_since),
            "addresses": profile.addresses,
            "subscriptions": [s | {"renews_at": iso(s.get("renews_at"))} for s in profile.subscriptions],
        }
    )


tool = SupportTool(
    name="get_customer",
    system="crm",
    description="The verified customer's profile: name, email, plan, newsletter, addresses, subscriptions.",
    args_schema=GetCustomerArgs,
    fn=get_customer,
)
