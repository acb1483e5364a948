"""verify_identity: check a customer's zip code and/or card last4 before any account access."""

from __future__ import annotations

from datetime import timedelta
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import CUSTOMER_ID, EMAIL, ZIP_CODE, lock_customer
from tools.crm.backend import CrmBackend, crm_backend
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
    try:
        return _verify(store, args, ctx)
    except IntegrityError:
        # A concurrent replay of this step recorded the attempt first (possible when no customer row was
        # locked): run again; the attempt is found this time and not counted twice.
        return _verify(store, args, ctx)


def _verify(store: BusinessStore, args: VerifyIdentityArgs, ctx: ToolContext) -> ToolResult:
    crm = crm_backend(store)
    named = _named_customer(crm, args)
    limit, hours = ctx.policy.max_verification_attempts, ctx.policy.verification_window_hours
    # One transaction from the attempt count to the recorded attempt, holding the customer (in the store, for
    # every CRM: the write lock on SQLite, a lock on the name on Postgres; SqlCrm also locks the row): concurrent
    # attempts are counted one after the other, so no more than the limit are ever checked, and the record
    # checked is the one the attempt is recorded against.
    with store.db.begin(write=True) as conn:
        lock_customer(store, conn, named or args.customer_id or str(args.email).lower())
        row = None if named is None else crm.get_ref(named, lock=True, tx=conn)
        # Attempts are counted here, in the store, whatever the CRM: the limit is support policy.
        identifier = row.customer_id if row else (args.customer_id or str(args.email).lower())
        failures = conn.execute(
            select(func.count())
            .select_from(verification_attempts)
            .where(
                verification_attempts.c.identifier == identifier,
                verification_attempts.c.success.is_(False),
                verification_attempts.c.attempted_at > ctx.now - timedelta(hours=hours),
            )
        ).scalar_one()
        if failures >= limit:
            return ToolResult.refuse(
                f"Error: verification failed {failures} times in the last {hours} hours; a human agent must "
                "verify this customer's identity. Hand the conversation over to the accounts queue."
            )
        matches = row is not None and crm.check_identity(
            row.customer_id, zip_code=args.zip_code, card_last4=args.card_last4, tx=conn
        )
        replayed = conn.execute(
            select(verification_attempts.c.id).where(verification_attempts.c.attempt_key == ctx.idempotency_key)
        ).first()
        if replayed is None:  # a replayed step (same idempotency key) does not count twice
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
    if not matches or row is None:
        if failures >= limit:
            return ToolResult.refuse(
                f"{MISMATCH} That was the last attempt allowed; a human agent must verify the identity."
            )
        return ToolResult.refuse(MISMATCH)
    return ToolResult.success({"customer_id": row.customer_id, "name": row.name, "plan": row.plan_id, "verified": True})


def _named_customer(crm: CrmBackend, args: VerifyIdentityArgs) -> str | None:
    """The customer id the details name: the id, the email's account, or the id when the email is its account.

    Only resolves the email; the caller reads the customer itself, locked, in its transaction (an account
    deleted or merged meanwhile is then not found)."""
    by_email = crm.find_by_email(str(args.email)) if args.email else None
    if args.customer_id is None:
        return None if by_email is None else by_email.customer_id
    if args.email and (by_email is None or by_email.customer_id != args.customer_id):
        return None
    return args.customer_id


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
