"""In-memory implementations of the business-system interfaces, plugged in through configuration by tests.

Each shows what a company's own backend looks like to the tools: plain objects that satisfy the Protocol in
``tools/<system>/backend.py``, no SQL. ``configured_backend`` calls a factory with the store; the factories
below hand out the double of the running test (``Memory.current``), set by the test's fixture.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Connection

from tools.base import BackendRefusal
from tools.kb.backend import Article, CatalogueProduct
from tools.orders.backend import Order, OrderSummary, Product, ReturnRecord, ShippingAddress
from tools.payments.backend import AccountCredit, Charge, Dispute, Invoice, PaymentMethod, Refund, Subscription
from tools.store import BusinessStore
from tools.ticketing.backend import Ticket, TicketChanges


class Memory:
    """The doubles of the running test; ``calls`` records (method, key) of every write, in order."""

    current: ClassVar[Memory | None] = None

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.kb = MemoryKb()
        self.tickets = MemoryTicketing(self)
        self.orders = MemoryOrders(self)
        self.payments = MemoryPayments(self)


def _memory() -> Memory:
    if Memory.current is None:
        raise RuntimeError("no in-memory backends set up for this test")
    return Memory.current


def memory_kb(store: BusinessStore) -> MemoryKb:
    return _memory().kb


def memory_ticketing(store: BusinessStore) -> MemoryTicketing:
    return _memory().tickets


def memory_orders(store: BusinessStore) -> MemoryOrders:
    return _memory().orders


def memory_payments(store: BusinessStore) -> MemoryPayments:
    return _memory().payments


class MemoryKb:
    GUIDE = "## Steps\n\n1. Hold the crown for 10 seconds.\n2. Pair the watch again in the app.\n"

    def articles(self) -> list[Article]:
        return [
            Article(
                article_id="KB-901", title="Orbit Watch will not pair", body=self.GUIDE, product_family="wearables"
            ),
            Article(article_id="KB-902", title="Gift wrapping", body="We wrap any order for $4.", tags=("gifts",)),
        ]

    def get_article(self, article_id: str) -> Article | None:
        return next((a for a in self.articles() if a.article_id == article_id), None)

    def catalogue(self) -> list[CatalogueProduct]:
        return [CatalogueProduct(product_id="P901", name="Orbit Watch", family="wearables")]

    def version(self) -> str:
        return "memory-kb-1"


class MemoryTicketing:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory
        self.tickets: dict[str, Ticket] = {}
        self.events: list[tuple[str, str, str]] = []

    def create(
        self,
        *,
        customer_id: str | None,
        thread_id: str,
        subject: str,
        description: str,
        queue: str,
        priority: str,
        sla_due_at: datetime,
        tx: Connection,
        key: str,
        now: datetime,
    ) -> Ticket:
        self.memory.calls.append(("create_ticket", key))
        ticket = Ticket(
            ticket_id=f"T-{900 + len(self.tickets)}",
            customer_id=customer_id,
            thread_id=thread_id,
            subject=subject,
            queue=queue,
            priority=priority,
            status="open",
            assignee=None,
            created_at=now,
            updated_at=now,
            sla_due_at=sla_due_at,
        )
        self.tickets[ticket.ticket_id] = ticket
        self.events.append((ticket.ticket_id, "created", subject))
        return ticket

    def lock(self, ticket_id: str, *, tx: Connection) -> Ticket | None:
        return self.tickets.get(ticket_id)

    def update(self, ticket_id: str, changes: TicketChanges, *, tx: Connection, key: str, now: datetime) -> None:
        self.memory.calls.append(("update_ticket", key))
        given = {f.name: getattr(changes, f.name) for f in dataclasses.fields(changes) if f.name != "unassign"}
        new = {name: value for name, value in given.items() if value is not None}
        if changes.unassign:
            new["assignee"] = None
        self.tickets[ticket_id] = dataclasses.replace(self.tickets[ticket_id], updated_at=now, **new)

    def add_event(
        self, ticket_id: str, kind: str, detail: str, *, actor: str, tx: Connection, key: str, now: datetime
    ) -> None:
        self.events.append((ticket_id, kind, detail))

    def open_tickets(
        self,
        customer_id: str,
        *,
        queue: str | None = None,
        subject: str | None = None,
        tx: Connection | None = None,
    ) -> Sequence[Ticket]:
        return [
            t
            for t in self.tickets.values()
            if t.customer_id == customer_id
            and t.status in ("open", "pending")
            and queue in (None, t.queue)
            and subject in (None, t.subject)
        ]


class MemoryOrders:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory
        self.orders: dict[int, Order] = {}

    def get_order(self, order_id: int, customer_id: str, *, tx: Connection | None = None) -> Order | None:
        order = self.orders.get(order_id)
        return order if order is not None and order.customer_id == customer_id else None

    def lock_order(self, order_id: int, customer_id: str, *, tx: Connection) -> Order | None:
        return self.get_order(order_id, customer_id)

    def list_orders(
        self,
        customer_id: str,
        *,
        statuses: Sequence[str] | None = None,
        limit: int | None = None,
        tx: Connection | None = None,
    ) -> list[OrderSummary]:
        mine = [o for o in self.orders.values() if o.customer_id == customer_id]
        mine = [o for o in mine if statuses is None or o.status in statuses]
        return sorted(mine, key=lambda o: (o.placed_at, o.order_id), reverse=True)[:limit]

    def get_product(self, product_id: str) -> Product | None:
        return None

    def _replace(self, order_id: int, **changes: Any) -> None:
        self.orders[order_id] = dataclasses.replace(self.orders[order_id], **changes)

    def set_status(self, order_id: int, status: str, *, tx: Connection, key: str, now: datetime) -> None:
        self.memory.calls.append(("set_status", key))
        self._replace(order_id, status=status, **({"cancelled_at": now} if status == "cancelled" else {}))

    def set_shipping_address(self, order_id: int, address: ShippingAddress, *, tx: Connection, key: str) -> None:
        self.memory.calls.append(("set_shipping_address", key))
        self._replace(order_id, ship_to=address)

    def set_quantity(self, order_id: int, line_id: int, quantity: int, *, tx: Connection, key: str) -> None:
        raise BackendRefusal("Error: this order system does not change quantities; cancel and reorder instead.")

    def record_return(self, record: ReturnRecord, *, tx: Connection, key: str, now: datetime) -> str:
        raise BackendRefusal("Error: this order system takes returns at the counter only.")

    def create_replacement(
        self, original: Order, product: Product, quantity: int, *, tx: Connection, key: str, now: datetime
    ) -> int:
        raise BackendRefusal("Error: this order system does not ship replacements.")


class MemoryPayments:
    """Charges and refunds in memory; membership billing is not part of this company's payment system."""

    def __init__(self, memory: Memory) -> None:
        self.memory = memory
        self.charge_list: list[Charge] = []
        self.refund_list: list[Refund] = []
        self.methods: dict[str, list[PaymentMethod]] = {}

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
        wanted = {"customer_id": customer_id, "order_id": order_id, "invoice_id": invoice_id, "charge_id": charge_id}
        return [
            c
            for c in self.charge_list
            if all(value is None or getattr(c, name) == value for name, value in wanted.items())
            and (not membership_only or c.invoice_id is not None)
        ]

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
        raise BackendRefusal("Error: this payment system only charges at checkout.")

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
        self.memory.calls.append(("refund", key))
        index, charge = next((i, c) for i, c in enumerate(self.charge_list) if c.charge_id == charge_id)
        if amount_cents > charge.refundable_cents:
            raise BackendRefusal(f"Error: charge {charge_id} has less left than that.")
        self.charge_list[index] = dataclasses.replace(charge, refunded_cents=charge.refunded_cents + amount_cents)
        refund = Refund(
            refund_id=f"mem_re_{len(self.refund_list) + 1}",
            charge_id=charge_id,
            order_id=charge.order_id,
            amount_cents=amount_cents,
            reason=reason,
            status="succeeded",
            approved_by=approved_by,
            created_at=now,
            payment_method_id=charge.payment_method_id,
            reason_code=reason_code,
            customer_id=charge.customer_id,
        )
        self.refund_list.append(refund)
        return refund

    def refunds(self, order_id: int, *, tx: Connection | None = None) -> list[Refund]:
        return [r for r in self.refund_list if r.order_id == order_id]

    def customer_refunds(self, customer_id: str, *, since: datetime, tx: Connection | None = None) -> list[Refund]:
        return [r for r in self.refund_list if r.customer_id == customer_id and r.created_at >= since]

    def payment_methods(self, customer_id: str) -> list[PaymentMethod]:
        return self.methods.get(customer_id, [])

    def invoices(self, customer_id: str, *, status: str | None = None, limit: int = 12) -> list[Invoice]:
        return []

    def get_invoice(
        self, invoice_id: str, customer_id: str, *, lock: bool = False, tx: Connection | None = None
    ) -> Invoice | None:
        return None

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
        raise BackendRefusal("Error: memberships are billed elsewhere.")

    def set_invoice_status(
        self, invoice_id: str, status: str, *, paid_at: datetime | None = None, tx: Connection, key: str
    ) -> None:
        raise BackendRefusal("Error: memberships are billed elsewhere.")

    def subscriptions(self, customer_id: str, *, tx: Connection | None = None) -> list[Subscription]:
        return []

    def start_subscription(
        self, customer_id: str, plan_id: str, *, renews_at: datetime, tx: Connection, key: str, now: datetime
    ) -> str:
        raise BackendRefusal("Error: memberships are billed elsewhere.")

    def change_subscription_plan(self, subscription_id: str, plan_id: str, *, tx: Connection, key: str) -> None:
        raise BackendRefusal("Error: memberships are billed elsewhere.")

    def cancel_subscription(self, subscription_id: str, *, tx: Connection, key: str, now: datetime) -> None:
        raise BackendRefusal("Error: memberships are billed elsewhere.")

    def add_credit(
        self, customer_id: str, amount_cents: int, *, reason: str, tx: Connection, key: str, now: datetime
    ) -> str:
        raise BackendRefusal("Error: memberships are billed elsewhere.")

    def credits(self, customer_id: str, *, tx: Connection | None = None) -> list[AccountCredit]:
        return []

    def disputes(
        self, *, invoice_id: str | None = None, charge_id: str | None = None, tx: Connection | None = None
    ) -> list[Dispute]:
        return []

    def lock_dispute(self, dispute_id: str, customer_id: str, *, tx: Connection) -> Dispute | None:
        return None

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
        raise BackendRefusal("Error: disputes go through the card issuer for this company.")

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
        raise BackendRefusal("Error: disputes go through the card issuer for this company.")
