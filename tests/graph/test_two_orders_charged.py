""""Charged twice" when the records show two orders of the same thing, each charged once: the customer hears which
orders the two charges were for; no invoice is disputed and nothing is refunded (policy 2), on each checkpointer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from service.conversations import SupportService
from tests.graph.conftest import refunds_of, scenario_shop

NOW = datetime(2026, 6, 3, 15, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": "C8601", "name": "Tobias Lind", "email": "tobias.lind@example.com", "zip_code": "55401",
         "card_last4": "3318"},
    ],
    "orders": [
        {"id": 86011, "customer": "C8601", "status": "processing", "placed_days_ago": 1.2,
         "items": [{"product": "Glow Smart Plug"}]},
        {"id": 86012, "customer": "C8601", "status": "pending", "placed_days_ago": 1.1,
         "items": [{"product": "Glow Smart Plug"}]},
    ],
}


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


@pytest.mark.parametrize("message", [
    "hey so my bank app shows 2 payments to you of the exact same amount for the smart plug, wth??",
    "You billed me double for one smart plug yesterday. I want this sorted.",
])
def test_two_orders_each_charged_once_are_said_to_be_two_orders(shop: SupportService, database_url: str,
                                                                 message: str) -> None:
    report = shop.send("double", message, customer_id="C8601")
    tools = [s["tool"] for s in report.plan if s["status"] == "done"]
    assert "open_billing_dispute" not in tools and "refund_order" not in tools, report.plan
    reply = " ".join(report.replies)
    assert "separate orders" in reply and "86011" in reply and "86012" in reply, reply
    assert refunds_of(database_url, 86011) == [] and refunds_of(database_url, 86012) == []
