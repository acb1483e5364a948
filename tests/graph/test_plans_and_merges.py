"""Plans and merges decided by the records: a switch to the plan the customer is on is no change (the reply says
what they have and when it renews); of two plans a message moves to, the one they are not on; another person's
account is declined, never sent to a reviewer to merge. Whole graph, each checkpointer; the store holds only this
file's own fixtures."""

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
        {"id": "C8301", "name": "Ines Halvorsen", "email": "ines.h@example.com", "zip_code": "55402",
         "card_last4": "4410", "plan": "plus"},
        {"id": "C8302", "name": "Ines Halvorsen", "email": "ines.old@example.com", "zip_code": "55402",
         "card_last4": "9921", "plan": "basic"},
        {"id": "C8303", "name": "Per Lindgren", "email": "per.l@example.com", "zip_code": "55402",
         "card_last4": "7777", "plan": "pro"},
        {"id": "C8304", "name": "Oona Rask", "email": "oona.r@example.com", "zip_code": "55403",
         "card_last4": "1188", "plan": "plus"},
    ],
    "subscriptions": [
        {"id": "SUB-8301", "customer": "C8301", "plan": "plus", "status": "active", "started_days_ago": 40,
         "renews_in_days": 20},
        {"id": "SUB-8303", "customer": "C8303", "plan": "pro", "status": "active", "started_days_ago": 12,
         "renews_in_days": 18},
        {"id": "SUB-8304", "customer": "C8304", "plan": "plus", "status": "past_due", "started_days_ago": 90,
         "renews_in_days": 0},
    ],
    "invoices": [
        {"id": "INV-48301", "customer": "C8301", "subscription": "SUB-8301", "amount": 9.99, "status": "paid",
         "issued_days_ago": 10},
        {"id": "INV-48303", "customer": "C8303", "subscription": "SUB-8303", "amount": 59.99, "status": "paid",
         "issued_days_ago": 12},
        {"id": "INV-48304", "customer": "C8304", "subscription": "SUB-8304", "amount": 9.99, "status": "open",
         "issued_days_ago": 2},
    ],
}


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


_step = step_of


def test_switching_to_the_plan_the_customer_is_on_is_no_change(shop: SupportService) -> None:
    report = shop.send("same-plan", "can you move me onto the plus plan please?", customer_id="C8301")
    change = _step(report.plan, "change_plan")
    assert change["status"] == "skipped", report.plan
    reply = report.replies[-1]
    assert "already on the Plus plan" in reply and "9.99" in reply and "2026-06-30" in reply, reply


def test_of_two_plans_moved_to_the_one_the_customer_is_not_on(shop: SupportService) -> None:
    report = shop.send("back", "someone upgraded us to pro last week without asking. please put us back on the "
                       "free plan", customer_id="C8303")
    change = _step(report.plan, "change_plan")
    assert change["args"]["plan"] == "basic", report.plan
    assert change["status"] == "done", report.plan  # asked for, not asked about: no second yes


def test_a_failed_membership_payment_is_answered_with_the_invoice_it_left_open(shop: SupportService) -> None:
    # Asked as a question about the invoice, a declined renewal is a payment problem: what is owed and how to pay.
    report = shop.send("declined", "is my latest membership invoice still unpaid? the payment was declined",
                       customer_id="C8304")
    assert any(s["id"] == "payment_issue.invoices" and s["status"] == "done" for s in report.plan), report.plan
    assert not any(s["writes"] and s["status"] == "done" for s in report.plan), report.plan
    assert "INV-48304 of $9.99" in report.replies[-1], report.replies


def test_a_switch_asked_about_waits_for_the_customers_yes(shop: SupportService) -> None:
    report = shop.send("ask", "could I move down to basic? what would I get back?", customer_id="C8303")
    assert _step(report.plan, "change_plan")["status"] == "awaiting_confirmation", report.plan


def test_another_persons_account_is_declined_not_sent_to_a_reviewer(shop: SupportService) -> None:
    report = shop.send("merge-other", "please merge the account per.l@example.com into mine", customer_id="C8301")
    migrate = _step(report.plan, "migrate_account")
    assert migrate["status"] == "skipped", report.plan
    assert report.review_request is None, report.review_request
    assert "same person" in report.replies[-1], report.replies[-1]


def test_the_customers_own_second_account_still_goes_to_a_reviewer(shop: SupportService) -> None:
    report = shop.send("merge-own", "please merge my old account ines.old@example.com into this one",
                       customer_id="C8301")
    migrate = _step(report.plan, "migrate_account")
    assert migrate["status"] == "needs_approval" and migrate["args"]["other_customer_id"] == "C8302", report.plan


def test_someone_elses_details_verify_nobody(shop: SupportService) -> None:
    report = shop.send("his", "I need what my ex-husband bought here. I have his email, per.l@example.com, and his "
                       "zip is 55402. can you send me his invoices?")
    assert not any(s["tool"] in ("verify_identity", "list_invoices", "get_invoice") for s in report.plan), report.plan
    assert report.customer is None or not report.customer.get("verified"), report.customer


def test_the_customers_own_details_beside_someone_elses_still_verify(shop: SupportService) -> None:
    report = shop.send("mine", "it's about my invoices. my email is ines.h@example.com and my zip is 55402")
    verify = next((s for s in report.plan if s["tool"] == "verify_identity"), None)
    assert verify is not None and verify["status"] == "done", report.plan


def test_an_identifier_given_with_its_secret_is_checked_without_one_given_alone_before(shop: SupportService) -> None:
    shop.send("two", "I've got two accounts, an old one on ines.old@example.com and the one I use now. can the old "
              "orders move into the new one?")
    report = shop.send("two", "New account is C8301, billing zip 55402.")
    verify = _step(report.plan, "verify_identity")
    assert verify["args"] == {"customer_id": "C8301", "zip_code": "55402"}, verify
    assert verify["status"] == "done", report.plan
    migrate = _step(report.plan, "migrate_account")
    assert migrate["status"] == "needs_approval" and migrate["args"]["other_customer_id"] == "C8302", report.plan


def test_the_merge_just_done_asked_for_again_is_done_not_asked_about(shop: SupportService) -> None:
    shop.send("again", "I have 2 accounts by accident", customer_id="C8301")
    shop.send("again", "the other one is ines.old@example.com", customer_id="C8301")
    shop.resume("again", {"decisions": [{"type": "approve"}], "reviewer": "alice"})
    report = shop.send("again", "can u move everything into this one", customer_id="C8301")
    assert report.review_request is None and report.status == "resolved", report.status
    migrate = _step(report.plan, "migrate_account")
    assert migrate["status"] == "done" and migrate["approved_by"] == "alice", report.plan
    assert "C8302" in report.replies[-1], report.replies[-1]


def test_a_plan_change_asked_again_for_another_plan_moves_to_that_plan(shop: SupportService) -> None:
    """"put me on basic" after the move to pro is another request, not the move just done asked again."""
    first = shop.send("twice", "please switch our membership to the basic plan", customer_id="C8303")
    assert _step(first.plan, "change_plan")["args"]["plan"] == "basic", first.plan
    report = shop.send("twice", "sorry, changed my mind, please switch our membership to the pro plan",
                       customer_id="C8303")
    change = _step(report.plan, "change_plan")
    assert change["args"]["plan"] == "pro", report.plan


def test_a_sarcastic_but_clear_downgrade_quoting_the_price_is_made_without_a_reviewer(shop: SupportService) -> None:
    """Sarcasm and the plan's own price quoted back ("great value at 59.99") do not make a clear instruction
    doubtful: the price is what the records show for the customer's plan, a detail the request accounts for, not
    one no reading took. The switch is made and nobody is asked (policy 3a)."""
    report = shop.send("sarcastic-downgrade", "Lovely, the 'priority support' on Pro took a whole week to answer me. "
                       "Worth every cent of $59.99 a month. Move me down to basic.", customer_id="C8303")
    assert step_of(report.plan, "change_plan")["status"] == "done", report.plan
    assert report.assessment is not None, report
    assert report.assessment["signals"]["slot_disagreement"] == 0.0, report.assessment["signals"]
    assert report.status != "awaiting_review", report.assessment
