"""Order tools: look-ups scoped to the verified customer, cancellation and address changes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from tests.tools.conftest import make_ctx, row_counts
from tools.base import ToolResult
from tools.store import BusinessStore
from tools.store.schema import orders, refunds

Call = Callable[..., ToolResult]


@pytest.mark.read_only
def test_get_order_with_tracking(call: Call) -> None:
    r = call("get_order", make_ctx("C0001"), order_id=10003)
    assert r.ok and r.data is not None
    d = r.data
    assert (d["status"], d["carrier"], d["tracking_number"]) == ("shipped", "UPS", "1Z999AA10123456784")
    assert d["estimated_delivery"].startswith("2025-06-04T12:00:00")
    assert d["items"] == [
        {
            "product_id": d["items"][0]["product_id"],
            "name": "Nimbus Smart Speaker",
            "quantity": 1,
            "unit_price": 129.0,
            "line_total": 129.0,
            "returned": 0,
        }
    ]
    assert d["total"] == 129.0 and d["shipping_address"]["zip_code"] == "94107"


@pytest.mark.read_only
def test_get_order_of_someone_else_is_not_found(call: Call) -> None:
    r = call("get_order", make_ctx("C0002"), order_id=10003)
    assert not r.ok and r.error == "Error: order 10003 was not found on your account."
    r = call("get_order", make_ctx("C0001"), order_id=99999)
    assert r.error == "Error: order 99999 was not found on your account."


@pytest.mark.read_only
def test_list_orders(call: Call) -> None:
    r = call("list_orders", make_ctx("C0001"))
    assert r.ok and r.data is not None
    assert [o["order_id"] for o in r.data["orders"]] == [10001, 10003, 10004, 10002]
    r = call("list_orders", make_ctx("C0001"), status="delivered", limit=1)
    assert r.data is not None and [o["order_id"] for o in r.data["orders"]] == [10004]
    assert not call("list_orders", make_ctx("C0001"), limit=21).ok


def test_cancel_pending_order_refunds_in_full(call: Call, store: BusinessStore) -> None:
    r = call("cancel_order", make_ctx("C0001"), order_id=10001)
    assert r.ok and r.data is not None and r.data["status"] == "cancelled" and r.data["refunded"] == 39.99
    with store.db.begin() as conn:
        assert conn.execute(select(orders.c.status).where(orders.c.id == 10001)).scalar_one() == "cancelled"
        rows = conn.execute(select(refunds).where(refunds.c.order_id == 10001)).all()
    assert [(x.amount_cents, x.charge_id) for x in rows] == [(3999, r.data["refunds"][0]["charge_id"])]
    again = call("cancel_order", make_ctx("C0001"), order_id=10001)
    assert again.error == "Error: order 10001 is cancelled; only pending orders can be cancelled."


def test_cancel_refusals_write_nothing(call: Call, store: BusinessStore) -> None:
    before = row_counts(store)
    r = call("cancel_order", make_ctx("C0001"), order_id=10003)
    assert r.error == "Error: order 10003 is shipped; only pending orders can be cancelled."
    r = call("cancel_order", make_ctx("C0001"), order_id=10006)
    assert r.error == "Error: order 10006 was not found on your account."
    assert row_counts(store) == before


def test_change_shipping_address(call: Call, store: BusinessStore) -> None:
    r = call(
        "change_shipping_address",
        make_ctx("C0003"),
        order_id=10006,
        line1="1 Wacker Dr",
        city="Chicago",
        zip_code="60606",
    )
    assert r.ok and r.data is not None and r.data["shipping_address"]["line1"] == "1 Wacker Dr"
    with store.db.begin() as conn:
        assert conn.execute(select(orders.c.ship_zip).where(orders.c.id == 10006)).scalar_one() == "60606"
    before = row_counts(store)
    shipped = call(
        "change_shipping_address",
        make_ctx("C0001"),
        order_id=10003,
        line1="2 Main St",
        city="Oakland",
        zip_code="94607",
    )
    assert not shipped.ok and "order 10003 is shipped" in (shipped.error or "")
    assert row_counts(store) == before
