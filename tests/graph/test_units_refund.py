"""Units of an order line (policy 2): a return or refund is of the units the customer means, priced unit by unit,
and the approval limit adds the units up like any refund; a yes on where the money goes counts only when the offer
meets it. Through the whole graph on each checkpointer, on this file's own store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from service.conversations import SupportService
from tests.graph.conftest import refunds_of, scenario_shop

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [{"id": "C9401", "name": "Noor Saleh", "email": "noor.saleh@example.com", "zip_code": "73301",
                   "card_last4": "5120"}],
    "orders": [
        {"id": 29401, "customer": "C9401", "status": "delivered", "placed_days_ago": 8, "delivered_days_ago": 4,
         "items": [{"product": "HDMI Cable 2m", "quantity": 3}, {"product": "Wireless Mouse"}]},
        {"id": 29402, "customer": "C9401", "status": "delivered", "placed_days_ago": 9, "delivered_days_ago": 5,
         "items": [{"product": "Nimbus Mini Speaker", "quantity": 3}]},
        {"id": 29403, "customer": "C9401", "status": "delivered", "placed_days_ago": 7, "delivered_days_ago": 3,
         "items": [{"product": "Glow Smart Bulb 4-pack", "quantity": 2}, {"product": "Glow Smart Plug"}]},
    ],
    "refunds": [{"order": 29402, "amount": 49.00, "days_ago": 3, "reason": "dead on arrival"}],
}


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


def amounts(url: str, order_id: int) -> list[float]:
    return [r["amount"] for r in refunds_of(url, order_id)]


def test_one_of_several_units_is_offered_and_returned_at_its_unit_price(shop: SupportService,
                                                                        database_url: str) -> None:
    offer = shop.send("one", "is it possible to send back one of the hdmi cables from 29401? two are plenty",
                      customer_id="C9401")
    assert "14.99" in offer.replies[-1] and "44.97" not in offer.replies[-1], offer.replies
    assert amounts(database_url, 29401) == []
    shop.send("one", "yes please", customer_id="C9401")
    assert amounts(database_url, 29401) == [14.99]


def test_the_units_asked_for_are_refunded_not_the_rest_of_the_line(shop: SupportService, database_url: str) -> None:
    shop.send("unit", "Got order 29402 and a second speaker stopped working today. Refund that one as well please.",
              customer_id="C9401")
    assert amounts(database_url, 29402) == [49.0, 49.0], "one unit, not the two left"


def test_the_item_asked_about_is_refunded_not_one_only_mentioned(shop: SupportService, database_url: str) -> None:
    shop.send("named", "The plug from 29403 came, but one of the bulb packs was missing. Please refund me the "
                       "missing pack.", customer_id="C9401")
    assert amounts(database_url, 29403) == [59.99]


def test_a_yes_on_a_destination_the_order_cannot_have_is_no_yes(shop: SupportService, database_url: str) -> None:
    offer = shop.send("paypal", "is it possible to return the mouse from 29401, what would I get back?",
                      customer_id="C9401")
    assert "card ending 5120" in offer.replies[-1], offer.replies
    again = shop.send("paypal", "sure, but only if it lands in my paypal", customer_id="C9401")
    assert amounts(database_url, 29401) == [], "the offer goes to the card, not PayPal"
    assert "PayPal" in again.replies[-1], again.replies
    shop.send("paypal", "ok fine, the card works. go ahead", customer_id="C9401")
    assert amounts(database_url, 29401) == [29.99]
