"""The business store: the deterministic demo company and its invariants (the lifecycle: test_store_lifecycle.py)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from foundation.db import Database
from tests.tools.conftest import REFERENCE_TIME, TEST_CUSTOMERS
from tools.store import BusinessStore, close_store, prepare_demo_store
from tools.store import schema as s
from tools.store.lifecycle import seed_if_empty, upgrade_store

SNAPSHOT_TABLES = (
    "customers",
    "addresses",
    "payment_methods",
    "orders",
    "order_items",
    "charges",
    "refunds",
    "invoices",
    "subscriptions",
    "tickets",
    "products",
    "plans",
)


def _snapshot(store: BusinessStore) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with store.db.begin() as conn:
        for name in SNAPSHOT_TABLES:
            table = s.metadata.tables[name]
            cols = [c for c in table.c if c.name != "id" or name not in ("addresses", "order_items")]
            rows = conn.execute(select(*cols).order_by(*table.primary_key.columns)).all()
            out[name] = [tuple(r) for r in rows]
    return out


@pytest.mark.read_only
def test_seed_is_deterministic_and_identical_on_both_databases(store: BusinessStore, tmp_path: Path) -> None:
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    other = prepare_demo_store(other_url, customers=TEST_CUSTOMERS, reference_time=REFERENCE_TIME)
    try:
        assert _snapshot(store) == _snapshot(other)
    finally:
        close_store(other_url)
    assert store.reference_time == REFERENCE_TIME
    assert store.seed == 7


def test_reopening_does_not_reseed(store: BusinessStore, database_url: str) -> None:
    with store.db.begin() as conn:
        before = conn.execute(select(func.count()).select_from(s.orders)).scalar_one()
    close_store(database_url)
    again = prepare_demo_store(database_url, customers=TEST_CUSTOMERS)
    with again.db.begin() as conn:
        assert conn.execute(select(func.count()).select_from(s.orders)).scalar_one() == before
    assert again.reference_time == REFERENCE_TIME


def test_concurrent_first_open_seeds_once(empty_database_url: str) -> None:
    upgrade_store(empty_database_url)
    dbs = [Database(empty_database_url), Database(empty_database_url)]
    errors: list[BaseException] = []

    def _open(db: Database) -> None:
        try:
            seed_if_empty(db, 7, 10, REFERENCE_TIME)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=_open, args=(db,)) for db in dbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        with dbs[0].begin() as conn:
            assert conn.execute(select(func.count()).select_from(s.customers)).scalar_one() == 10
            assert conn.execute(select(func.count()).where(s.orders.c.id == 10001)).scalar_one() == 1
    finally:
        for db in dbs:
            db.dispose()


@pytest.mark.read_only
def test_demo_invariants(store: BusinessStore) -> None:
    with store.db.begin() as conn:
        orders = {r.id: r for r in conn.execute(select(s.orders))}
        customers = {r.id for r in conn.execute(select(s.customers.c.id))}
        item_sums: dict[int, int] = {}
        for r in conn.execute(select(s.order_items)):
            assert r.line_total_cents == r.quantity * r.unit_price_cents
            item_sums[r.order_id] = item_sums.get(r.order_id, 0) + r.line_total_cents
        charges = conn.execute(select(s.charges).where(s.charges.c.order_id.is_not(None))).all()
        invoices = {r.id: r for r in conn.execute(select(s.invoices))}
        for c in conn.execute(select(s.charges).where(s.charges.c.order_id.is_(None))):
            assert invoices[c.invoice_id].status == "paid"  # membership payments
            assert c.amount_cents == invoices[c.invoice_id].amount_cents
        refunded: dict[str, int] = {}
        for r in conn.execute(select(s.refunds)):
            assert r.amount_cents > 0
            refunded[r.charge_id] = refunded.get(r.charge_id, 0) + r.amount_cents
        balances = (
            conn.execute(
                select(s.payment_methods.c.balance_cents).where(s.payment_methods.c.kind == "gift_card")
            )
            .scalars()
            .all()
        )
        kb = conn.execute(select(func.count()).select_from(s.kb_articles)).scalar_one()
    assert len(customers) == TEST_CUSTOMERS
    assert min(orders) == 10001 and len(orders) > TEST_CUSTOMERS
    for oid, order in orders.items():
        assert order.customer_id in customers
        assert order.total_cents == item_sums[oid] > 0
        if order.status in ("delivered", "returned"):
            assert order.placed_at <= order.shipped_at <= order.delivered_at <= REFERENCE_TIME
    charged_orders = {c.order_id for c in charges}
    assert charged_orders == set(orders)  # every order is paid
    for c in charges:
        assert c.amount_cents == orders[c.order_id].total_cents
        assert refunded.get(c.id, 0) <= c.amount_cents
        if orders[c.order_id].status in ("cancelled", "returned"):
            assert refunded.get(c.id, 0) == c.amount_cents
    assert all(b is not None and b >= 0 for b in balances)
    assert kb >= 3


@pytest.mark.read_only
def test_fixed_demo_customers(store: BusinessStore) -> None:
    ref = REFERENCE_TIME
    with store.db.begin() as conn:
        cust = {
            r.id: r
            for r in conn.execute(
                select(s.customers).where(s.customers.c.id.in_(["C0001", "C0002", "C0003", "C0004"]))
            )
        }
        orders = {r.id: r for r in conn.execute(select(s.orders).where(s.orders.c.id <= 10006))}
        items = {
            r.order_id: r
            for r in conn.execute(select(s.order_items).where(s.order_items.c.order_id <= 10006))
        }
        charged = {r.order_id for r in conn.execute(select(s.charges).where(s.charges.c.order_id <= 10006))}
        refunds = conn.execute(select(s.refunds).where(s.refunds.c.order_id <= 10006)).all()
        invoices = {
            r.id: r for r in conn.execute(select(s.invoices).where(s.invoices.c.customer_id == "C0002"))
        }
        subs = conn.execute(select(s.subscriptions).where(s.subscriptions.c.customer_id == "C0002")).all()
        first_random = conn.execute(select(func.min(s.orders.c.id)).where(s.orders.c.id > 10006)).scalar_one()
    maya = cust["C0001"]
    assert (maya.name, maya.email, maya.zip_code, maya.card_last4, maya.plan_id, maya.newsletter) == (
        "Maya Chen",
        "maya.chen@example.com",
        "94107",
        "4242",
        "plus",
        False,
    )
    jonas = cust["C0002"]
    assert (jonas.name, jonas.email, jonas.zip_code, jonas.card_last4, jonas.plan_id) == (
        "Jonas Weber",
        "jonas.weber@example.com",
        "10115",
        "1881",
        "pro",
    )
    assert [x.status for x in subs] == ["active"]
    assert (invoices["INV-20001"].status, invoices["INV-20001"].amount_cents) == ("open", 5999)
    assert (invoices["INV-20002"].status, invoices["INV-20002"].amount_cents) == ("paid", 5999)
    a1, a2 = cust["C0003"], cust["C0004"]
    assert (a1.name, a1.email, a1.zip_code, a1.card_last4, a1.plan_id) == (
        "Amara Okafor",
        "amara.okafor@example.com",
        "60601",
        "0005",
        "basic",
    )
    assert (a2.name, a2.email, a2.zip_code, a2.card_last4) == (
        "Amara Okafor",
        "amara.o@example.net",
        "60601",
        "0005",
    )
    expected = {
        10001: ("C0001", "pending", "USB-C Charger 65W", 3999),
        10002: ("C0001", "delivered", "Aurora ANC Headphones", 34999),
        10003: ("C0001", "shipped", "Nimbus Smart Speaker", 12900),
        10004: ("C0001", "delivered", "HDMI Cable 2m", 1499),
        10005: ("C0002", "delivered", "Pixel Buds Case", 2499),
        10006: ("C0003", "processing", "Lumen 4K TV 55in", 49900),
    }
    for oid, (cid, status, product, price) in expected.items():
        o = orders[oid]
        assert (o.customer_id, o.status, o.total_cents) == (cid, status, price)
        assert (items[oid].product_name, items[oid].quantity, items[oid].unit_price_cents) == (
            product,
            1,
            price,
        )
    assert charged == set(expected) and refunds == []
    assert orders[10001].placed_at == ref - timedelta(days=1)
    assert orders[10002].delivered_at == ref - timedelta(days=5)
    o3 = orders[10003]
    assert (o3.carrier, o3.tracking_number) == ("UPS", "1Z999AA10123456784")
    assert o3.shipped_at == ref - timedelta(days=2) and o3.estimated_delivery == ref + timedelta(days=2)
    assert orders[10004].delivered_at == ref - timedelta(days=3)
    assert orders[10005].delivered_at == ref - timedelta(days=40)
    assert first_random == 10007
