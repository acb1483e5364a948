"""Every business system behind an interface: implementations conform, and another one plugs in by configuration.

The in-memory doubles (tests/tools/doubles.py) stand in for a company's own systems. The tools run
unchanged on them, keep their policy (the double holds data, not rules) and keep their idempotency.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, cast

import pytest
from sqlalchemy import func, select

from tests.tools.conftest import REFERENCE_TIME, make_ctx
from tests.tools.doubles import Memory, MemoryKb, MemoryOrders, MemoryPayments, MemoryTicketing
from tests.tools.helpers import Call
from tools.base import System
from tools.crm.backend import CrmBackend
from tools.crm.http_crm import HttpCrm
from tools.crm.sql_crm import SqlCrm
from tools.kb.backend import KbBackend
from tools.kb.sql_kb import SqlKb
from tools.orders.backend import Order, OrderLine, OrdersBackend, ShippingAddress
from tools.orders.sql_orders import SqlOrders
from tools.payments.backend import Charge, PaymentMethod, PaymentsBackend
from tools.payments.sql_payments import SqlPayments
from tools.store import BusinessStore
from tools.store.schema import operations, refunds, tickets
from tools.systems import BackendConfigError, backend_env, configured_backend
from tools.ticketing.backend import TicketingBackend
from tools.ticketing.sql_ticketing import SqlTicketing

# The doubles keep nothing in the store, so one database kind is enough for them.
sqlite_only = pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)


def _methods(protocol: type) -> list[str]:
    return [name for name, value in vars(protocol).items() if inspect.isfunction(value) and not name.startswith("_")]


def _shape(function: Any) -> list[tuple[str, Any, bool]]:
    params = list(inspect.signature(function).parameters.values())[1:]  # without self
    return [(p.name, p.kind, p.default is inspect.Parameter.empty) for p in params]


@pytest.mark.parametrize(
    ("protocol", "implementation"),
    [
        (CrmBackend, SqlCrm),
        (CrmBackend, HttpCrm),
        (OrdersBackend, SqlOrders),
        (OrdersBackend, MemoryOrders),
        (PaymentsBackend, SqlPayments),
        (PaymentsBackend, MemoryPayments),
        (TicketingBackend, SqlTicketing),
        (TicketingBackend, MemoryTicketing),
        (KbBackend, SqlKb),
        (KbBackend, MemoryKb),
    ],
)
def test_every_implementation_has_its_interfaces_methods(protocol: type, implementation: type) -> None:
    methods = _methods(protocol)
    assert methods, protocol
    for name in methods:
        assert hasattr(implementation, name), f"{implementation.__name__} lacks {name}"
        assert _shape(getattr(implementation, name)) == _shape(getattr(protocol, name)), name


def test_a_misconfigured_backend_is_an_outage_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    store = cast(BusinessStore, None)
    for spec in ("tests.tools.doubles", "tests.tools.no_such_module:factory", "tests.tools.doubles:no_such"):
        monkeypatch.setenv(backend_env("orders"), spec)
        with pytest.raises(BackendConfigError, match="SUPPORTGRAPH_ORDERS_BACKEND"):
            configured_backend(store, "orders", SqlOrders)


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch) -> Iterator[Memory]:
    Memory.current = Memory()
    yield Memory.current
    Memory.current = None


def plug(monkeypatch: pytest.MonkeyPatch, system: System, factory: str) -> None:
    monkeypatch.setenv(backend_env(system), f"tests.tools.doubles:{factory}")


def _count(store: BusinessStore, table: Any) -> int:
    with store.db.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@sqlite_only
@pytest.mark.read_only
def test_kb_tools_read_the_configured_knowledge_base(
    call: Call, memory: Memory, monkeypatch: pytest.MonkeyPatch
) -> None:
    plug(monkeypatch, "kb", "memory_kb")
    found = call("search_articles", make_ctx(None), query="watch will not pair", mode="keyword")
    assert found.ok and [a["id"] for a in found.data["articles"]] == ["KB-901"]
    article = call("get_article", make_ctx(None), article_id="KB-902")
    assert article.ok and article.data["tags"] == ["gifts"]
    guides = call("troubleshoot", make_ctx(None), products=["orbit watch", "Nimbus Smart Speaker"])
    assert guides.ok, guides.error
    assert guides.data["guides"][0]["steps"] == ["Hold the crown for 10 seconds.", "Pair the watch again in the app."]
    assert guides.data["unknown"] == ["Nimbus Smart Speaker"]  # sold by the demo store only


@sqlite_only
def test_ticketing_tools_write_to_the_configured_system(
    call: Call, store: BusinessStore, memory: Memory, monkeypatch: pytest.MonkeyPatch
) -> None:
    plug(monkeypatch, "ticketing", "memory_ticketing")
    before = _count(store, tickets)
    ctx = make_ctx("C0001", step="open")
    opened = call("create_ticket", ctx, subject="Watch strap broke", description="Strap snapped.", priority="low")
    assert opened.ok and opened.data["ticket_id"] == "T-900"
    assert (
        call("create_ticket", ctx, subject="Watch strap broke", description="Strap snapped.", priority="low") == opened
    )
    assert [c for c in memory.calls if c[0] == "create_ticket"] == [("create_ticket", "thread-1:open")]
    raised = call("update_ticket", make_ctx("C0001"), ticket_id="T-900", priority="urgent", note="customer waiting")
    assert raised.ok and raised.data["sla_due_at"] == (REFERENCE_TIME + timedelta(hours=1)).isoformat()
    stranger = call("update_ticket", make_ctx("C0002", thread="thread-2"), ticket_id="T-900", status="closed")
    assert stranger.error == "Error: ticket T-900 was not found."  # the access rule stays in the tool
    handed = call("handoff_to_queue", make_ctx("C0001"), ticket_id="T-900", queue="technical", reason="needs a tech")
    assert handed.ok and memory.tickets.tickets["T-900"].queue == "technical"
    assert [kind for _, kind, _ in memory.tickets.events] == ["created", "priority", "note", "handoff"]
    assert _count(store, tickets) == before


def _order(order_id: int, status: str) -> Order:
    return Order(
        order_id=order_id,
        customer_id="C0001",
        status=status,
        placed_at=REFERENCE_TIME - timedelta(days=order_id - 50000),
        total_cents=12900,
        ship_to=ShippingAddress(
            name="Ada", line1="1 Main St", line2=None, city="Austin", zip_code="73301", country="US"
        ),
        payment_method_id="pm_x",
    )


@sqlite_only
def test_order_tools_run_on_the_configured_order_system(
    call: Call, store: BusinessStore, memory: Memory, monkeypatch: pytest.MonkeyPatch
) -> None:
    plug(monkeypatch, "orders", "memory_orders")
    memory.orders.orders = {50001: _order(50001, "pending"), 50002: _order(50002, "shipped")}
    listed = call("list_orders", make_ctx("C0001"))
    assert [o["order_id"] for o in listed.data["orders"]] == [50001, 50002]
    assert call("get_order", make_ctx("C0002"), order_id=50001).error == (
        "Error: order 50001 was not found on your account."
    )
    address = {"line1": "9 Elm St", "city": "Austin", "zip_code": "73301"}
    moved = call("change_shipping_address", make_ctx("C0001"), order_id=50001, **address)
    assert moved.ok and memory.orders.orders[50001].ship_to.line1 == "9 Elm St"
    late = call("change_shipping_address", make_ctx("C0001"), order_id=50002, **address)
    assert late.error == (
        "Error: order 50002 is shipped; the shipping address can only be changed while an order is pending or "
        "processing."
    )
    shipped = call("cancel_order", make_ctx("C0001"), order_id=50002)
    assert shipped.error == "Error: order 50002 is shipped; only pending orders can be cancelled."
    cancelled = call("cancel_order", make_ctx("C0001"), order_id=50001)
    assert cancelled.ok and memory.orders.orders[50001].status == "cancelled"
    # A refusal of the company's system reaches the reasoner as a sentence, and nothing is recorded.
    line = OrderLine(
        line_id=1,
        product_id="P901",
        product_name="Orbit Watch",
        quantity=1,
        unit_price_cents=12900,
        line_total_cents=12900,
    )
    memory.orders.orders[50003] = dataclasses.replace(_order(50003, "pending"), items=(line,))
    recorded = _count(store, operations)
    refused = call("modify_order", make_ctx("C0001"), order_id=50003, product_id="P901", quantity=2)
    assert refused.error == "Error: this order system does not change quantities; cancel and reorder instead."
    assert _count(store, operations) == recorded and memory.orders.orders[50003].items == (line,)


@sqlite_only
def test_refunds_move_money_in_the_configured_payment_system(
    call: Call, store: BusinessStore, memory: Memory, monkeypatch: pytest.MonkeyPatch
) -> None:
    plug(monkeypatch, "payments", "memory_payments")
    memory.payments.charge_list = [
        Charge(
            charge_id="ch_mem_1",
            customer_id="C0001",
            order_id=10004,
            invoice_id=None,
            payment_method_id="pm_mem",
            payment_method="card ending 4242",
            amount_cents=5000,
            refunded_cents=0,
            status="succeeded",
            created_at=REFERENCE_TIME - timedelta(days=3),
        )
    ]
    memory.payments.methods["C0001"] = [
        PaymentMethod(payment_method_id="pm_mem", kind="card", default=True, brand="visa", card_last4="4242")
    ]
    store_refunds = _count(store, refunds)
    ctx = make_ctx("C0001", step="refund-once")
    first = call("refund_order", ctx, order_id=10004, amount="20.00", reason="scratched case")
    assert first.ok, first.error
    assert call("refund_order", ctx, order_id=10004, amount="20.00", reason="scratched case") == first
    assert [r.amount_cents for r in memory.payments.refund_list] == [2000]
    # Each part of a refund carries its own key (step and charge), so a payment provider can deduplicate it.
    assert memory.calls == [("refund", "thread-1:refund-once:ch_mem_1")]
    too_much = call("refund_order", make_ctx("C0001"), order_id=10004, amount="40.00", reason="more")
    assert too_much.error == "Error: only $30.00 of order 10004 is still refundable; $40.00 is too much."
    status = call("get_refund_status", make_ctx("C0001"), order_id=10004)
    assert status.data["remaining_refundable"] == 30.0
    methods = call("list_payment_methods", make_ctx("C0001"))
    assert methods.data["payment_methods"] == [
        {"payment_method_id": "pm_mem", "kind": "card", "default": True, "brand": "visa", "last4": "4242"}
    ]
    assert _count(store, refunds) == store_refunds


@pytest.mark.read_only
def test_the_sql_payment_system_never_refunds_a_charge_below_zero(store: BusinessStore) -> None:
    payments = SqlPayments(store)
    charge = payments.charges(order_id=10004)[0]
    with store.db.begin() as conn, pytest.raises(Exception, match=r"only \$14.99 of charge .* is left to refund"):
        payments.refund(
            charge.charge_id,
            charge.refundable_cents + 1,
            reason="too much",
            approved_by=None,
            to_gift_card_of=None,
            tx=conn,
            key="k",
            now=REFERENCE_TIME,
        )
