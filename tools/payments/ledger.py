"""Refunds across charges, shared by the tools that give money back (through ``PaymentsBackend``).

The tools check what may be refunded (window, approval limit, never more than charged minus earlier
refunds) before calling here; ``PaymentsBackend.refund`` refuses a charge's overdraw on its own as well.

The approval limits add up (``Policy``): before a refund, ``money_effect`` works out exactly what would move
(which charges, how much, where to) and what the order's and the customer's refunds and account credit of the
window come to with it; ``authorize`` refuses a refund above a limit without a reviewer, and one that would move
anything other than the effect a reviewer approved (``ToolContext.approved_effect``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from foundation.redact import redact
from prompts import render_hold
from tools.base import ToolContext, ToolResult
from tools.common import as_utc, dollars, money
from tools.payments.backend import Charge, PaymentsBackend, Refund

if TYPE_CHECKING:
    from sqlalchemy import Connection

# Why money goes back, as stored with every refund (refunds.reason_code) beside a redacted note.
ReasonCode = Literal[
    "customer_request", "damaged_or_defective", "not_as_described", "not_received", "double_charge",
    "goodwill", "order_cancelled", "order_changed", "items_returned", "exchange_difference", "plan_change",
    "dispute_upheld", "other",
]
# Refunds that do not count toward the approval limits: a pending order's cancellation, or fewer items on it,
# gives back exactly what was paid for goods that never shipped.
UNLIMITED_CODES = {"order_cancelled", "order_changed"}
NOT_MOVED = {"failed", "cancelled", "canceled"}
EFFECT_CHANGED = "effect_changed"
NEEDS_APPROVAL = render_hold("needs_approval")


def note(text: str) -> str:
    """A refund's stored note: redacted (no emails, ZIP codes or card digits), at most 500 characters."""
    return redact(text).strip()[:500] or "no note"


def refund_parts(charges: Sequence[Charge], amount_cents: int) -> list[tuple[Charge, int]]:
    """How ``amount_cents`` is taken back across ``charges``: oldest first, never more than a charge has left."""
    parts = []
    for charge in charges:
        if amount_cents <= 0:
            break
        part = min(charge.refundable_cents, amount_cents)
        if part > 0:
            parts.append((charge, part))
            amount_cents -= part
    return parts


def window_totals(payments: PaymentsBackend, tx: Connection | None, ctx: ToolContext, customer_id: str,
                  order_id: int | None) -> tuple[int, int]:
    """Cents given back in the policy's window that count toward the limits: (the order's, the customer's)."""
    since = ctx.now - timedelta(days=ctx.policy.limit_window_days)
    counted = [r for r in payments.customer_refunds(customer_id, since=since, tx=tx)
               if r.status not in NOT_MOVED and r.reason_code not in UNLIMITED_CODES]
    credits = sum(c.amount_cents for c in payments.credits(customer_id, tx=tx) if _at_or_after(c.created_at, since))
    order = sum(r.amount_cents for r in counted if order_id is not None and r.order_id == order_id)
    return order, sum(r.amount_cents for r in counted) + credits


def _at_or_after(when: Any, since: Any) -> bool:
    return bool(as_utc(when) >= as_utc(since))


def money_effect(payments: PaymentsBackend, tx: Connection | None, ctx: ToolContext, *, customer_id: str,
                 order_id: int | None, parts: Sequence[tuple[Charge, int]], to_gift_card: bool,
                 reason_code: str, binds: dict[str, Any] | None = None, credit_cents: int = 0) -> dict[str, Any]:
    """What a call would give back, as a review shows it and ``authorize`` checks it.

    ``parts`` are refunds per charge, ``credit_cents`` account credit; ``over_limit`` says which approval limit
    the amount would cross together with the window's earlier refunds and credit (None: within the limits).
    """
    amount = sum(cents for _, cents in parts) + credit_cents
    to = "gift_card" if to_gift_card else "original_payment_method"
    movements = [{"charge_id": c.charge_id, "amount": money(cents), "payment_method": c.payment_method, "to": to}
                 for c, cents in parts]
    if credit_cents:
        movements.append({"charge_id": None, "amount": money(credit_cents), "payment_method": "account credit",
                          "to": "account_credit"})
    over = None
    order_total = customer_total = 0
    if reason_code not in UNLIMITED_CODES and amount > 0:
        order_before, customer_before = window_totals(payments, tx, ctx, customer_id, order_id)
        order_total, customer_total = order_before + amount, customer_before + amount
        over = _over_limit(ctx, amount, order_id, order_total, customer_total)
    return {"amount": money(amount), "order_id": order_id, "to": to, "movements": movements,
            "reason_code": reason_code, "window_days": ctx.policy.limit_window_days,
            "order_total_in_window": money(order_total), "customer_total_in_window": money(customer_total),
            "over_limit": over, "binds": binds or {}}


def _over_limit(ctx: ToolContext, amount: int, order_id: int | None, order_total: int,
                customer_total: int) -> str | None:
    policy, days = ctx.policy, ctx.policy.limit_window_days
    order_limit, customer_limit = round(policy.refund_approval_limit * 100), round(policy.customer_refund_limit * 100)
    if amount > order_limit:
        return render_hold("above_limit", amount=amount / 100, limit=order_limit / 100)
    if order_id is not None and order_total > order_limit:
        return render_hold("order_over_limit", amount=amount / 100, order_id=order_id, days=days,
                           total=order_total / 100, limit=order_limit / 100)
    if customer_total > customer_limit:
        return render_hold("customer_over_limit", amount=amount / 100, days=days, total=customer_total / 100,
                           limit=customer_limit / 100)
    return None


def binding(effect: dict[str, Any]) -> tuple[Any, ...]:
    """What must not change between a review and the movement: the amount and each movement."""
    moves = tuple((m.get("charge_id"), round(float(m["amount"]) * 100), m.get("to")) for m in effect["movements"])
    return round(float(effect["amount"]) * 100), moves


def describe(effect: dict[str, Any]) -> str:
    """One line for people: the amount and where each part goes."""
    parts = ", ".join(f"{dollars(round(float(m['amount']) * 100))} of {m['charge_id'] or 'account credit'} "
                      f"({m['payment_method']}) to {str(m['to']).replace('_', ' ')}" for m in effect["movements"])
    return f"{dollars(round(float(effect['amount']) * 100))}" + (f": {parts}" if parts else "")


def authorize(ctx: ToolContext, effect: dict[str, Any]) -> ToolResult | None:
    """The refusal for a movement that may not happen as it stands, else None.

    With an approved effect, the movement must be exactly that one (a different amount, other charges or
    another destination go back to the reviewer); without one, an amount above a limit needs a reviewer.
    """
    approved = ctx.approved_effect
    if approved is not None and binding(approved) != binding(effect):
        return ToolResult.refuse(
            f"Error: this would now move {describe(effect)}, not the {describe(approved)} a reviewer approved; "
            "it must be reviewed again.", code=EFFECT_CHANGED)
    if effect["over_limit"] and not ctx.approved_by:
        why = str(effect["over_limit"]).removesuffix(NEEDS_APPROVAL)
        return ToolResult.refuse(f"Error: {why}; a human reviewer must approve it before it can be issued.")
    return None


def refundable_cents(charges: Sequence[Charge]) -> int:
    """What is left to refund on these charges (charged minus earlier refunds, succeeded charges only)."""
    return sum(c.refundable_cents for c in charges)


# Refunds that give back what was charged beyond an order's total: a duplicate's, and the difference of an order
# changed to fewer items (its total went down by as much). Any other refund (returned goods, goodwill, ...) is
# for the goods and leaves an order charged twice charged twice.
OVERCHARGE_CODES = {"double_charge", "order_changed"}


def overcharge_cents(charges: Sequence[Charge], total_cents: int, refunds: Sequence[Refund]) -> int:
    """What an order's ``charges`` took beyond its total and is still owed back as a duplicate: the succeeded
    charges less the total, less the refunds already made for that (``OVERCHARGE_CODES``), never more than is
    still refundable on the charges. ``refunds`` are the order's (``PaymentsBackend.refunds``)."""
    charged = sum(c.amount_cents for c in charges if c.status == "succeeded")
    settled = sum(r.amount_cents for r in refunds
                  if r.reason_code in OVERCHARGE_CODES and r.status not in NOT_MOVED)
    return max(0, min(charged - total_cents - settled, refundable_cents(charges)))


def issue_refund(
    payments: PaymentsBackend,
    tx: Connection,
    ctx: ToolContext,
    charges: Sequence[Charge],
    amount_cents: int,
    *,
    reason: str,
    reason_code: ReasonCode = "other",
    to_gift_card_of: str | None = None,
) -> list[dict[str, Any]]:
    """Refund ``amount_cents`` across ``charges`` (oldest first), each part a ``PaymentsBackend.refund``.

    The caller checked the total against ``refundable_cents``. With ``to_gift_card_of`` (a customer id) the
    money goes to that customer's gift card as store credit instead of back to the charged method. Each
    part carries its own idempotency key: the step's key and the charge id. ``reason`` is stored redacted.
    """
    made = []
    parts = refund_parts(charges, amount_cents)
    for charge, part in parts:
        refund = payments.refund(
            charge.charge_id,
            part,
            reason=note(reason),
            reason_code=reason_code,
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
