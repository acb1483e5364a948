"""modify_order, return_items, exchange_item and gift-card refunds: success, refusals, replay, races."""

from __future__ import annotations

import threading

from sqlalchemy import insert, select, update

from tests.tools.conftest import REFERENCE_TIME, make_ctx, row_counts
from tests.tools.helpers import Call, assert_replay_is_idempotent, charged_cents, refunded_cents
from tools.store import BusinessStore
from tools.store.schema import charges, order_items, orders, payment_methods, return_lines, returns


def _gift_balance(store: BusinessStore, customer_id: str) -> int:
    with store.db.begin() as conn:
        return sum(
            b or 0
            for b in conn.execute(
                select(payment_methods.c.balance_cents).where(
                    payment_methods.c.customer_id == customer_id, payment_methods.c.kind == "gift_card"
                )
            ).scalars()
        )


def test_modify_pending_order_charges_and_refunds_the_difference(call: Call, store: BusinessStore) -> None:
    up = call("modify_order", make_ctx("C0001"), order_id=10001, product_id="P001", quantity=3)
    assert up.ok and up.data is not None and up.data["charged"] == 79.98 and up.data["order"]["total"] == 119.97
    down = call("modify_order", make_ctx("C0001"), order_id=10001, product_id="P001", quantity=2)
    assert down.ok and down.data is not None and down.data["refunded"] == 39.99
    assert charged_cents(store, 10001) - refunded_cents(store, 10001) == 7998
    before = row_counts(store)
    refusals = {
        "same": call("modify_order", make_ctx("C0001"), order_id=10001, product_id="P001", quantity=2),
        "empty": call("modify_order", make_ctx("C0001"), order_id=10001, product_id="P001", quantity=0),
        "absent": call("modify_order", make_ctx("C0001"), order_id=10001, product_id="P002", quantity=1),
        "shipped": call("modify_order", make_ctx("C0001"), order_id=10003, product_id="P003", quantity=2),
        "other": call("modify_order", make_ctx("C0002"), order_id=10001, product_id="P001", quantity=1),
    }
    assert refusals["same"].error == "Error: order 10001 already has 2 of USB-C Charger 65W."
    assert "would leave an empty order. Cancel the order instead" in (refusals["empty"].error or "")
    assert refusals["absent"].error == "Error: product P002 is not on order 10001."
    assert refusals["shipped"].error == "Error: order 10003 is shipped; only pending orders can be changed."
    assert refusals["other"].error == "Error: order 10001 was not found on your account."
    assert row_counts(store) == before


def test_modify_removes_one_item_of_several(call: Call, store: BusinessStore) -> None:
    with store.db.begin() as conn:  # give pending order 10001 a second item, paid by a second charge
        conn.execute(
            insert(order_items).values(
                order_id=10001,
                product_id="P004",
                product_name="HDMI Cable 2m",
                quantity=1,
                unit_price_cents=1499,
                line_total_cents=1499,
            )
        )
        conn.execute(update(orders).where(orders.c.id == 10001).values(total_cents=orders.c.total_cents + 1499))
        conn.execute(
            insert(charges).values(
                id="ch_999999",
                customer_id="C0001",
                order_id=10001,
                payment_method_id="pm_000001",
                amount_cents=1499,
                status="succeeded",
                created_at=REFERENCE_TIME,
            )
        )
    r = assert_replay_is_idempotent(call, store, "modify_order", "C0001", order_id=10001, product_id="P001", quantity=0)
    assert r.data is not None and r.data["refunded"] == 39.99
    assert [i["product_id"] for i in r.data["order"]["items"]] == ["P004"] and r.data["order"]["total"] == 14.99
    assert charged_cents(store, 10001) - refunded_cents(store, 10001) == 1499


def test_return_items_to_gift_card_then_the_rest(call: Call, store: BusinessStore) -> None:
    balance = _gift_balance(store, "C0001")
    r = assert_replay_is_idempotent(
        call,
        store,
        "return_items",
        "C0001",
        order_id=10004,
        items=[{"product_id": "P004"}],
        reason="not needed",
        to_gift_card=True,
    )
    assert r.data is not None and r.data["refunded"] == 14.99 and r.data["refund_to"] == "gift_card"
    assert r.data["order_status"] == "returned" and r.data["return_id"].startswith("RMA-")
    assert _gift_balance(store, "C0001") == balance + 1499
    assert refunded_cents(store, 10004) == 1499
    with store.db.begin() as conn:
        assert conn.execute(select(orders.c.status).where(orders.c.id == 10004)).scalar_one() == "returned"
        assert conn.execute(select(returns.c.status)).scalars().all() == ["refunded"]
        assert conn.execute(select(return_lines.c.quantity)).scalars().all() == [1]
    again = call("return_items", make_ctx("C0001"), order_id=10004, items=[{"product_id": "P004"}], reason="again")
    assert again.error == (
        "Error: order 10004 is returned; only delivered orders (within 30 days of delivery) can be returned."
    )


def test_return_refusals_write_nothing(call: Call, store: BusinessStore) -> None:
    before = row_counts(store)
    item = [{"product_id": "P002"}]
    big = call("return_items", make_ctx("C0001"), order_id=10002, items=item, reason="too loud")
    assert big.error == (
        "Error: a refund of $349.99 is above the $100.00 limit; a human reviewer must approve it before it can be "
        "issued."
    )
    late = call("return_items", make_ctx("C0002"), order_id=10005, items=[{"product_id": "P005"}], reason="late")
    assert late.error == "Error: order 10005 was delivered more than 30 days ago; it is outside the return window."
    many = call(
        "return_items", make_ctx("C0001"), order_id=10004, items=[{"product_id": "P004", "quantity": 2}], reason="two"
    )
    assert many.error == "Error: only 1 of HDMI Cable 2m on order 10004 can still be returned; 2 is too many."
    absent = call("return_items", make_ctx("C0001"), order_id=10004, items=[{"product_id": "P009"}], reason="x y")
    assert absent.error == "Error: product P009 is not on order 10004."
    pending = call("return_items", make_ctx("C0001"), order_id=10001, items=[{"product_id": "P001"}], reason="x y")
    assert "only delivered orders" in (pending.error or "")
    assert row_counts(store) == before
    approved = call(
        "return_items", make_ctx("C0001", approved_by="reviewer.ana"), order_id=10002, items=item, reason="too loud"
    )
    assert approved.ok and approved.data is not None and approved.data["refunded"] == 349.99


def test_concurrent_returns_of_the_same_item_refund_it_once(call: Call, store: BusinessStore) -> None:
    barrier = threading.Barrier(4)
    results = []

    def _return(n: int) -> None:
        barrier.wait()
        results.append(
            call(
                "return_items",
                make_ctx("C0001", step=f"race-{n}"),
                order_id=10004,
                items=[{"product_id": "P004"}],
                reason="race",
            )
        )

    threads = [threading.Thread(target=_return, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.ok for r in results) == 1
    assert refunded_cents(store, 10004) == 1499 <= charged_cents(store, 10004)


def test_exchange_for_a_cheaper_and_a_dearer_product(call: Call, store: BusinessStore) -> None:
    r = assert_replay_is_idempotent(
        call, store, "exchange_item", "C0001", order_id=10004, product_id="P004", new_product_id="P035"
    )
    assert r.data is not None and r.data["difference"] == 5.0 and r.data["charged"]["amount"] == 5.0
    new_id = r.data["replacement_order_id"]
    with store.db.begin() as conn:
        new = conn.execute(select(orders).where(orders.c.id == new_id)).one()
    assert new.replaces_order_id == 10004 and new.status == "pending" and new.customer_id == "C0001"
    assert charged_cents(store, new_id) == 500
    cheaper = call(
        "exchange_item",
        make_ctx("C0001", approved_by="reviewer.ana"),
        order_id=10002,
        product_id="P002",
        new_product_id="P009",
    )
    assert cheaper.ok and cheaper.data is not None and cheaper.data["difference"] == -150.0
    assert refunded_cents(store, 10002) == 15000
    before = row_counts(store)
    assert call("exchange_item", make_ctx("C0001"), order_id=10004, product_id="P004", new_product_id="P035").error == (
        "Error: order 10004 is returned; only delivered orders (within 30 days of delivery) can be exchanged."
    )
    assert (
        call("exchange_item", make_ctx("C0001"), order_id=10003, product_id="P003", new_product_id="P021").ok is False
    )
    assert call("exchange_item", make_ctx("C0002"), order_id=10005, product_id="P005", new_product_id="P035").error == (
        "Error: order 10005 was delivered more than 30 days ago; it is outside the return window."
    )
    assert row_counts(store) == before


def test_refund_order_to_gift_card_creates_one_if_needed(call: Call, store: BusinessStore) -> None:
    assert _gift_balance(store, "C0001") == 0
    r = call("refund_order", make_ctx("C0001"), order_id=10002, amount="20.00", reason="goodwill", to_gift_card=True)
    assert r.ok and r.data is not None and r.data["refunds"][0]["to"] == "gift_card"
    assert _gift_balance(store, "C0001") == 2000
    r2 = call("refund_order", make_ctx("C0001"), order_id=10002, amount="5.00", reason="again", to_gift_card=True)
    assert r2.ok and _gift_balance(store, "C0001") == 2500
    with store.db.begin() as conn:
        cards = conn.execute(
            select(payment_methods.c.id).where(
                payment_methods.c.customer_id == "C0001", payment_methods.c.kind == "gift_card"
            )
        ).all()
    assert len(cards) == 1
