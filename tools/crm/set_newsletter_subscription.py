"""set_newsletter_subscription: opt the verified customer in to or out of the newsletter."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import idempotent_write
from tools.crm.backend import crm_backend
from tools.store import BusinessStore


class SetNewsletterArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscribed: bool = Field(description="True to receive the newsletter, False to stop it.")


def set_newsletter_subscription(store: BusinessStore, args: SetNewsletterArgs, ctx: ToolContext) -> ToolResult:
    crm = crm_backend(store)

    def body(conn: Connection) -> ToolResult:
        before = crm.set_newsletter(str(ctx.customer_id), args.subscribed, tx=conn, key=ctx.idempotency_key)
        if before is None:
            return ToolResult.refuse(f"Error: customer {ctx.customer_id} was not found.")
        return ToolResult.success(
            {
                "customer_id": ctx.customer_id,
                "newsletter": args.subscribed,
                "changed": bool(before) != args.subscribed,
            }
        )

    return idempotent_write(store, ctx, "set_newsletter_subscription", body)


tool = SupportTool(
    name="set_newsletter_subscription",
    system="crm",
    description="Subscribe the verified customer to the marketing newsletter, or unsubscribe them.",
    args_schema=SetNewsletterArgs,
    fn=set_newsletter_subscription,
    writes=True,
)
