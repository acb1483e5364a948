"""send_password_reset: email the verified customer a password-reset link (a recorded, idempotent write)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import idempotent_write, iso, mask_email
from tools.crm.backend import crm_backend
from tools.store import BusinessStore


class SendPasswordResetArgs(BaseModel):
    """No arguments: the link always goes to the email on the verified customer's account."""

    model_config = ConfigDict(extra="forbid")


def send_password_reset(store: BusinessStore, args: SendPasswordResetArgs, ctx: ToolContext) -> ToolResult:
    crm = crm_backend(store)

    def body(conn: Connection) -> ToolResult:
        email = crm.send_password_reset(str(ctx.customer_id), tx=conn, key=ctx.idempotency_key)
        if email is None:
            return ToolResult.refuse(f"Error: customer {ctx.customer_id} was not found.")
        return ToolResult.success({"sent_to": mask_email(email), "sent_at": iso(ctx.now), "expires_in_hours": 24})

    return idempotent_write(store, ctx, "send_password_reset", body)


tool = SupportTool(
    name="send_password_reset",
    system="crm",
    description=(
        "Send a password-reset link to the email address on the verified customer's account. Returns the "
        "masked address it was sent to. The link expires in 24 hours."
    ),
    args_schema=SendPasswordResetArgs,
    fn=send_password_reset,
    writes=True,
)
