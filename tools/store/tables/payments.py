"""Payment tables: payment methods, subscriptions, invoices, charges, refunds, account credit and billing disputes."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Column, ForeignKey, String, Table, text

from tools.store.tables.base import UTCDateTime, metadata

payment_methods = Table(
    "payment_methods",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("customer_id", String(16), ForeignKey("customers.id"), nullable=False, index=True),
    Column("kind", String(16), CheckConstraint("kind IN ('card', 'paypal', 'gift_card')"), nullable=False),
    Column("brand", String(20), nullable=True),
    Column("card_last4", String(4), nullable=True),
    Column("paypal_email", String(254), nullable=True),
    Column("balance_cents", BigInteger, CheckConstraint("balance_cents >= 0"), nullable=True),
    Column("is_default", Boolean, nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("customer_id", String(16), ForeignKey("customers.id"), nullable=False, index=True),
    Column("plan_id", String(16), ForeignKey("plans.id"), nullable=False),
    Column(
        "status", String(16), CheckConstraint("status IN ('active', 'past_due', 'cancelled')"), nullable=False
    ),
    Column("started_at", UTCDateTime, nullable=False),
    Column("renews_at", UTCDateTime, nullable=True),
    Column("cancelled_at", UTCDateTime, nullable=True),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("customer_id", String(16), ForeignKey("customers.id"), nullable=False, index=True),
    Column("subscription_id", String(16), ForeignKey("subscriptions.id"), nullable=True),
    Column("amount_cents", BigInteger, CheckConstraint("amount_cents >= 0"), nullable=False),
    Column("status", String(16), CheckConstraint("status IN ('paid', 'open', 'disputed')"), nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("paid_at", UTCDateTime, nullable=True),
    # Account credit used up by this invoice; ``amount_cents`` is what is left to pay after it.
    Column("credit_applied_cents", BigInteger, nullable=False, default=0, server_default=text("0")),
)

charges = Table(
    "charges",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("customer_id", String(16), ForeignKey("customers.id"), nullable=False, index=True),
    Column("order_id", BigInteger, ForeignKey("orders.id"), nullable=True, index=True),
    Column("payment_method_id", String(16), ForeignKey("payment_methods.id"), nullable=False),
    Column("amount_cents", BigInteger, CheckConstraint("amount_cents > 0"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("invoice_id", String(16), ForeignKey("invoices.id"), nullable=True),  # membership payments
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("charge_id", String(16), ForeignKey("charges.id"), nullable=False, index=True),
    Column("order_id", BigInteger, ForeignKey("orders.id"), nullable=True, index=True),
    Column("amount_cents", BigInteger, CheckConstraint("amount_cents > 0"), nullable=False),
    Column("reason", String(500), nullable=False),  # a redacted note, never the customer's raw message
    Column("status", String(16), nullable=False),
    Column("approved_by", String(120), nullable=True),
    Column("operation_key", String(300), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    # NULL: back to the charge's payment method; otherwise the gift card credited (store credit).
    Column("destination_pm_id", String(16), ForeignKey("payment_methods.id"), nullable=True),
    # Why, as a code (tools/payments/ledger.py ReasonCode): order_cancelled refunds do not count toward the
    # approval limits, every other code does.
    Column("reason_code", String(32), nullable=False, server_default="other"),
)

# Account credit (a credit note): money owed to the customer that their next membership invoices use up,
# oldest first. ``remaining_cents`` is what is left of it; ``operation_key`` makes a retried write a no-op.
account_credits = Table(
    "account_credits",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("customer_id", String(16), ForeignKey("customers.id"), nullable=False, index=True),
    Column("amount_cents", BigInteger, CheckConstraint("amount_cents > 0"), nullable=False),
    Column("remaining_cents", BigInteger, nullable=False),
    Column("reason", String(500), nullable=False),
    Column("operation_key", String(300), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("remaining_cents >= 0 AND remaining_cents <= amount_cents", name="ck_account_credits_remaining"),
)

disputes = Table(
    "disputes",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("customer_id", String(16), ForeignKey("customers.id"), nullable=False, index=True),
    Column("invoice_id", String(16), ForeignKey("invoices.id"), nullable=True),
    Column("charge_id", String(16), ForeignKey("charges.id"), nullable=True),
    Column("ticket_id", String(16), ForeignKey("tickets.id"), nullable=False),
    Column("amount_cents", BigInteger, CheckConstraint("amount_cents > 0"), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("status", String(16), CheckConstraint("status IN ('open', 'upheld', 'rejected')"), nullable=False),
    Column("previous_invoice_status", String(16), nullable=True),
    Column("resolved_by", String(120), nullable=True),
    Column("resolution_note", String(500), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime, nullable=True),
)

