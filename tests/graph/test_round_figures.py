"""A refund asked in a round figure for what the order has left ("it was like $25" for the $24.99 plug) is that
refund, made as asked (policy 2); a figure further off is declined with an offer of what is left, which waits for
the customer's yes. On each checkpointer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from service.conversations import SupportService
from tests.graph.conftest import refunds_of, scenario_shop

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": "C8701", "name": "Ines Varga", "email": "ines.varga@example.com", "zip_code": "97205",
         "card_last4": "2046"},
    ],
    "orders": [
        {"id": 87011, "customer": "C8701", "status": "delivered", "placed_days_ago": 9, "delivered_days_ago": 6,
         "items": [{"product": "Glow Smart Plug"}]},
    ],
}


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


def _refund_step(plan: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((s for s in plan if s["tool"] == "refund_order" and s["status"] != "skipped"), None)


def test_a_round_figure_for_what_is_left_is_that_refund(shop: SupportService, database_url: str) -> None:
    report = shop.send("round", "the smart plug from order 87011 stopped working, refund it please, it was "
                       "about $25", customer_id="C8701")
    step = _refund_step(report.plan)
    assert step is not None and step["status"] == "done", report.plan
    assert step["args"]["amount"] == 24.99, step["args"]
    assert [r["amount"] for r in refunds_of(database_url, 87011)] == [24.99]
    assert "$25.00" in " ".join(report.replies), "the reply says the amount is less than asked"


def test_a_figure_further_off_waits_for_the_yes(shop: SupportService, database_url: str) -> None:
    report = shop.send("far", "the smart plug from order 87011 stopped working, refund $30 please",
                       customer_id="C8701")
    step = _refund_step(report.plan)
    assert step is not None and step["status"] == "awaiting_confirmation", report.plan
    assert refunds_of(database_url, 87011) == [], "nothing moves before the customer's yes"
