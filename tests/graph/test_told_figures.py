"""Long refund requests full of figures and orders (policy 2): the amount refunded is the one asked for, never a
price only told beside it nor money already given back; the order refunded is the one the request's thing was
bought on; a refund reported done earlier holds no later request back. Through the whole graph on each
checkpointer, on this file's own store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from service.conversations import SupportService
from tests.graph.conftest import refunds_of, scenario_shop

NOW = datetime(2026, 8, 3, 12, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [{"id": "C9611", "name": "Ines Barros", "email": "ines.barros@example.com", "zip_code": "60614",
                   "card_last4": "4471"}],
    "orders": [
        {"id": 29611, "customer": "C9611", "status": "delivered", "placed_days_ago": 9, "delivered_days_ago": 6,
         "items": [{"product": "HDMI Cable 2m", "quantity": 3}, {"product": "Wireless Mouse"}]},
        {"id": 29612, "customer": "C9611", "status": "delivered", "placed_days_ago": 60, "delivered_days_ago": 55,
         "items": [{"product": "Mechanical Keyboard"}]},
        {"id": 29613, "customer": "C9611", "status": "delivered", "placed_days_ago": 12, "delivered_days_ago": 10,
         "items": [{"product": "Phone Case Clear"}]},
        {"id": 29614, "customer": "C9611", "status": "delivered", "placed_days_ago": 8, "delivered_days_ago": 4,
         "items": [{"product": "Power Bank 20000mAh"}, {"product": "Phone Case Clear"}]},
    ],
    "refunds": [{"order": 29614, "amount": 19.99, "days_ago": 2, "reason": "case returned"}],
}


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


def amounts(url: str, order_id: int) -> list[float]:
    return [r["amount"] for r in refunds_of(url, order_id)]


def test_prices_only_told_are_not_the_amount_asked_for(shop: SupportService, database_url: str) -> None:
    shop.send("told", "My order 29611 had the mouse and three hdmi cables at $14.99 apiece, $52.10 all in. One "
                      "cable shows a blank screen on every input, how do I reset the display? A shop nearby sold "
                      "me a stand-in for $12.75. Please refund me the dead cable.", customer_id="C9611")
    assert amounts(database_url, 29611) == [14.99], "one cable's price, not the stand-in's"


def test_the_order_refunded_is_the_one_of_the_thing_asked_about(shop: SupportService, database_url: str) -> None:
    shop.send("which", "The mechanical keyboard (order 29612) drops keystrokes all the time, what can I try? The "
                       "clear phone case I got later (order 29613) is great. I'd like a refund on the "
                       "keyboard.", customer_id="C9611")
    assert amounts(database_url, 29613) == [], "the case the customer is happy with is not refunded"
    assert amounts(database_url, 29612) == [], "the keyboard is outside the window"


def test_money_given_back_with_cents_is_not_refunded_again(shop: SupportService, database_url: str) -> None:
    shop.send("again", "You sent me $19.99 back for order 29614 on Friday. That covered the case only. The power "
                       "bank will not hold a charge, so please refund it as well", customer_id="C9611")
    assert amounts(database_url, 29614) == [19.99, 49.99], "the power bank's price, not the case's again"


def test_a_refund_reported_done_holds_no_new_request_back(shop: SupportService, database_url: str) -> None:
    shop.send("done", "Hello. You already refunded the phone case on 29614, thank you, but the power bank in that "
                      "order is faulty now. Please refund the power bank to my card.", customer_id="C9611")
    assert amounts(database_url, 29614) == [19.99, 49.99], "an instruction: made without asking again"

