"""A record told by its traits (graphs/support/record_traits.py): its price against the others', where it is on
its way, the month or the part of today it is dated in; one that fits picks it, two that fit are asked about."""

from __future__ import annotations

from datetime import UTC, datetime

from graphs.support.descriptions import described_in, describes, matches
from graphs.support.flow_spec import Lookup
from graphs.support.mentions import by_words
from graphs.support.record_traits import narrow, traits_in

NOW = datetime(2026, 4, 14, 16, 0, tzinfo=UTC)
ORDER_LOOKUP = Lookup(step="orders", items="orders", value="order_id", match={"products": "products",
                                                                              "dates": "placed_at"})
INVOICE_LOOKUP = Lookup(step="invoices", items="invoices", value="invoice_id",
                        match={"amounts": "amount", "dates": "issued_at"})
ORDERS = [
    {"order_id": 70010, "products": ["Breeze 13 Ultrabook"], "placed_at": "2026-04-14T08:10:00", "status": "pending",
     "total": 899.0},
    {"order_id": 70009, "products": ["Wireless Mouse", "Laptop Sleeve 14in"], "placed_at": "2026-04-13T09:00:00",
     "status": "pending", "total": 54.98},
    {"order_id": 70004, "products": ["Glow Smart Plug"], "placed_at": "2026-04-02T11:00:00", "status": "shipped",
     "total": 24.99},
    {"order_id": 69000, "products": ["Nimbus Mini Speaker"], "placed_at": "2026-02-20T11:00:00",
     "status": "delivered", "total": 49.99},
]
INVOICES = [
    {"invoice_id": "INV-31002", "amount": 9.99, "issued_at": "2026-03-01"},
    {"invoice_id": "INV-31001", "amount": 9.99, "issued_at": "2026-02-01"},
]


def _ids(text: str, records: list[dict[str, object]] = ORDERS, lookup: Lookup = ORDER_LOOKUP) -> list[object]:
    key = lookup.value or "order_id"
    return [r[key] for r in matches(records, lookup, described_in(text, {}, NOW))]


def test_the_dearer_or_cheaper_record_is_the_one_that_cost_most_or_least() -> None:
    assert _ids("please call off the priciest of my orders") == [70010]
    assert _ids("which is the less costly order of mine?") == [70004]
    assert traits_in("it was cheaper elsewhere, so cancel it") == {}  # a price told of no record


def test_a_record_still_to_come_is_one_not_delivered() -> None:
    assert _ids("where's the plug one that is still in transit", ORDERS[2:]) == [70004]
    assert _ids("the one that has not been shipped yet") == [70010, 70009]  # two fit: asked about


def test_a_part_of_today_names_the_day() -> None:
    assert _ids("cancel whatever I bought this afternoon") == [70010]


def test_a_month_named_alone_picks_the_record_dated_in_it() -> None:
    assert _ids("I need the february membership bill", INVOICES, INVOICE_LOOKUP) == ["INV-31001"]
    assert _ids("last month's bill please", INVOICES, INVOICE_LOOKUP) == ["INV-31002"]
    assert traits_in("you may refund it", NOW) == {}
    assert traits_in("the charge on the 3rd of March", NOW) == {}


def test_a_trait_that_fits_none_narrows_nothing() -> None:
    assert narrow(ORDERS[:2], ORDER_LOOKUP.match, {"status": ["delivered"]}) == ORDERS[:2]


def test_a_trait_describes_the_one_record_offered() -> None:
    assert describes(ORDERS[2], ORDER_LOOKUP, described_in("yes the one that's still on its way", {}, NOW))


def test_a_record_ruled_out_by_more_of_its_words_than_are_wanted_is_not_meant() -> None:
    described = described_in("call off the laptop order, but keep the order with the sleeve and the mouse", {}, NOW)
    assert by_words(ORDERS[:2], "products", described) == []
    described = described_in("the sleeve one, not the speaker", {}, NOW)
    assert by_words([ORDERS[1], ORDERS[3]], "products", described) == [ORDERS[1]]
