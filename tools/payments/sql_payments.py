"""SqlPayments: charges, refunds and payment methods in the store's tables (billing: sql_billing.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from tools.base import BackendRefusal
from tools.common import dollars, for_update, next_id, reading
from tools.payments.backend import Charge, PaymentMethod, Refund
from tools.payments.sql_billing import SqlBilling
from tools.store.schema import charges, payment_methods, refunds


def _charge(row: Any) -> Charge:
    method = row.kind if row.card_last4 is None else f"{row.kind} ending {row.card_last4}"
    return Charge(
        charge_id=row.id,
        customer_id=row.customer_id,
        order_id=row.order_id,
        invoice_id=row.invoice_id,
        payment_method_id=row.payment_method_id,
        payment_method=method,
        amount_cents=int(row.amount_cents),
        refunded_cents=int(row.refunded),
        status=row.status,
        created_at=row.created_at,
    )


def _refund(row: Any, charge_method: str, customer_id: str | None = None) -> Refund:
    return Refund(
        refund_id=row.id,
        charge_id=row.charge_id,
        order_id=row.order_id,
        amount_cents=int(row.amount_cents),
        reason=row.reason,
        status=row.status,
        approved_by=row.approved_by,
        created_at=row.created_at,
        payment_method_id=row.destination_pm_id or charge_method,
        to_gift_card=row.destination_pm_id is not None,
        reason_code=row.reason_code,
        customer_id=customer_id,
    )


class SqlPayments(SqlBilling):
    """Implements ``PaymentsBackend`` with SQL on the store; writes join the tool's transaction ``tx``."""

    # Charges and refunds

    def charges(
        self,
        *,
        customer_id: str | None = None,
        order_id: int | None = None,
        invoice_id: str | None = None,
        charge_id: str | None = None,
        membership_only: bool = False,
        tx: Connection | None = None,
    ) -> list[Charge]:
        refunded = (
            select(refunds.c.charge_id, func.sum(refunds.c.amount_cents).label("refunded"))
            .group_by(refunds.c.charge_id)
            .subquery()
        )
        query = (
            select(
                charges,
                func.coalesce(refunded.c.refunded, 0).label("refunded"),
                payment_methods.c.kind,
                payment_methods.c.card_last4,
            )
            .outerjoin(refunded, refunded.c.charge_id == charges.c.id)
            .join(payment_methods, payment_methods.c.id == charges.c.payment_method_id)
        )
        for column, value in (
            (charges.c.customer_id, customer_id),
            (charges.c.order_id, order_id),
            (charges.c.invoice_id, invoice_id),
            (charges.c.id, charge_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if membership_only:
            query = query.where(charges.c.invoice_id.is_not(None))
        with reading(self.store, tx) as conn:
            return [_charge(r) for r in conn.execute(query.order_by(charges.c.id))]

    def charge(
        self,
        *,
        customer_id: str,
        order_id: int,
        payment_method_id: str,
        amount_cents: int,
        tx: Connection,
        key: str,
        now: datetime,
    ) -> str:
        charge_id = next_id(tx, "charge", "ch_{:06d}")
        tx.execute(
            insert(charges).values(
                id=charge_id,
                customer_id=customer_id,
                order_id=order_id,
                payment_method_id=payment_method_id,
                amount_cents=amount_cents,
                status="succeeded",
                created_at=now,
            )
        )
        return charge_id

    def _gift_card_of(self, tx: Connection, customer_id: str) -> str:
        found = tx.execute(
            select(payment_methods.c.id)
            .where(payment_methods.c.customer_id == customer_id, payment_methods.c.kind == "gift_card")
            .order_by(payment_methods.c.id)
            .limit(1)
        ).scalar_one_or_none()
        if found is not None:
            return str(found)
        pm_id = next_id(tx, "pm", "pm_{:06d}")
        tx.execute(
            insert(payment_methods).values(
                id=pm_id, customer_id=customer_id, kind="gift_card", balance_cents=0, is_default=False
            )
        )
        return pm_id

    def refund(
        self,
        charge_id: str,
        amount_cents: int,
        *,
        reason: str,
        approved_by: str | None,
        to_gift_card_of: str | None,
        tx: Connection,
        key: str,
        now: datetime,
        reason_code: str = "other",
    ) -> Refund:
        # The charge row lock makes "what is left" exact while two refunds of the same charge race.
        charge = tx.execute(for_update(select(charges).where(charges.c.id == charge_id), self.store)).first()
        if charge is None or charge.status != "succeeded":
            raise BackendRefusal(f"Error: charge {charge_id} cannot be refunded.")
        done = tx.execute(
            select(func.coalesce(func.sum(refunds.c.amount_cents), 0)).where(refunds.c.charge_id == charge_id)
        ).scalar_one()
        left = int(charge.amount_cents) - int(done)
        if amount_cents <= 0 or amount_cents > left:
            raise BackendRefusal(
                f"Error: only {dollars(left)} of charge {charge_id} is left to refund; {dollars(amount_cents)} "
                "was not refunded."
            )
        destination = self._gift_card_of(tx, to_gift_card_of) if to_gift_card_of else None
        refund_id = next_id(tx, "refund", "re_{:06d}")
        tx.execute(
            insert(refunds).values(
                id=refund_id,
                charge_id=charge_id,
                order_id=charge.order_id,
                amount_cents=amount_cents,
                reason=reason,
                status="succeeded",
                approved_by=approved_by,
                operation_key=key,
                created_at=now,
                destination_pm_id=destination,
                reason_code=reason_code,
            )
        )
        if destination is not None:
            tx.execute(
                update(payment_methods)
                .where(payment_methods.c.id == destination)
                .values(balance_cents=func.coalesce(payment_methods.c.balance_cents, 0) + amount_cents)
            )
        return Refund(
            refund_id=refund_id,
            charge_id=charge_id,
            order_id=charge.order_id,
            amount_cents=amount_cents,
            reason=reason,
            status="succeeded",
            approved_by=approved_by,
            created_at=now,
            payment_method_id=destination or charge.payment_method_id,
            to_gift_card=destination is not None,
            reason_code=reason_code,
            customer_id=charge.customer_id,
        )

    def refunds(self, order_id: int, *, tx: Connection | None = None) -> list[Refund]:
        return self._refunds(refunds.c.order_id == order_id, tx)

    def customer_refunds(self, customer_id: str, *, since: datetime, tx: Connection | None = None) -> list[Refund]:
        return self._refunds(and_(charges.c.customer_id == customer_id, refunds.c.created_at >= since), tx)

    def _refunds(self, where: Any, tx: Connection | None) -> list[Refund]:
        query = (
            select(refunds, charges.c.payment_method_id.label("charge_method"),
                   charges.c.customer_id.label("charge_customer"))
            .join(charges, charges.c.id == refunds.c.charge_id)
            .where(where)
            .order_by(refunds.c.created_at, refunds.c.id)
        )
        with reading(self.store, tx) as conn:
            return [_refund(r, r.charge_method, r.charge_customer) for r in conn.execute(query)]

    def payment_methods(self, customer_id: str) -> list[PaymentMethod]:
        query = (
            select(payment_methods)
            .where(payment_methods.c.customer_id == customer_id)
            .order_by(payment_methods.c.is_default.desc(), payment_methods.c.id)
        )
        with self.store.db.begin() as conn:
            return [
                PaymentMethod(
                    payment_method_id=r.id,
                    kind=r.kind,
                    default=bool(r.is_default),
                    brand=r.brand,
                    card_last4=r.card_last4,
                    paypal_email=r.paypal_email,
                    balance_cents=r.balance_cents,
                )
                for r in conn.execute(query)
            ]
