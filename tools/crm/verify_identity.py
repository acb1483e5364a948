"""verify_identity: check a customer's zip code and/or card last4 before any account access."""

from __future__ import annotations

from datetime import timedelta
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import CUSTOMER_ID, EMAIL, ZIP_CODE
from tools.crm.backend import crm_backend
from tools.store import BusinessStore
from tools.store.schema import verification_attempts

MISMATCH = "Error: those details do not match our records."


class VerifyIdentityArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = Field(None, pattern=CUSTOMER_ID, description="Customer id, e.g. C0001.")
    email: str | None = Field(None, max_length=254, pattern=EMAIL, description="Email on the account.")
    zip_code: str | None = Field(None, pattern=ZIP_CODE, description="Billing zip code (5 digits).")
    card_last4: str | None = Field(None, pattern=r"^[0-9]{4}$", description="Last 4 digits of the card.")

    @model_validator(mode="after")
    def _enough(self) -> Self:
        if not (self.customer_id or self.email):
            raise ValueError("give customer_id or email")
        if not (self.zip_code or self.card_last4):
            raise ValueError("give zip_code and/or card_last4")
        return self


def verify_identity(store: BusinessStore, args: VerifyIdentityArgs, ctx: ToolContext) -> ToolResult:
    crm = crm_backend(store)
    row = crm.get_ref(args.customer_id) if args.customer_id else crm.find_by_email(str(args.email))
    if row is not None and args.customer_id and args.email:
        by_email = crm.find_by_email(args.email)
        row = row if by_email is not None and by_email.customer_id == row.customer_id else None
    # Attempts are counted here, in the store, whatever the CRM: the limit is support policy.
    identifier = row.customer_id if row else (args.customer_id or str(args.email).lower())
    with store.db.begin() as conn:
        failures = conn.execute(
            select(func.count())
            .select_from(verification_attempts)
            .where(
                verification_attempts.c.identifier == identifier,
                verification_attempts.c.success.is_(False),
                verification_attempts.c.attempted_at > ctx.now - timedelta(hours=24),
            )
        ).scalar_one()
        limit = ctx.policy.max_verification_attempts
        if failures >= limit:
            return ToolResult.refuse(
                f"Error: verification failed {failures} times in the last 24 hours; a human agent must "
                "verify this customer's identity. Hand the conversation over to the accounts queue."
            )
    matches = row is not None and crm.check_identity(
        row.customer_id, zip_code=args.zip_code, card_last4=args.card_last4
    )
    try:
        with store.db.begin() as conn:
            conn.execute(
                insert(verification_attempts).values(
                    attempt_key=ctx.idempotency_key,
                    customer_id=row.customer_id if row else None,
                    identifier=identifier,
                    success=matches,
                    attempted_at=ctx.now,
                )
            )
        failures += 0 if matches else 1
    except IntegrityError:
        pass  # a replayed step (same idempotency key) does not count twice
    if not matches or row is None:
        if failures >= limit:
            return ToolResult.refuse(
                f"{MISMATCH} That was the last attempt allowed; a human agent must verify the identity."
            )
        return ToolResult.refuse(MISMATCH)
    return ToolResult.success({"customer_id": row.customer_id, "name": row.name, "plan": row.plan_id, "verified": True})


tool = SupportTool(
    name="verify_identity",
    system="crm",
    description=(
        "Verify the customer's identity with their customer id or email plus billing zip code and/or "
        "the card's last 4 digits. Required before any account access. After repeated failures a human "
        "verifies."
    ),
    args_schema=VerifyIdentityArgs,
    fn=verify_identity,
    requires_verified_customer=False,
)
