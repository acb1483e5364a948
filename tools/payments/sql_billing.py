"""SqlBilling: membership invoices, account credit, subscriptions and billing disputes in the store's tables
(part of SqlPayments)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, insert, select, update

from tools.base import BackendRefusal
from tools.common import for_update, next_id, reading
from tools.payments.backend import AccountCredit, Dispute, Invoice, Subscription
from tools.store import BusinessStore
from tools.store.schema import account_credits, disputes, invoices, plans, subscriptions


def _dispute(row: Any) -> Dispute:
    return Dispute(
        dispute_id=row.id,
        customer_id=row.customer_id,
        invoice_id=row.invoice_id,
        charge_id=row.charge_id,
        ticket_id=row.ticket_id,
        amount_cents=int(row.amount_cents),
        reason=row.reason,
        status=row.status,
        previous_invoice_status=row.previous_invoice_status,
    )


class SqlBilling:
    """The billing half of ``SqlPayments``; writes join the tool's transaction ``tx``."""

    def __init__(self, store: BusinessStore) -> None:
        self.store = store

    # Membership billing

    def _invoices(self, conn: Connection, *where: Any, lock: bool = False, limit: int | None = None) -> list[Invoice]:
        query = (
            select(invoices, plans.c.name.label("plan_name"))
            .outerjoin(subscriptions, subscriptions.c.id == invoices.c.subscription_id)
            .outerjoin(plans, plans.c.id == subscriptions.c.plan_id)
            .where(*where)
            .order_by(invoices.c.issued_at.desc(), invoices.c.id.desc())
            .limit(limit)
        )
        if lock and self.store.db.dialect == "postgresql":
            query = query.with_for_update(of=invoices)
        return [
            Invoice(
                invoice_id=r.id,
                customer_id=r.customer_id,
                subscription_id=r.subscription_id,
                amount_cents=int(r.amount_cents),
                status=r.status,
                issued_at=r.issued_at,
                due_at=r.due_at,
                paid_at=r.paid_at,
                plan_name=r.plan_name,
                credit_applied_cents=int(r.credit_applied_cents),
            )
            for r in conn.execute(query)
        ]

    def invoices(self, customer_id: str, *, status: str | None = None, limit: int = 12) -> list[Invoice]:
        where = [invoices.c.customer_id == customer_id]
        if status is not None:
            where.append(invoices.c.status == status)
        with self.store.db.begin() as conn:
            return self._invoices(conn, *where, limit=limit)

    def get_invoice(
        self, invoice_id: str, customer_id: str, *, lock: bool = False, tx: Connection | None = None
    ) -> Invoice | None:
        with reading(self.store, tx) as conn:
            found = self._invoices(conn, invoices.c.id == invoice_id, invoices.c.customer_id == customer_id, lock=lock)
        return found[0] if found else None

    def create_invoice(
        self,
        *,
        customer_id: str,
        subscription_id: str,
        amount_cents: int,
        due_at: datetime,
        tx: Connection,
        key: str,
        now: datetime,
    ) -> str:
        credit = self._use_credit(tx, customer_id, amount_cents)
        invoice_id = next_id(tx, "invoice", "INV-{}")
        settled = credit > 0 and credit == amount_cents  # the credit paid all of it
        tx.execute(
            insert(invoices).values(
                id=invoice_id,
                customer_id=customer_id,
                subscription_id=subscription_id,
                amount_cents=amount_cents - credit,
                credit_applied_cents=credit,
                status="paid" if settled else "open",
                issued_at=now,
                due_at=due_at,
                paid_at=now if settled else None,
            )
        )
        return invoice_id

    def _use_credit(self, tx: Connection, customer_id: str, amount_cents: int) -> int:
        """Take up to ``amount_cents`` from the customer's credit, oldest first; how much was taken.

        The credit rows stay locked until ``tx`` ends, so two invoices racing for one credit never both use it.
        """
        query = (
            select(account_credits.c.id, account_credits.c.remaining_cents)
            .where(account_credits.c.customer_id == customer_id, account_credits.c.remaining_cents > 0)
            .order_by(account_credits.c.created_at, account_credits.c.id)
        )
        used = 0
        for row in tx.execute(for_update(query, self.store)).all():
            take = min(int(row.remaining_cents), amount_cents - used)
            if take <= 0:
                break
            tx.execute(
                update(account_credits)
                .where(account_credits.c.id == row.id)
                .values(remaining_cents=account_credits.c.remaining_cents - take)
            )
            used += take
        return used

    def add_credit(
        self, customer_id: str, amount_cents: int, *, reason: str, tx: Connection, key: str, now: datetime
    ) -> str:
        if amount_cents <= 0:
            raise BackendRefusal("Error: account credit must be a positive amount.")
        known = select(account_credits.c.id).where(account_credits.c.operation_key == key)
        found = tx.execute(known).scalar_one_or_none()
        if found is not None:
            return str(found)
        credit_id = next_id(tx, "credit", "CR-{:05d}")
        tx.execute(
            insert(account_credits).values(
                id=credit_id,
                customer_id=customer_id,
                amount_cents=amount_cents,
                remaining_cents=amount_cents,
                reason=reason,
                operation_key=key,
                created_at=now,
            )
        )
        return credit_id

    def credits(self, customer_id: str, *, tx: Connection | None = None) -> list[AccountCredit]:
        query = (
            select(account_credits)
            .where(account_credits.c.customer_id == customer_id)
            .order_by(account_credits.c.created_at, account_credits.c.id)
        )
        with reading(self.store, tx) as conn:
            return [
                AccountCredit(
                    credit_id=r.id,
                    customer_id=r.customer_id,
                    amount_cents=int(r.amount_cents),
                    remaining_cents=int(r.remaining_cents),
                    reason=r.reason,
                    created_at=r.created_at,
                )
                for r in conn.execute(query)
            ]

    def set_invoice_status(
        self, invoice_id: str, status: str, *, paid_at: datetime | None = None, tx: Connection, key: str
    ) -> None:
        values: dict[str, Any] = {"status": status} | ({"paid_at": paid_at} if paid_at is not None else {})
        tx.execute(update(invoices).where(invoices.c.id == invoice_id).values(**values))

    def subscriptions(self, customer_id: str, *, tx: Connection | None = None) -> list[Subscription]:
        query = (
            select(subscriptions)
            .where(subscriptions.c.customer_id == customer_id)
            .order_by(case((subscriptions.c.status == "cancelled", 1), else_=0), subscriptions.c.started_at.desc())
        )
        with reading(self.store, tx) as conn:
            return [
                Subscription(
                    subscription_id=s.id,
                    plan_id=s.plan_id,
                    status=s.status,
                    started_at=s.started_at,
                    renews_at=s.renews_at,
                    cancelled_at=s.cancelled_at,
                )
                for s in conn.execute(query)
            ]

    def start_subscription(
        self, customer_id: str, plan_id: str, *, renews_at: datetime, tx: Connection, key: str, now: datetime
    ) -> str:
        sub_id = next_id(tx, "subscription", "SUB-{}")
        tx.execute(
            insert(subscriptions).values(
                id=sub_id,
                customer_id=customer_id,
                plan_id=plan_id,
                status="active",
                started_at=now,
                renews_at=renews_at,
            )
        )
        return sub_id

    def change_subscription_plan(self, subscription_id: str, plan_id: str, *, tx: Connection, key: str) -> None:
        tx.execute(update(subscriptions).where(subscriptions.c.id == subscription_id).values(plan_id=plan_id))

    def cancel_subscription(self, subscription_id: str, *, tx: Connection, key: str, now: datetime) -> None:
        tx.execute(
            update(subscriptions)
            .where(subscriptions.c.id == subscription_id)
            .values(status="cancelled", cancelled_at=now, renews_at=None)
        )

    # Billing disputes

    def disputes(
        self, *, invoice_id: str | None = None, charge_id: str | None = None, tx: Connection | None = None
    ) -> list[Dispute]:
        query = select(disputes).order_by(disputes.c.id)
        if invoice_id is not None:
            query = query.where(disputes.c.invoice_id == invoice_id)
        if charge_id is not None:
            query = query.where(disputes.c.charge_id == charge_id)
        with reading(self.store, tx) as conn:
            return [_dispute(r) for r in conn.execute(query)]

    def lock_dispute(self, dispute_id: str, customer_id: str, *, tx: Connection) -> Dispute | None:
        query = select(disputes).where(disputes.c.id == dispute_id, disputes.c.customer_id == customer_id)
        row = tx.execute(for_update(query, self.store)).first()
        return None if row is None else _dispute(row)

    def open_dispute(
        self,
        *,
        customer_id: str,
        invoice_id: str | None,
        charge_id: str | None,
        ticket_id: str,
        amount_cents: int,
        reason: str,
        tx: Connection,
        key: str,
        now: datetime,
    ) -> str:
        previous = None
        if invoice_id is not None:
            previous = tx.execute(select(invoices.c.status).where(invoices.c.id == invoice_id)).scalar_one()
            tx.execute(update(invoices).where(invoices.c.id == invoice_id).values(status="disputed"))
        dispute_id = next_id(tx, "dispute", "DSP-{:05d}")
        tx.execute(
            insert(disputes).values(
                id=dispute_id,
                customer_id=customer_id,
                invoice_id=invoice_id,
                charge_id=charge_id,
                ticket_id=ticket_id,
                amount_cents=amount_cents,
                reason=reason,
                status="open",
                previous_invoice_status=previous,
                created_at=now,
            )
        )
        return dispute_id

    def resolve_dispute(
        self,
        dispute_id: str,
        *,
        outcome: str,
        resolved_by: str | None,
        note: str,
        tx: Connection,
        key: str,
        now: datetime,
    ) -> None:
        tx.execute(
            update(disputes)
            .where(disputes.c.id == dispute_id)
            .values(status=outcome, resolved_by=resolved_by, resolution_note=note, resolved_at=now)
        )
