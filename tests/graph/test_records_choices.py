"""Choosing a record from what the customer describes: an exchange with no product named offers the products
like the one sent back, and a size ("the 55 inch") picks one; the one record offered after a description fitted
none is taken when the answer describes it. Whole graph, each checkpointer; the store holds only this file's own
fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from service.conversations import SupportService
from tests.graph.conftest import scenario_shop, step_of

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": "C8401", "name": "Noor Haddad", "email": "noor.h@example.com", "zip_code": "30318",
         "card_last4": "5521", "plan": "basic"},
        {"id": "C8402", "name": "Tomas Ekberg", "email": "tomas.e@example.com", "zip_code": "20009",
         "card_last4": "8812", "plan": "basic"},
    ],
    "orders": [
        {"id": 28401, "customer": "C8401", "status": "delivered", "placed_days_ago": 9, "shipped_days_ago": 8,
         "delivered_days_ago": 5, "carrier": "UPS", "items": [{"product": "Lumen 4K TV 43in"}]},
        {"id": 28402, "customer": "C8402", "status": "shipped", "placed_days_ago": 3, "shipped_days_ago": 2,
         "carrier": "USPS", "tracking": "9400100000000000284020", "arrives_in_days": 2,
         "items": [{"product": "Glow Smart Plug"}]},
        # Noor's two pairs of headphones, both delivered: a description of "the headphones" fits both.
        {"id": 28403, "customer": "C8401", "status": "delivered", "placed_days_ago": 8, "delivered_days_ago": 4,
         "items": [{"product": "Kids Safe Headphones"}]},
        {"id": 28404, "customer": "C8401", "status": "delivered", "placed_days_ago": 7, "delivered_days_ago": 3,
         "items": [{"product": "Studio Over-Ear Headphones"}]},
    ],
}


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


_step = step_of


def test_an_exchange_for_a_size_picks_it_among_the_products_like_the_one_sent_back(shop: SupportService) -> None:
    first = shop.send("tv", "the TV from order 28401 is too small, can I swap it for a bigger one?",
                      customer_id="C8401")
    assert "Lumen 4K TV 55in" in first.replies[-1] and "Lumen 4K TV 65in" in first.replies[-1], first.replies
    second = shop.send("tv", "the 55 inch please", customer_id="C8401")
    exchange = _step(second.plan, "exchange_item")
    assert exchange["status"] == "awaiting_confirmation", second.plan
    catalogue = _step(second.plan, "find_products")["result"]["data"]["products"]
    wanted = next(p for p in catalogue if p["name"] == "Lumen 4K TV 55in")
    assert exchange["args"]["new_product_id"] == wanted["product_id"], second.plan
    done = shop.send("tv", "yes do it", customer_id="C8401")
    assert _step(done.plan, "exchange_item")["status"] == "done", done.plan
    assert "150" in done.replies[-1], done.replies


def test_the_one_order_offered_is_taken_when_the_answer_describes_it(shop: SupportService) -> None:
    first = shop.send("plug", "tracking for my order A77-4419 please, it's the Sentry video doorbell",
                      customer_id="C8402")
    assert "28402" in first.replies[-1] and "9400100000000000284020" not in first.replies[-1], first.replies
    report = shop.send("plug", "oh that's another shop's. when are the plugs coming then?", customer_id="C8402")
    assert "9400100000000000284020" in report.replies[-1], report.replies


def test_a_reply_read_as_an_acknowledgement_still_picks_the_record_it_describes(shop: SupportService) -> None:
    first = shop.send("pair", "my headphones hiss all the time, I want my money back", customer_id="C8401")
    assert "28403" in first.replies[-1] and "28404" in first.replies[-1], first.replies
    picked = shop.send("pair", "oh yes, I forgot I had two of them. the studio ones, not my kid's", customer_id="C8401")
    refund = _step(picked.plan, "refund_order")
    assert refund["args"]["order_id"] == 28404, picked.plan
