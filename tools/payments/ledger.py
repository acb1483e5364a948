"""Refunds across charges, shared by the tools that give money back (through ``PaymentsBackend``).

The tools check what may be refunded (window, approval limit, never more than charged minus earlier
refunds) before calling here; ``PaymentsBackend.refund`` refuses a charge's overdraw on its own as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tools.base import ToolContext
from tools.common import money
from tools.payments.backend import Charge, PaymentsBackend

if TYPE_CHECKING:
    from sqlalchemy import Connection


def refundable_cents(charges: Sequence[Charge]) -> int:
    """What is left to refund on these charges (charged minus earlier refunds, succeeded charges only)."""
    return sum(c.refundable_cents for c in charges)


def issue_refund(
    payments: PaymentsBackend,
    tx: Connection,
    ctx: ToolContext,
    charges: Sequence[Charge],
    amount_cents: int,
    *,
    reason: str,
    to_gift_card_of: str | None = None,
) -> list[dict[str, Any]]:
    """Refund ``amount_cents`` across ``charges`` (oldest first), each part a ``PaymentsBackend.refund``.

    The caller checked the total against ``refundable_cents``. With ``to_gift_card_of`` (a customer id) the
    money goes to that customer's gift card as store credit instead of back to the charged method. Each
    part carries its own idempotency key: the step's key and the charge id.
    """
    made = []
    for charge in charges:
        if amount_cents <= 0:
            break
        part = min(charge.refundable_cents, amount_cents)
        if part <= 0:
            continue
        refund = payments.refund(
            charge.charge_id,
            part,
            reason=reason,
            approved_by=ctx.approved_by,
            to_gift_card_of=to_gift_card_of,
            tx=tx,
            key=f"{ctx.idempotency_key}:{charge.charge_id}",
            now=ctx.now,
        )
        made.append(
            {
                "refund_id": refund.refund_id,
                "charge_id": refund.charge_id,
                "amount": money(refund.amount_cents),
                "payment_method_id": refund.payment_method_id,
                "to": "gift_card" if refund.to_gift_card else "original_payment_method",
            }
        )
        amount_cents -= part
    if amount_cents > 0:
        raise RuntimeError("refund exceeds what is refundable; the caller must check first")
    return made
