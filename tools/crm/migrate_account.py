"""migrate_account: merge a second account of the same person into the verified one (human approval)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import CUSTOMER_ID, idempotent_write
from tools.crm.backend import crm_backend, same_person
from tools.store import BusinessStore


class MigrateAccountArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    other_customer_id: str = Field(
        pattern=CUSTOMER_ID, description="The customer's second account, merged into the verified one."
    )


def migrate_account(store: BusinessStore, args: MigrateAccountArgs, ctx: ToolContext) -> ToolResult:
    crm = crm_backend(store)
    keep_id, gone_id = str(ctx.customer_id), args.other_customer_id

    def body(conn: Connection) -> ToolResult:
        if gone_id == keep_id:
            return ToolResult.refuse("Error: that is the verified account itself; give the other account's id.")
        # Both accounts locked, in id order (as a concurrent merge of the two in the other direction locks them).
        found = {cid: crm.get_profile(cid, lock=True, tx=conn) for cid in sorted((keep_id, gone_id))}
        keep, gone = found[keep_id], found[gone_id]
        if keep is None:
            return ToolResult.refuse(f"Error: customer {keep_id} was not found.")
        if gone is None:
            return ToolResult.refuse(f"Error: account {gone_id} was not found or was already merged or deleted.")
        if not same_person(keep, gone):
            return ToolResult.refuse(
                f"Error: account {gone_id} does not belong to the same person (name and zip code or card must "
                "match); accounts of different people are never merged."
            )
        # One membership is enough: the better plan of the two is kept.
        better = gone.plan if gone.plan.monthly_price_cents > keep.plan.monthly_price_cents else keep.plan
        merged = crm.merge_accounts(keep_id, gone_id, plan_id=better.id, tx=conn, key=ctx.idempotency_key, now=ctx.now)
        return ToolResult.success(
            {
                "customer_id": keep_id,
                "merged_account": gone_id,
                "plan": better.id,
                "subscription_id": merged.subscription_id,
                "moved": merged.moved,
                "approved_by": ctx.approved_by,
            }
        )

    return idempotent_write(store, ctx, "migrate_account", body)


tool = SupportTool(
    name="migrate_account",
    system="crm",
    description=(
        "Merge the customer's second account into the verified one: orders, payment methods, subscription "
        "(the better plan is kept), invoices and tickets move over and the other account is marked merged. "
        "Both must share the name and the zip code or card. Always needs a reviewer's approval."
    ),
    args_schema=MigrateAccountArgs,
    fn=migrate_account,
    writes=True,
    needs_approval=True,
)
