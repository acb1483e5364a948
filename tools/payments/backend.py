"""The payments interface the payment tools call, and the choice of implementation by configuration.

Tools hold the policy (the refund window, "never more than charged minus earlier refunds", the approval
limit, dispute rules, proration); a backend only moves and records money. ``SqlPayments`` (the store's
tables) is the default; ``SUPPORTGRAPH_PAYMENTS_BACKEND`` names another (tools/systems.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from tools.systems import configured_backend

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from tools.store import BusinessStore


@dataclass(frozen=True, kw_only=True)
class Charge:
    """Money taken for an order or a membership invoice, and how much of it was refunded since."""

    charge_id: str
    customer_id: str
    order_id: int | None
    invoice_id: str | None
    payment_method_id: str
    payment_method: str  # what the customer recognises: "card ending 4242", "paypal", "gift_card"
    amount_cents: int
    refunded_cents: int
    status: str  # succeeded or failed
    created_at: datetime

    @property
    def refundable_cents(self) -> int:
        return self.amount_cents - self.refunded_cents if self.status == "succeeded" else 0


@dataclass(frozen=True, kw_only=True)
class Refund:
    refund_id: str
    charge_id: str
    order_id: int | None
    amount_cents: int
    reason: str
    status: str
    approved_by: str | None
    created_at: datetime
    payment_method_id: str  # where the money went: the charge's method, or the gift card credited
    to_gift_card: bool = False
    reason_code: str = "other"  # tools/payments/ledger.py ReasonCode
    customer_id: str | None = None  # whose charge it refunds


@dataclass(frozen=True, kw_only=True)
class PaymentMethod:
    payment_method_id: str
    kind: str  # card, paypal or gift_card
    default: bool
    brand: str | None = None
    card_last4: str | None = None
    paypal_email: str | None = None
    balance_cents: int | None = None  # gift cards


@dataclass(frozen=True, kw_only=True)
class Invoice:
    invoice_id: str
    customer_id: str
    subscription_id: str | None
    amount_cents: int
    status: str  # paid, open or disputed
    issued_at: datetime
    due_at: datetime
    paid_at: datetime | None = None
    plan_name: str | None = None  # of the subscription it bills
    credit_applied_cents: int = 0  # account credit used up by it; ``amount_cents`` is what was left to pay


@dataclass(frozen=True, kw_only=True)
class AccountCredit:
    """A credit note: money owed to the customer that their next membership invoices use up."""

    credit_id: str
    customer_id: str
    amount_cents: int
    remaining_cents: int  # not used up yet
    reason: str
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class Subscription:
    subscription_id: str
    plan_id: str
    status: str  # active, past_due or cancelled
    started_at: datetime
    renews_at: datetime | None = None
    cancelled_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class Dispute:
    dispute_id: str
    customer_id: str
    invoice_id: str | None
    charge_id: str | None
    ticket_id: str
    amount_cents: int
    reason: str
    status: str  # open, upheld or rejected
    previous_invoice_status: str | None = None


class PaymentsBackend(Protocol):
    """What the payment tools need from a payment and billing system.

    Writes get ``tx`` (the tool's open transaction on the supportgraph store) and ``key``, an idempotency
    key unique to the call (a remote system applies it at most once), as in ``CrmBackend``. Reads given
    ``tx`` see the writes made in it. ``refund`` must never take a charge below zero, even when two
    refunds of the same charge race: SqlPayments locks the charge row and refuses with ``BackendRefusal``.
    """

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
        """Charges matching every given filter, oldest first (``membership_only``: paying an invoice)."""
        ...

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
        """Take ``amount_cents`` from the payment method for the order; the charge id."""
        ...

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
        """Give back part of a charge: to its payment method, or as store credit on the gift card of the
        customer ``to_gift_card_of`` (created if needed). Refuses more than is left on the charge.
        ``reason`` is a redacted note, ``reason_code`` one of ledger.ReasonCode; both are stored."""
        ...

    def refunds(self, order_id: int, *, tx: Connection | None = None) -> list[Refund]:
        """The refunds of an order's charges, oldest first."""
        ...

    def customer_refunds(self, customer_id: str, *, since: datetime, tx: Connection | None = None) -> list[Refund]:
        """Every refund of the customer's charges created at or after ``since``, oldest first, whatever made it
        (this agent in any thread, another channel, a person). The approval limits add these up: a refund the
        system made and does not return here is a refund the limits cannot see."""
        ...

    def payment_methods(self, customer_id: str) -> list[PaymentMethod]:
        """The customer's saved methods, the default first."""
        ...

    # Membership billing

    def invoices(self, customer_id: str, *, status: str | None = None, limit: int = 12) -> list[Invoice]:
        """The customer's invoices, newest first."""
        ...

    def get_invoice(
        self, invoice_id: str, customer_id: str, *, lock: bool = False, tx: Connection | None = None
    ) -> Invoice | None:
        """The invoice if it is the customer's; ``lock`` holds it until ``tx`` ends."""
        ...

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
        """An open invoice of ``amount_cents`` for the membership; its id.

        The customer's account credit pays for it first (oldest credit first, never below zero): the invoice
        records the credit used in ``credit_applied_cents`` and is for what is left; covered in full, it is
        paid at once. Two invoices racing for the same credit never use it twice (SqlBilling locks it)."""
        ...

    def set_invoice_status(
        self, invoice_id: str, status: str, *, paid_at: datetime | None = None, tx: Connection, key: str
    ) -> None: ...

    def subscriptions(self, customer_id: str, *, tx: Connection | None = None) -> list[Subscription]:
        """The customer's subscriptions: current ones first, then cancelled, each newest first."""
        ...

    def start_subscription(
        self, customer_id: str, plan_id: str, *, renews_at: datetime, tx: Connection, key: str, now: datetime
    ) -> str:
        """An active subscription; its id."""
        ...

    def change_subscription_plan(self, subscription_id: str, plan_id: str, *, tx: Connection, key: str) -> None: ...

    def cancel_subscription(self, subscription_id: str, *, tx: Connection, key: str, now: datetime) -> None: ...

    def add_credit(
        self, customer_id: str, amount_cents: int, *, reason: str, tx: Connection, key: str, now: datetime
    ) -> str:
        """Record account credit for the customer (``create_invoice`` uses it up); its id. A repeated ``key``
        records nothing and returns the first credit's id."""
        ...

    def credits(self, customer_id: str, *, tx: Connection | None = None) -> list[AccountCredit]:
        """The customer's account credits, oldest first (used-up ones too: ``remaining_cents`` 0)."""
        ...

    # Billing disputes

    def disputes(
        self, *, invoice_id: str | None = None, charge_id: str | None = None, tx: Connection | None = None
    ) -> list[Dispute]:
        """Disputes of an invoice or a charge, oldest first."""
        ...

    def lock_dispute(self, dispute_id: str, customer_id: str, *, tx: Connection) -> Dispute | None:
        """The customer's dispute, held until ``tx`` ends."""
        ...

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
        """Record an open dispute (a disputed invoice becomes ``disputed``, its status kept); its id."""
        ...

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
        """Close a dispute as upheld or rejected."""
        ...


def payments_backend(store: BusinessStore) -> PaymentsBackend:
    """The configured payment system: ``SUPPORTGRAPH_PAYMENTS_BACKEND`` if set, else the store's own tables."""
    # inside: tools.payments.sql_payments imports this module's types
    from tools.payments.sql_payments import SqlPayments

    return configured_backend(store, "payments", SqlPayments)
