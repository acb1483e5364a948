"""What the agent does once it has read the message: a refund capped at what is left is offered and runs on the
customer's yes; a yes that comes with its request needs no second yes; a parcel marked delivered that never came
opens an investigation; the account given to verify is not the account to merge. Whole graph, each checkpointer;
the store holds only this file's own fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from service.conversations import SupportService
from tests.graph.conftest import refunds_of, scenario_shop, step_of

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": "C8101", "name": "Tove Berg", "email": "tove.berg@example.com", "zip_code": "55402",
         "card_last4": "4410", "plan": "plus"},
        {"id": "C8102", "name": "Tove Berg", "email": "tberg.old@example.com", "zip_code": "55402",
         "card_last4": "9921", "plan": "pro"},
    ],
    "subscriptions": [
        {"id": "SUB-8101", "customer": "C8101", "plan": "plus", "status": "active", "started_days_ago": 40,
         "renews_in_days": 20},
    ],
    "invoices": [
        {"id": "INV-40101", "customer": "C8101", "subscription": "SUB-8101", "amount": 9.99, "status": "paid",
         "issued_days_ago": 10},
    ],
    "orders": [
        # 99.00 paid, 20.00 already refunded: 79.00 is left.
        {"id": 28101, "customer": "C8101", "status": "delivered", "placed_days_ago": 9, "shipped_days_ago": 8,
         "delivered_days_ago": 6, "carrier": "UPS", "items": [{"product": "Nimbus Smart Speaker", "unit_price": 99.0}]},
        {"id": 28102, "customer": "C8101", "status": "delivered", "placed_days_ago": 6, "shipped_days_ago": 4,
         "delivered_days_ago": 1, "carrier": "FedEx", "tracking": "781200000001",
         "items": [{"product": "Phone Case Clear"}]},
        {"id": 28103, "customer": "C8101", "status": "shipped", "placed_days_ago": 3, "shipped_days_ago": 2,
         "carrier": "UPS", "tracking": "1Z888AA10000000002", "arrives_in_days": 2,
         "items": [{"product": "Laptop Sleeve 14in"}]},
    ],
    "refunds": [{"order": 28101, "amount": 20.0, "reason": "price adjustment", "days_ago": 3}],
}


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


_step = step_of


@pytest.mark.parametrize("accept", ["yes please", "The box says 150 dollars though. Just refund the rest then.",
                                    "Oh, so only what's left on it? ok, then refund whatever's left."])
def test_a_refund_above_what_is_left_offers_the_rest_and_a_yes_runs_it(shop: SupportService, database_url: str,
                                                                      accept: str) -> None:
    first = shop.send("capped", "I want 150 dollars back for order 28101, the speaker is not for me",
                      customer_id="C8101")
    refund = _step(first.plan, "refund_order")
    assert refund["status"] == "awaiting_confirmation" and refund["args"]["amount"] == 79.0, refund
    assert "$79.00" in first.replies[-1] and "Shall I go ahead?" in first.replies[-1], first.replies[-1]
    assert [r["amount"] for r in refunds_of(database_url, 28101)] == [20.0], "nothing moves before the yes"

    second = shop.send("capped", accept, customer_id="C8101")
    assert _step(second.plan, "refund_order")["status"] == "done", second.plan
    assert [r["amount"] for r in refunds_of(database_url, 28101)] == [20.0, 79.0]
    assert "$79.00" in second.replies[-1], second.replies[-1]


def test_settling_on_another_amount_is_no_yes_to_the_offer(shop: SupportService, database_url: str) -> None:
    """The offer was $79; "refund $60 of it" is no yes to it but an instruction of its own, within what is left and
    under the approval limit: $60 is refunded, never the $79 offered."""
    shop.send("capped-other", "I want 150 dollars back for order 28101, the speaker is not for me",
              customer_id="C8101")
    second = shop.send("capped-other", "fine then, refund $60 of it", customer_id="C8101")
    assert [r["amount"] for r in refunds_of(database_url, 28101)] == [20.0, 60.0], second.plan
    assert "$60.00" in second.replies[-1], second.replies[-1]


def test_a_refund_above_what_is_left_declined_moves_nothing(shop: SupportService, database_url: str) -> None:
    shop.send("capped-no", "I want 150 dollars back for order 28101, the speaker is not for me", customer_id="C8101")
    second = shop.send("capped-no", "no thanks", customer_id="C8101")
    assert _step(second.plan, "refund_order")["status"] == "skipped", second.plan
    assert [r["amount"] for r in refunds_of(database_url, 28101)] == [20.0]


@pytest.mark.parametrize("reply", ["ok then, actually never mind it", "alright then, I'd rather not",
                                   "wonderful, I'll talk it over with my partner and come back",
                                   "great, let me sleep on it"])
def test_an_opener_whose_rest_refuses_or_defers_moves_nothing(shop: SupportService, database_url: str,
                                                            reply: str) -> None:
    """An acknowledgement or delight at the offer is no yes when the rest of the reply refuses or defers it."""
    shop.send("opener", "I want 150 dollars back for order 28101, the speaker is not for me", customer_id="C8101")
    shop.send("opener", reply, customer_id="C8101")
    assert [r["amount"] for r in refunds_of(database_url, 28101)] == [20.0]


def test_a_yes_with_the_request_itself_does_not_ask_again(shop: SupportService) -> None:
    shop.send("plan-yes", "hello there", customer_id="C8101")
    report = shop.send("plan-yes", "ok yes, move me to the basic plan", customer_id="C8101")
    change = _step(report.plan, "change_plan")
    assert change["status"] == "done" and change["args"]["plan"] == "basic", report.plan


def test_a_question_with_a_yes_still_asks_before_the_change(shop: SupportService) -> None:
    shop.send("plan-ask", "hello there", customer_id="C8101")
    report = shop.send("plan-ask", "yes, could I move to the basic plan?", customer_id="C8101")
    assert _step(report.plan, "change_plan")["status"] == "awaiting_confirmation", report.plan


def test_a_delivered_parcel_that_never_came_opens_an_investigation(shop: SupportService) -> None:
    report = shop.send("lost", "order 28102 shows as delivered but it never arrived, nothing at my door",
                       customer_id="C8101")
    ticket = _step(report.plan, "create_ticket")
    assert ticket["status"] == "done", report.plan
    assert ticket["result"]["data"]["ticket_id"] in report.replies[-1], report.replies[-1]


def test_a_parcel_still_on_its_way_opens_no_investigation(shop: SupportService) -> None:
    report = shop.send("on-way", "order 28103 hasn't arrived yet, where is it?", customer_id="C8101")
    assert all(s["status"] != "done" for s in report.plan if s["tool"] == "create_ticket"), report.plan
    assert "1Z888AA10000000002" in report.replies[-1], report.replies[-1]


def test_the_email_given_to_verify_is_not_the_account_to_merge(shop: SupportService) -> None:
    shop.send("merge", "please merge my old account tberg.old@example.com into the one I use now")
    report = shop.send("merge", "the one I use now is tove.berg@example.com, zip 55402")
    find = _step(report.plan, "find_customer")
    assert find["args"]["email"] == "tberg.old@example.com", report.plan
    migrate = _step(report.plan, "migrate_account")
    assert migrate["status"] == "needs_approval" and migrate["args"]["other_customer_id"] == "C8102", report.plan


def test_asking_again_for_the_investigation_already_opened_opens_no_second_one(shop: SupportService) -> None:
    first = shop.send("lost-again", "order 28102 shows as delivered but it never arrived, nothing at my door",
                      customer_id="C8101")
    ticket = _step(first.plan, "create_ticket")["result"]["data"]["ticket_id"]
    second = shop.send("lost-again", "28102. I looked everywhere, it was not delivered. please investigate it",
                       customer_id="C8101")
    tickets = [s for s in second.plan if s["tool"] == "create_ticket"]
    assert [s["result"]["data"]["ticket_id"] for s in tickets if s["status"] == "done"] == [ticket], second.plan
    assert all(s["status"] == "done" for s in tickets), "nothing waits for a yes: it was done already"
    assert ticket in second.replies[-1], second.replies[-1]


def test_a_signed_in_customer_naming_the_other_account_with_a_zip_merges_that_account(shop: SupportService) -> None:
    report = shop.send("merge-signed-in", "please merge my old account tberg.old@example.com into this one, "
                       "same name, zip 55402", customer_id="C8101")
    assert _step(report.plan, "find_customer")["args"]["email"] == "tberg.old@example.com", report.plan
