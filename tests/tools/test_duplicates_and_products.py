"""list_charges finds a charge taken twice (not a difference charged for a changed order); find_products finds the
catalogue's products by name, leaving out an order's own."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from tests.tools.conftest import make_ctx
from tests.tools.helpers import Call
from tools.base import ToolContext
from tools.store import BusinessStore
from tools.store.schema import charges


def _charge_again(store: BusinessStore, order_id: int) -> None:
    """The order's charge taken a second time, a minute later."""
    with store.db.begin() as conn:
        first = conn.execute(select(charges).where(charges.c.order_id == order_id)).mappings().first()
        assert first is not None
        row = {k: v for k, v in first.items() if k != "id"}
        conn.execute(insert(charges).values(**row, id=f"ch_dup_{order_id}"))


def test_a_charge_taken_twice_is_a_duplicate(call: Call, store: BusinessStore) -> None:
    before = call("list_charges", make_ctx("C0001"))
    assert before.ok and before.data is not None and before.data["duplicated"] is False
    _charge_again(store, 10004)
    after = call("list_charges", make_ctx("C0001"))
    assert after.data is not None and after.data["duplicated"] is True
    assert [(c["order_id"], c["amount"]) for c in after.data["duplicates"]] == [(10004, 14.99)]


def test_a_charge_repeated_days_later_on_the_same_order_is_a_duplicate(call: Call, store: BusinessStore) -> None:
    """The order's charge taken again four days later, while the order is charged more than its total: a duplicate
    all the same (the days between two charges tell separate orders apart, not one order charged twice)."""
    with store.db.begin() as conn:
        first = conn.execute(select(charges).where(charges.c.order_id == 10004)).mappings().first()
    assert first is not None
    _charge_like(store, 10004, "ch_four_days_on", created_at=first["created_at"] + timedelta(days=4))
    listed = call("list_charges", make_ctx("C0001"), order_id=10004)
    assert listed.data is not None and [c["charge_id"] for c in listed.data["duplicates"]] == ["ch_four_days_on"]


def test_a_difference_charged_for_a_changed_order_is_no_duplicate(call: Call) -> None:
    up = call("modify_order", make_ctx("C0001"), order_id=10001, product_id="P001", quantity=2)
    assert up.ok, up.error
    listed = call("list_charges", make_ctx("C0001"), order_id=10001)
    assert listed.data is not None and len(listed.data["charges"]) == 2, listed.data
    assert listed.data["duplicated"] is False, "the second unit's charge equals the first, but it was ordered"


def test_equal_charges_for_two_orders_are_separate_orders_not_a_duplicate(call: Call, store: BusinessStore) -> None:
    """The same amount taken for another order (a second order of the same thing) is no duplicate: two orders, each
    charged once (``separate_orders``); a charge taken twice for one order is a duplicate and not that."""
    before = call("list_charges", make_ctx("C0001"))
    assert before.data is not None and before.data["separate_orders"] is False, before.data
    with store.db.begin() as conn:
        first = conn.execute(select(charges).where(charges.c.order_id == 10004)).mappings().first()
        assert first is not None
        row = {k: v for k, v in first.items() if k not in ("id", "order_id")}
        conn.execute(insert(charges).values(**row, id="ch_other_order", order_id=10001))
    listed = call("list_charges", make_ctx("C0001"))
    assert listed.data is not None and listed.data["duplicated"] is False, listed.data
    assert listed.data["separate_orders"] is True, listed.data
    _charge_again(store, 10004)
    twice = call("list_charges", make_ctx("C0001"))
    assert twice.data is not None and twice.data["duplicated"] is True and twice.data["separate_orders"] is False


def _charge_like(store: BusinessStore, source: int, charge_id: str, **changes: object) -> None:
    """A charge equal to the order's, with ``changes`` (another order, no order, another amount)."""
    with store.db.begin() as conn:
        first = conn.execute(select(charges).where(charges.c.order_id == source)).mappings().first()
        assert first is not None
        conn.execute(insert(charges).values({**{k: v for k, v in first.items() if k != "id"}, **changes,
                                             "id": charge_id}))


def test_separate_orders_are_read_among_the_charges_described_only(call: Call, store: BusinessStore) -> None:
    """The named order's equal charge on another order makes two separate orders (both listed, with their status);
    an amount the customer names that those charges are not leaves them out; membership charges are never an
    order's."""
    _charge_like(store, 10004, "ch_other_order", order_id=10001)
    named = call("list_charges", make_ctx("C0001"), order_id=10004)
    assert named.data is not None and named.data["separate_orders"] is True, named.data
    assert sorted(c["order_id"] for c in named.data["separate"]) == [10001, 10004]
    assert all(c["order_status"] for c in named.data["separate"]), named.data["separate"]
    other = call("list_charges", make_ctx("C0001"), amount=9.99)
    assert other.data is not None and other.data["separate_orders"] is False, "not the amount the customer named"
    same = call("list_charges", make_ctx("C0001"), amount=14.99)
    assert same.data is not None and same.data["separate_orders"] is True, same.data


def test_membership_charges_are_never_separate_orders(call: Call, store: BusinessStore) -> None:
    _charge_like(store, 10004, "ch_member_1", order_id=None)
    _charge_like(store, 10004, "ch_member_2", order_id=None)
    listed = call("list_charges", make_ctx("C0001"))
    assert listed.data is not None and listed.data["separate_orders"] is False, listed.data
    assert listed.data["separate"] == []


def test_find_products_leaves_out_the_orders_own(call: Call) -> None:
    found = call("find_products", make_ctx("C0001"), names=["HDMI Cable 2m", "Aurora Lite Earbuds"],
                 not_on_order=10004)
    assert found.ok and found.data is not None
    assert [p["name"] for p in found.data["products"]] == ["Aurora Lite Earbuds"]
    assert found.data["products"][0]["price"] == 129.99
    other = call("find_products", make_ctx("C0002"), names=["HDMI Cable 2m"], not_on_order=10004)
    assert other.error == "Error: order 10004 was not found on your account."


def test_find_products_without_a_name_offers_the_orders_kind_of_products(call: Call, store: BusinessStore) -> None:
    from tools.orders.backend import orders_backend

    orders = orders_backend(store)
    order = orders.get_order(10004, "C0001")
    assert order is not None
    own = {line.product_id for line in order.items}
    families = {p.family for pid in own if (p := orders.get_product(pid)) is not None}
    found = call("find_products", make_ctx("C0001"), names=[], not_on_order=10004)
    assert found.ok and found.data is not None and found.data["products"], found
    for product in found.data["products"]:
        kind = orders.get_product(product["product_id"])
        assert kind is not None and kind.family in families and product["product_id"] not in own
    named_elsewhere = call("find_products", make_ctx("C0001"), names=["Lumen 4K TV"], not_on_order=10004)
    assert named_elsewhere.data is not None and named_elsewhere.data["products"] == found.data["products"]
    assert not call("find_products", make_ctx("C0001")).ok


def test_a_duplicate_charge_goes_back_whatever_the_orders_status(call: Call, store: BusinessStore) -> None:
    """A shipped order (no order refund yet) charged twice: the duplicate's refund is made, no more than the order
    was charged beyond its total; an order charged once has no duplicate to refund."""
    ctx = make_ctx("C0001", approved_by="reviewer")
    untouched = call("refund_order", ctx, order_id=10003, reason="extra charge", reason_code="double_charge")
    assert not untouched.ok and "no duplicate" in (untouched.error or ""), untouched
    plain = call("refund_order", ctx, order_id=10003, reason="changed mind")
    assert not plain.ok and "shipped" in (plain.error or ""), "an order refund still waits for delivery"
    _charge_again(store, 10003)
    listed = call("list_charges", ctx, order_id=10003)
    assert listed.data is not None
    extra = listed.data["duplicates"][0]["amount"]
    too_much = call("refund_order", ctx, order_id=10003, amount=extra * 2, reason="extra charge",
                    reason_code="double_charge")
    assert not too_much.ok, too_much
    made = call("refund_order", ctx, order_id=10003, amount=extra, reason="extra charge", reason_code="double_charge")
    assert made.ok, made.error


def _reviewed() -> ToolContext:
    """A reviewer's context (above the approval limits), a new step (and idempotency key) each call."""
    return make_ctx("C0001", approved_by="reviewer")


def _first_charge_cents(store: BusinessStore, order_id: int) -> int:
    with store.db.begin() as conn:
        first = conn.execute(select(charges).where(charges.c.order_id == order_id)).mappings().first()
    assert first is not None
    return int(first["amount_cents"])


def test_goods_refunded_before_do_not_shrink_a_later_duplicate(call: Call, store: BusinessStore) -> None:
    """A delivered order partly refunded for goods sent back, then charged a second time: the second charge is
    still a duplicate, and all of it goes back (the refund was for the goods, not for the extra charge)."""
    price = _first_charge_cents(store, 10002)
    back = call("refund_order", _reviewed(), order_id=10002, amount=round(price / 3) / 100, reason="part sent back",
                reason_code="items_returned")
    assert back.ok, back.error
    _charge_again(store, 10002)
    listed = call("list_charges", _reviewed(), order_id=10002)
    assert listed.data is not None and [c["charge_id"] for c in listed.data["duplicates"]] == ["ch_dup_10002"]
    made = call("refund_order", _reviewed(), order_id=10002, reason="billed two times", reason_code="double_charge")
    assert made.ok and made.data is not None and made.data["refunded"] == price / 100, made
    assert [(r["charge_id"], r["amount"]) for r in made.data["refunds"]] == [("ch_dup_10002", price / 100)], \
        "the duplicate goes back from the repeated charge, in one refund"


def test_a_fully_refunded_order_charged_twice_still_owes_the_duplicate(call: Call, store: BusinessStore) -> None:
    price = _first_charge_cents(store, 10002)
    back = call("refund_order", _reviewed(), order_id=10002, reason="all sent back", reason_code="items_returned")
    assert back.ok, back.error
    _charge_again(store, 10002)
    listed = call("list_charges", _reviewed(), order_id=10002)
    assert listed.data is not None and listed.data["duplicated"] is True, listed.data
    made = call("refund_order", _reviewed(), order_id=10002, reason="billed two times", reason_code="double_charge")
    assert made.ok and made.data is not None and made.data["refunded"] == price / 100, made


def test_a_duplicate_given_back_once_is_owed_nothing_more(call: Call, store: BusinessStore) -> None:
    _charge_again(store, 10004)
    first = call("refund_order", _reviewed(), order_id=10004, reason="billed two times", reason_code="double_charge")
    assert first.ok and first.data is not None and first.data["refunded"] == 14.99, first
    listed = call("list_charges", _reviewed(), order_id=10004)
    assert listed.data is not None and listed.data["duplicated"] is False, listed.data
    again = call("refund_order", _reviewed(), order_id=10004, reason="billed two times", reason_code="double_charge")
    assert not again.ok and "no duplicate" in (again.error or ""), again


def test_an_order_raised_then_lowered_again_is_no_duplicate(call: Call) -> None:
    """A second unit charged, then taken off again (refunded as an order change): two equal charges, and nothing
    charged beyond the order's total any more."""
    assert call("modify_order", make_ctx("C0001"), order_id=10001, product_id="P001", quantity=2).ok
    assert call("modify_order", make_ctx("C0001"), order_id=10001, product_id="P001", quantity=1).ok
    listed = call("list_charges", make_ctx("C0001"), order_id=10001)
    assert listed.data is not None and listed.data["duplicated"] is False, listed.data
    nothing = call("refund_order", make_ctx("C0001"), order_id=10001, reason="billed two times",
                   reason_code="double_charge")
    assert not nothing.ok and "no duplicate" in (nothing.error or ""), nothing


def test_another_orders_duplicate_is_listed_apart_when_the_order_named_was_charged_once(
        call: Call, store: BusinessStore) -> None:
    """The order named was charged once, another was charged twice: that duplicate is ``elsewhere`` (to offer), never
    among the named order's ``duplicates`` (to refund as reported)."""
    _charge_again(store, 10004)
    named = call("list_charges", make_ctx("C0001"), order_id=10002)
    assert named.data is not None and named.data["duplicated"] is False, named.data
    assert named.data["duplicated_elsewhere"] is True
    assert [(c["order_id"], c["amount"]) for c in named.data["elsewhere"]] == [(10004, 14.99)]
    itself = call("list_charges", make_ctx("C0001"), order_id=10004)
    assert itself.data is not None and itself.data["duplicated"] is True and itself.data["elsewhere"] == []
