"""find_customer: look a customer up by email before verification (only the id and first name come back)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import EMAIL
from tools.crm.backend import crm_backend
from tools.store import BusinessStore


class FindCustomerArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, pattern=EMAIL, description="The email address the customer gave.")


def find_customer(store: BusinessStore, args: FindCustomerArgs, ctx: ToolContext) -> ToolResult:
    ref = crm_backend(store).find_by_email(args.email)
    if ref is None:
        return ToolResult.refuse("Error: no customer with that email address was found.")
    return ToolResult.success({"customer_id": ref.customer_id, "first_name": ref.name.split()[0]})


tool = SupportTool(
    name="find_customer",
    system="crm",
    description=(
        "Find a customer account by email address. Returns only the customer id and first name; it does not "
        "verify identity (use verify_identity for that)."
    ),
    args_schema=FindCustomerArgs,
    fn=find_customer,
    requires_verified_customer=False,
)
