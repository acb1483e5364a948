"""Charges and refunds of an order: how much is still refundable, and issuing refunds against charges."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from tools.common import money, next_id
from tools.store.schema import charges, refunds


def refundable_by_charge(conn: Connection, order_id: int) -> list[tuple[Any, int]]:
    """Each charge of the order with what remains refundable on it (charged minus earlier refunds)."""
    refunded = (
        select(refunds.c.charge_id, func.coalesce(func.sum(refunds.c.amount_cents), 0).label("refunded"))
        .group_by(refunds.c.charge_id)
        .subquery()
    )
    rows = conn.execute(
        select(charges, func.coalesce(refunded.c.refunded, 0).label("refunded"))
        .outerjoin(refunded, refunded.c.charge_id == charges.c.id)
        .where(charges.c.order_id == order_id, charges.c.status == "succeeded")
        .order_by(charges.c.id)
    ).all()
    return [(row, int(row.amount_cents) - int(row.refunded)) for row in rows]


def issue_refund(
    conn: Connection,
    order_id: int,
    amount_cents: int,
    *,
    reason: str,
    now: datetime,
    approved_by: str | None,
    operation_key: str,
) -> list[dict[str, Any]]:
    """Refund ``amount_cents`` across the order's charges (oldest first); the caller checked the total."""
    made = []
    for charge, remaining in refundable_by_charge(conn, order_id):
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
                order_id=order_id,
                amount_cents=part,
                reason=reason,
                status="succeeded",
                approved_by=approved_by,
                operation_key=operation_key,
                created_at=now,
            )
        )
        made.append(
            {
                "refund_id": refund_id,
                "charge_id": charge.id,
                "amount": money(part),
                "payment_method_id": charge.payment_method_id,
            }
        )
        amount_cents -= part
    if amount_cents > 0:
        raise RuntimeError("refund exceeds what is refundable; the caller must check first")
    return made
