"""One request of the same kind applied to several records named in one message (request instances,
graphs/support/requests.py): each record gets its own steps and its own line of the one reply, through the whole
graph on each checkpointer. The store holds only this file's own fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from service.conversations import SupportService
from tests.graph.conftest import order_status, refunds_of, scenario_shop

NOW = datetime(2026, 9, 14, 9, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": "C8101", "name": "Tomas Ferreira", "email": "tomas.f@example.com", "zip_code": "60614",
         "card_last4": "4821", "plan": "basic"},
    ],
    "orders": [
        {"id": 13010, "customer": "C8101", "status": "pending", "placed_days_ago": 1,
         "items": [{"product": "Glow Smart Plug"}]},
        {"id": 13011, "customer": "C8101", "status": "pending", "placed_days_ago": 1,
         "items": [{"product": "Laptop Sleeve 14in"}]},
        {"id": 13012, "customer": "C8101", "status": "delivered", "placed_days_ago": 12, "delivered_days_ago": 7,
         "items": [{"product": "Phone Case Clear"}]},
        {"id": 13013, "customer": "C8101", "status": "shipped", "placed_days_ago": 3, "shipped_days_ago": 2,
         "carrier": "UPS", "tracking": "1Z999BB20000000013", "arrives_in_days": 2,
         "items": [{"product": "Wireless Mouse"}]},
        {"id": 13014, "customer": "C8101", "status": "shipped", "placed_days_ago": 4, "shipped_days_ago": 3,
         "carrier": "FedEx", "tracking": "7700000013014", "arrives_in_days": 1,
         "items": [{"product": "HDMI Cable 2m"}]},
    ],
}


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


def _steps(plan: list[dict[str, Any]], tool: str) -> list[dict[str, Any]]:
    return [s for s in plan if s["tool"] == tool]


def test_two_cancels_in_one_message_cancel_both(shop: SupportService, database_url: str) -> None:
    report = shop.send("two-cancels", "please call off 13010 as well as 13011, I ordered them by mistake",
                       customer_id="C8101")
    cancels = _steps(report.plan, "cancel_order")
    assert sorted(s["args"]["order_id"] for s in cancels) == [13010, 13011], report.plan
    if any(s["status"] == "awaiting_confirmation" for s in cancels):
        assert report.replies[-1].count("?") >= 1
        report = shop.send("two-cancels", "yes", customer_id="C8101")
    assert order_status(database_url, 13010) == "cancelled"
    assert order_status(database_url, 13011) == "cancelled"
    reply = report.replies[-1]
    assert "13010" in reply and "13011" in reply, reply


def test_two_tracks_answer_both(shop: SupportService) -> None:
    report = shop.send("two-tracks", "any news on where 13013 and 13014 are?", customer_id="C8101")
    gets = _steps(report.plan, "get_order")
    assert sorted(s["args"]["order_id"] for s in gets) == [13013, 13014], report.plan
    reply = report.replies[-1]
    assert "1Z999BB20000000013" in reply and "7700000013014" in reply, reply


def test_refund_and_cancel_on_two_orders(shop: SupportService, database_url: str) -> None:
    report = shop.send("refund-cancel", "money back for the phone case from 13012 please, and cancel 13010",
                       customer_id="C8101")
    if any(s["status"] == "awaiting_confirmation" for s in report.plan):
        report = shop.send("refund-cancel", "yes go ahead", customer_id="C8101")
    assert order_status(database_url, 13010) == "cancelled", report.plan
    assert refunds_of(database_url, 13012), report.plan


def test_one_of_two_cancels_fails_and_the_reply_says_which(shop: SupportService, database_url: str) -> None:
    report = shop.send("one-fails", "cancel 13010 and 13013 for me", customer_id="C8101")
    if any(s["status"] == "awaiting_confirmation" for s in report.plan):
        report = shop.send("one-fails", "yes", customer_id="C8101")
    assert order_status(database_url, 13010) == "cancelled", report.plan
    assert order_status(database_url, 13013) == "shipped"
    reply = report.replies[-1]
    assert "13010" in reply and "13013" in reply, reply


@pytest.mark.parametrize("message", ["I'd like to cancel 13012 and also 13011",
                                     "I'd like to cancel 13011 and also 13012"])
def test_a_delivered_order_beside_a_pending_one_is_offered_back_on_its_own(shop: SupportService, database_url: str,
                                                                            message: str) -> None:
    """Each record's request reads its own order: the delivered one turns into a return of its own (offered, not
    done), the pending one is cancelled, and neither's outcome is told of the other."""
    report = shop.send("mixed", message, customer_id="C8101")
    assert order_status(database_url, 13011) == "cancelled", report.plan
    assert order_status(database_url, 13012) == "delivered"
    reply = report.replies[-1]
    assert "Done: order 13011 is cancelled" in reply, reply
    assert "couldn't cancel order 13011" not in reply and "Refunds on order 13011" not in reply, reply
    assert "Phone Case Clear" in reply and "?" in reply, reply  # the return of 13012 is offered
    returns = [s for s in report.plan if s["tool"] == "return_items"]
    assert [(s["args"].get("order_id"), s["status"]) for s in returns] == [(13012, "awaiting_confirmation")], returns


def test_a_signed_in_customer_keeps_one_order_and_cancels_the_bare_numbered_one(shop: SupportService,
                                                                                 database_url: str) -> None:
    # signed in, nobody asks who they are: the bare 13011 is the order to cancel, not a ZIP code for a check
    message = ("Two orders went in on Sunday. Order 13010, the plug, stays as it is, leave that one be. "
               "The sleeve, 13011, isn't needed any more, please cancel it.")
    report = shop.send("keep-one", message, customer_id="C8101")
    if any(s["status"] == "awaiting_confirmation" for s in report.plan):
        report = shop.send("keep-one", "yes", customer_id="C8101")
    assert order_status(database_url, 13011) == "cancelled", report.replies
    assert order_status(database_url, 13010) == "pending", report.replies
