"""find_customer: look a customer up by email (only the id and first name come back, and for a verified customer
whether the account is another of their own: a second account to merge)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import EMAIL
from tools.crm.backend import crm_backend, same_person
from tools.store import BusinessStore


class FindCustomerArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, pattern=EMAIL, description="The email address the customer gave.")


def find_customer(store: BusinessStore, args: FindCustomerArgs, ctx: ToolContext) -> ToolResult:
    crm = crm_backend(store)
    ref = crm.find_by_email(args.email)
    if ref is None:
        return ToolResult.refuse("Error: no customer with that email address was found.")
    found: dict[str, object] = {"customer_id": ref.customer_id, "first_name": ref.name.split()[0]}
    if ctx.customer_id is not None and str(ctx.customer_id) != ref.customer_id:
        # Whether it is the verified customer's own second account (same name, and zip code or card): another
        # person's account is never merged, so no reviewer is asked to (policy 4). Nothing of it is shown.
        own, other = crm.get_profile(str(ctx.customer_id)), crm.get_profile(ref.customer_id)
        found["same_person"] = own is not None and other is not None and same_person(own, other)
    return ToolResult.success(found)


tool = SupportTool(
    name="find_customer",
    system="crm",
    description=(
        "Find a customer account by email address. Returns only the customer id and first name (and, for a "
        "verified customer, same_person: whether it is another account of theirs); it does not verify identity "
        "(use verify_identity for that)."
    ),
    args_schema=FindCustomerArgs,
    fn=find_customer,
    requires_verified_customer=False,
)
