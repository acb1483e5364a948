"""What a return or a refund covers (policies 2 and 3): the whole order said is every item and every unit, whatever
items are named beside it, and the order becomes returned; more than was paid asked for is declined, and the
remainder offered instead is refunded once the customer settles for it. Through the whole graph on each
checkpointer, on this file's own store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from graphs.support.flows import get_flow
from service.conversations import SupportService
from tests.graph.conftest import order_status, refunds_of, scenario_shop

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [{"id": "C9301", "name": "Ruth Ames", "email": "ruth.ames@example.com", "zip_code": "02139",
                   "card_last4": "3307"}],
    "orders": [
        {"id": 29301, "customer": "C9301", "status": "delivered", "placed_days_ago": 8, "delivered_days_ago": 4,
         "items": [{"product": "Kids Safe Headphones"}, {"product": "Phone Case Clear"}]},
        {"id": 29302, "customer": "C9301", "status": "delivered", "placed_days_ago": 7, "delivered_days_ago": 3,
         "items": [{"product": "Nimbus Mini Speaker"}, {"product": "Glow Smart Plug", "quantity": 2}]},
        {"id": 29303, "customer": "C9301", "status": "delivered", "placed_days_ago": 9, "delivered_days_ago": 6,
         "items": [{"product": "Glow Smart Bulb 4-pack"}]},
    ],
    "refunds": [{"order": 29303, "amount": 20.00, "days_ago": 3, "reason": "goodwill"}],
}


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


def refunded(url: str, order_id: int) -> float:
    return round(sum(r["amount"] for r in refunds_of(url, order_id)), 2)


def test_the_whole_order_named_beside_one_item_returns_every_item(shop: SupportService, database_url: str) -> None:
    shop.send("all", "I'd like to send back the whole order 29301, the case doesn't fit my phone and we have these "
                     "headphones already", customer_id="C9301")
    assert refunded(database_url, 29301) == 54.98, refunds_of(database_url, 29301)
    assert order_status(database_url, 29301) == "returned"


def test_everything_returns_every_unit(shop: SupportService, database_url: str) -> None:
    shop.send("units", "I want to send back everything from order 29302, the speaker and the plugs, refund to my card",
              customer_id="C9301")
    assert refunded(database_url, 29302) == 98.98, refunds_of(database_url, 29302)
    assert order_status(database_url, 29302) == "returned"


def test_all_of_an_order_by_its_number_is_the_whole_order() -> None:
    whole = get_flow("get_refund").slots["whole"]
    assert whole.read_text("I need to send back all of order 29301") is True
    assert whole.read_text("all of it has to go back") is True
    assert whole.read_text("I'd like to return the phone case from order 29301") is None


def test_one_item_named_alone_returns_only_that_item(shop: SupportService, database_url: str) -> None:
    shop.send("one", "I'd like to return the phone case from order 29301", customer_id="C9301")
    assert refunded(database_url, 29301) in (0.0, 19.99), refunds_of(database_url, 29301)
    assert order_status(database_url, 29301) == "delivered"


def test_the_remainder_settled_for_is_refunded(shop: SupportService, database_url: str) -> None:
    first = shop.send("rest", "please refund $75 on order 29303, the bulbs keep dying on me", customer_id="C9301")
    assert refunded(database_url, 29303) == 20.0, "more than was paid is not refunded"
    assert "39.99" in first.replies[-1], first.replies
    shop.send("rest", "Alright. Just what's remaining then, same card.", customer_id="C9301")
    assert refunded(database_url, 29303) == 59.99, refunds_of(database_url, 29303)


def test_everything_but_a_named_item_returns_the_rest_only(shop: SupportService, database_url: str) -> None:
    """What is named after "but" stays with the customer: 29301 holds headphones ($34.99) and a case ($19.99)."""
    shop.send("but", "Please take back everything but the case from order 29301.", customer_id="C9301")
    assert [r["amount"] for r in refunds_of(database_url, 29301)] == [34.99], refunds_of(database_url, 29301)
    assert order_status(database_url, 29301) == "delivered"


@pytest.mark.parametrize("words", ["everything but the case", "all of it except the speaker",
                                   "the whole order apart from the plugs", "all the items other than the cable"])
def test_leaving_an_item_out_is_read_as_such(words: str) -> None:
    flow = get_flow("get_refund")
    assert flow.slots["excepting"].read_text(f"I want to return {words}") is True


@pytest.mark.parametrize("words", ["everything, but I lost the box", "I want to return all of it",
                                   "return the case but not before friday"])
def test_a_contrast_is_no_item_left_out(words: str) -> None:
    assert get_flow("get_refund").slots["excepting"].read_text(words) is not True
