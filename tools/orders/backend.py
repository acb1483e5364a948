"""The order-management interface the order tools call, and the choice of implementation by configuration.

Tools hold the policy (only pending orders change, the return window, what may still be returned, the
approval limit); a backend only reads and writes orders. ``SqlOrders`` (the store's tables) is the
default; ``SUPPORTGRAPH_ORDERS_BACKEND`` names another (tools/systems.py). Money for orders moves through
``PaymentsBackend``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from tools.systems import configured_backend

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from tools.store import BusinessStore


@dataclass(frozen=True, kw_only=True)
class ShippingAddress:
    name: str
    line1: str
    line2: str | None
    city: str
    zip_code: str
    country: str


@dataclass(frozen=True, kw_only=True)
class OrderLine:
    """One item of an order; ``returned`` counts the units already returned or exchanged."""

    line_id: int
    product_id: str
    product_name: str
    quantity: int
    unit_price_cents: int
    line_total_cents: int
    returned: int = 0

    @property
    def returnable(self) -> int:
        return self.quantity - self.returned


@dataclass(frozen=True, kw_only=True)
class OrderSummary:
    """An order without its items: status (pending, processing, shipped, delivered, cancelled, returned)."""

    order_id: int
    customer_id: str
    status: str
    placed_at: datetime
    total_cents: int
    carrier: str | None = None
    tracking_number: str | None = None
    estimated_delivery: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class Order(OrderSummary):
    """An order with its items (ordered by line), where it ships and the payment method it was paid with."""

    ship_to: ShippingAddress
    payment_method_id: str
    items: tuple[OrderLine, ...] = field(default_factory=tuple)


@dataclass(frozen=True, kw_only=True)
class Product:
    product_id: str
    name: str
    family: str
    price_cents: int
    active: bool


@dataclass(frozen=True, kw_only=True)
class ReturnRecord:
    """What came back (``lines``: line id and units) and how it was settled, for ``record_return``."""

    order_id: int
    lines: tuple[tuple[int, int], ...]
    kind: str  # return or exchange
    status: str  # refunded or exchanged
    reason: str
    amount_cents: int
    refund_to: str | None  # original, gift_card or None
    replacement_order_id: int | None = None


class OrdersBackend(Protocol):
    """What the order tools need from an order-management system.

    Reads are scoped to ``customer_id`` and return ``None`` for an order that is not the customer's.
    Writes get ``tx`` (the tool's open transaction on the supportgraph store) and ``key`` (the step's
    idempotency key), as in ``CrmBackend``. ``lock_order`` holds the order until ``tx`` ends: it is what
    serialises two concurrent refunds, returns or changes of the same order, so a backend must lock for real
    (SqlOrders: ``SELECT … FOR UPDATE`` on Postgres; SQLite serialises writers anyway).
    """

    def get_order(self, order_id: int, customer_id: str, *, tx: Connection | None = None) -> Order | None: ...

    def lock_order(self, order_id: int, customer_id: str, *, tx: Connection) -> Order | None: ...

    def list_orders(
        self,
        customer_id: str,
        *,
        statuses: Sequence[str] | None = None,
        limit: int | None = None,
        tx: Connection | None = None,
    ) -> list[OrderSummary]:
        """The customer's orders, newest first, optionally only those with one of ``statuses``."""
        ...

    def get_product(self, product_id: str) -> Product | None: ...

    def set_status(self, order_id: int, status: str, *, tx: Connection, key: str, now: datetime) -> None:
        """Move the order to ``status`` (cancelled also records ``cancelled_at = now``)."""
        ...

    def set_shipping_address(self, order_id: int, address: ShippingAddress, *, tx: Connection, key: str) -> None: ...

    def set_quantity(self, order_id: int, line_id: int, quantity: int, *, tx: Connection, key: str) -> None:
        """Change a line's quantity (0 removes the line); the order total follows."""
        ...

    def record_return(self, record: ReturnRecord, *, tx: Connection, key: str, now: datetime) -> str:
        """Record a return or exchange; the order becomes returned once no unit is left. The return id."""
        ...

    def create_replacement(
        self, original: Order, product: Product, quantity: int, *, tx: Connection, key: str, now: datetime
    ) -> int:
        """A pending order of ``quantity`` × ``product`` to the original's address, linked to it. Its id."""
        ...


def orders_backend(store: BusinessStore) -> OrdersBackend:
    """The configured order system: ``SUPPORTGRAPH_ORDERS_BACKEND`` if set, else the store's own tables."""
    # inside: tools.orders.sql_orders imports this module's types
    from tools.orders.sql_orders import SqlOrders

    return configured_backend(store, "orders", SqlOrders)
