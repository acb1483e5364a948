"""A refund asked in a round figure for what the order has left ("it was like $25" for the $24.99 plug) is that
refund, made as asked (policy 2); a figure further off is declined with an offer of what is left, which waits for
the customer's yes, unless what is left is above the approval limit: then a reviewer has it at once, as the yes
would only bring the same hand-off a turn later (policy 2, 5a). On each checkpointer."""

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
        {"id": 87012, "customer": "C8701", "status": "delivered", "placed_days_ago": 8, "delivered_days_ago": 5,
         "items": [{"product": "Chromebook Go 11"}]},
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


def test_what_is_left_above_the_limit_goes_to_a_reviewer_without_asking_first(shop: SupportService,
                                                                               database_url: str) -> None:
    """$350 asked of a $299 laptop: the $299 left is above the $100 limit, so billing reviews it now; nothing
    is refunded and no yes is asked for."""
    report = shop.send("left-above", "the chromebook from order 87012 has a row of dead pixels, i'd like $350 "
                       "back for it please", customer_id="C8701")
    step = _refund_step(report.plan)
    assert step is not None and step["status"] == "needs_approval", report.plan
    assert step["args"]["amount"] == 299.0, step["args"]
    assert report.assessment is not None, report
    assert (report.assessment["route"], report.assessment["queue"]) == ("human_review", "billing"), report.assessment
    assert refunds_of(database_url, 87012) == [], "nothing moves before the reviewer decides"
