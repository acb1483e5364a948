"""find_customer: look a customer up by email before verification (only the id and first name come back)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import EMAIL
from tools.store import BusinessStore
from tools.store.schema import customers


class FindCustomerArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(
        min_length=3, max_length=254, pattern=EMAIL, description="The email address the customer gave."
    )


def find_customer(store: BusinessStore, args: FindCustomerArgs, ctx: ToolContext) -> ToolResult:
    with store.db.begin() as conn:
        row = conn.execute(
            select(customers.c.id, customers.c.name).where(
                func.lower(customers.c.email) == args.email.strip().lower()
            )
        ).first()
    if row is None:
        return ToolResult.refuse("Error: no customer with that email address was found.")
    return ToolResult.success({"customer_id": row.id, "first_name": row.name.split()[0]})


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
