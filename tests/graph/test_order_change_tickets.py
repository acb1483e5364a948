"""What the fulfilment team is asked (change_order's ticket): a change the customer asks for is passed on; a
delivered order is changed by no one, so a return is offered instead, and a swap stays an exchange (policy 3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from service.conversations import SupportService
from tests.graph.conftest import refunds_of, scenario_shop
from tools.store import open_store
from tools.store.schema import tickets

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [{"id": "C9401", "name": "Rui Costa", "email": "rui.costa@example.com", "zip_code": "02139",
                   "card_last4": "7781"}],
    "orders": [
        {"id": 29401, "customer": "C9401", "status": "delivered", "placed_days_ago": 9, "delivered_days_ago": 4,
         "items": [{"product": "Wireless Mouse"}, {"product": "Laptop Sleeve 14in"}]},
        {"id": 29402, "customer": "C9401", "status": "processing", "placed_days_ago": 1,
         "items": [{"product": "HDMI Cable 2m", "quantity": 2}]},
    ],
}


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


def opened(url: str) -> int:
    with open_store(url).db.begin() as conn:
        return len(conn.execute(select(tickets.c.id)).all())


def test_a_delivered_order_asked_about_gets_a_return_offered_not_a_ticket(shop: SupportService,
                                                                          database_url: str) -> None:
    report = shop.send("delivered", "could I return just the mouse on order 29401 while I hold on "
                                    "to the sleeve?", customer_id="C9401")
    assert opened(database_url) == 0, report.plan
    assert refunds_of(database_url, 29401) == [], "a question: the return waits for the yes"


def test_a_change_asked_for_is_passed_on_at_once(shop: SupportService, database_url: str) -> None:
    shop.send("told", "please change the cable length on order 29402 to 3 metres", customer_id="C9401")
    assert opened(database_url) == 1


def test_a_swap_on_a_delivered_order_stays_an_exchange(shop: SupportService, database_url: str) -> None:
    """An exchange is made here (policy 3), not turned into a plain return because the order was delivered."""
    report = shop.send("swap", "please exchange the mouse from order 29401 for the Mechanical Keyboard",
                       customer_id="C9401")
    assert [s["status"] for s in report.plan if s["tool"] == "exchange_item"] == ["done"], report.plan
    assert opened(database_url) == 0
