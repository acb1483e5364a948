"""Changes to the lines of a pending order, and requests about several orders (policy 3, policy 2): each change
acts on the line and the order the customer names, and no unit is refunded that was not asked for. Through the
whole graph on each checkpointer, on this file's own store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from service.conversations import SupportService
from tests.graph.conftest import refunds_of, scenario_shop

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [{"id": "C9501", "name": "Ines Duarte", "email": "ines.duarte@example.com", "zip_code": "30301",
                   "card_last4": "6021"}],
    "orders": [
        {"id": 29501, "customer": "C9501", "status": "pending", "placed_days_ago": 0.2,
         "items": [{"product": "Phone Case Clear", "quantity": 4}, {"product": "USB-C Charger 65W"}]},
        {"id": 29502, "customer": "C9501", "status": "delivered", "placed_days_ago": 8, "delivered_days_ago": 4,
         "items": [{"product": "HDMI Cable 2m", "quantity": 3}]},
    ],
}


# A pending order of bulbs and a plug; and a customer with one order of earbuds beside a returned doorbell.
DATA["customers"] += [
    {"id": "C9502", "name": "Tomas Lind", "email": "tomas.lind@example.com", "zip_code": "55401", "card_last4": "7310"},
    {"id": "C9503", "name": "Priya Raman", "email": "priya.raman@example.com", "zip_code": "60614",
     "card_last4": "2287"}]
DATA["orders"] += [
    {"id": 29503, "customer": "C9502", "status": "pending", "placed_days_ago": 0.1,
     "items": [{"product": "Glow Smart Bulb 4-pack", "quantity": 3}, {"product": "Glow Smart Plug"}]},
    {"id": 29504, "customer": "C9503", "status": "returned", "placed_days_ago": 30, "delivered_days_ago": 26,
     "items": [{"product": "Sentry Video Doorbell"}]},
    {"id": 29505, "customer": "C9503", "status": "delivered", "placed_days_ago": 8, "delivered_days_ago": 5,
     "items": [{"product": "Aurora Sport Earbuds"}]}]


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


def amounts(url: str, order_id: int) -> list[float]:
    return [r["amount"] for r in refunds_of(url, order_id)]


def test_a_change_to_another_line_after_a_quantity_change_acts_on_that_line(shop: SupportService,
                                                                             database_url: str) -> None:
    """Four cases became one; "drop the charger from it too" then removes the charger (its own price back), not
    the last case: the line the request changed is found again from the reply's words."""
    shop.send("lines", "order 29501 has four clear phone cases by mistake, I need just one", customer_id="C9501")
    assert amounts(database_url, 29501) == [59.97]
    report = shop.send("lines", "thanks. please drop the charger from it too, I have a spare",
                       customer_id="C9501")
    assert amounts(database_url, 29501) == [59.97, 39.99], report.replies


def test_the_extra_units_are_those_beyond_what_the_customer_keeps(shop: SupportService, database_url: str) -> None:
    """Three cables, "we only need two of these, refund the spare": one cable's price, not the whole line."""
    shop.send("extra", "29502 came with three hdmi cables. We only need two of these. Refund the spare please",
              customer_id="C9501")
    shop.send("extra", "yes go ahead", customer_id="C9501")
    assert amounts(database_url, 29502) == [14.99]


def test_a_price_times_a_count_is_refunded_as_their_product(shop: SupportService, database_url: str) -> None:
    """ "2 x $14.99" asks for two cables' price, not one."""
    shop.send("times", "two cables of 29502 crackle. could I get 2 x $14.99 back?", customer_id="C9501")
    shop.send("times", "yes go ahead", customer_id="C9501")
    assert amounts(database_url, 29502) == [29.98]


def test_a_line_described_with_its_price_is_not_the_amount_asked_for(shop: SupportService, database_url: str) -> None:
    """ "3 x $14.99 cables" tells what the line is; one of them broke: one cable's price, not the line's."""
    report = shop.send("described", "I bought 3 x $14.99 hdmi cables on order 29502 and one is broken, please "
                                    "refund it", customer_id="C9501")
    if not amounts(database_url, 29502):
        assert "44.97" not in " ".join(report.replies), report.replies
        shop.send("described", "yes go ahead", customer_id="C9501")
    assert amounts(database_url, 29502) == [14.99]


def test_units_priced_from_the_line_are_refunded_without_a_review(shop: SupportService, database_url: str) -> None:
    """ "Those two" of three cables: two cables' price, read from the order, not a guessed amount held for a person."""
    report = shop.send("two", "Two of the three hdmi cables on order 29502 stopped working. I want those two refunded.",
                       customer_id="C9501")
    if not amounts(database_url, 29502):
        shop.send("two", "yes go ahead", customer_id="C9501")
    assert amounts(database_url, 29502) == [29.98], report.replies


def test_a_quantity_asked_down_in_a_story_is_the_change_of_the_line_that_has_more(shop: SupportService,
                                                                                 database_url: str) -> None:
    """The router reads the story ("got carried away") as nothing of ours; the change flow's own words ("bring that
    down to two") choose it, and the bulbs, not the single plug, are the line brought down: one pack back."""
    report = shop.send("fewer", "Got carried away at breakfast: three packs of Glow bulbs and the plug is more than a "
                                "studio flat needs. Could you bring that down to two?", customer_id="C9502")
    assert amounts(database_url, 29503) == [59.99], report.replies


def test_the_only_order_holding_the_product_the_story_names_is_refunded(shop: SupportService,
                                                                         database_url: str) -> None:
    """"refund them" names nothing; the clause before it names the earbuds, which one order alone holds: no "which
    order?", and "the case" they charge in is no product of its own."""
    report = shop.send("story", "Those sport earbuds from a few days back: the right one has stopped charging in the "
                                "case. refund them please", customer_id="C9503")
    assert amounts(database_url, 29505) == [89.99], report.replies
    assert not any("Pixel Buds Case" in r for r in report.replies), report.replies
