"""Charges and refunds: how much is still refundable, issuing refunds against charges, gift-card credit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from tools.common import money, next_id
from tools.store.schema import charges, payment_methods, refunds


def refundable_charges(conn: Connection, *conditions: Any) -> list[tuple[Any, int]]:
    """Succeeded charges matching ``conditions``, each with what remains refundable on it (oldest first)."""
    refunded = (
        select(refunds.c.charge_id, func.coalesce(func.sum(refunds.c.amount_cents), 0).label("refunded"))
        .group_by(refunds.c.charge_id)
        .subquery()
    )
    rows = conn.execute(
        select(charges, func.coalesce(refunded.c.refunded, 0).label("refunded"))
        .outerjoin(refunded, refunded.c.charge_id == charges.c.id)
        .where(charges.c.status == "succeeded", *conditions)
        .order_by(charges.c.id)
    ).all()
    return [(row, int(row.amount_cents) - int(row.refunded)) for row in rows]


def refundable_by_charge(conn: Connection, order_id: int) -> list[tuple[Any, int]]:
    """Each charge of the order with what remains refundable on it (charged minus earlier refunds)."""
    return refundable_charges(conn, charges.c.order_id == order_id)


def gift_card_of(conn: Connection, customer_id: str) -> str:
    """The customer's gift card (store credit) payment method, created with a zero balance if needed."""
    found = conn.execute(
        select(payment_methods.c.id)
        .where(payment_methods.c.customer_id == customer_id, payment_methods.c.kind == "gift_card")
        .order_by(payment_methods.c.id)
        .limit(1)
    ).scalar_one_or_none()
    if found is not None:
        return str(found)
    pm_id = next_id(conn, "pm", "pm_{:06d}")
    conn.execute(
        insert(payment_methods).values(
            id=pm_id, customer_id=customer_id, kind="gift_card", balance_cents=0, is_default=False
        )
    )
    return pm_id


def issue_refund(
    conn: Connection,
    order_id: int | None,
    amount_cents: int,
    *,
    reason: str,
    now: datetime,
    approved_by: str | None,
    operation_key: str,
    to_gift_card_of: str | None = None,
    charge_id: str | None = None,
) -> list[dict[str, Any]]:
    """Refund ``amount_cents`` across the order's charges (oldest first), or one charge if ``charge_id``.

    The caller checked the total. With ``to_gift_card_of`` (a customer id) the money goes to that
    customer's gift card as store credit instead of back to the charged payment method.
    """
    available = (
        refundable_charges(conn, charges.c.id == charge_id)
        if charge_id is not None
        else refundable_by_charge(conn, order_id or 0)
    )
    destination = gift_card_of(conn, to_gift_card_of) if to_gift_card_of else None
    made = []
    credited = 0
    for charge, remaining in available:
        if amount_cents <= 0:
            break
        part = min(remaining, amount_cents)
        if part <= 0:
            continue
        refund_id = next_id(conn, "refund", "re_{:06d}")
        conn.execute(
            insert(refunds).values(
                id=refund_id,
                charge_id=charge.id,
                order_id=charge.order_id,
                amount_cents=part,
                reason=reason,
                status="succeeded",
                approved_by=approved_by,
                operation_key=operation_key,
                created_at=now,
                destination_pm_id=destination,
            )
        )
        made.append(
            {
                "refund_id": refund_id,
                "charge_id": charge.id,
                "amount": money(part),
                "payment_method_id": destination or charge.payment_method_id,
                "to": "gift_card" if destination else "original_payment_method",
            }
        )
        amount_cents -= part
        credited += part
    if amount_cents > 0:
        raise RuntimeError("refund exceeds what is refundable; the caller must check first")
    if destination is not None:
        conn.execute(
            update(payment_methods)
            .where(payment_methods.c.id == destination)
            .values(balance_cents=func.coalesce(payment_methods.c.balance_cents, 0) + credited)
        )
    return made
