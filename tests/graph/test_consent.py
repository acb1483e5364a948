"""Requests asked as questions wait for the customer's yes, and consent in shades decides what runs (issue 15),
through the whole graph on each checkpointer."""

from __future__ import annotations

from service.conversations import SupportService
from tests.graph.conftest import order_status, refunds_of

MAYA = "maya.chen@example.com, zip 94107"
BROKEN = "order 10004 arrived broken. is it too late to get my money back for it?"


def _statuses(report: object, tool: str) -> list[str]:
    return [s["status"] for s in getattr(report, "plan", []) if s["tool"] == tool]


def test_a_cancel_asked_about_before_verification_waits_and_a_withdrawn_yes_leaves_it(
        service: SupportService, database_url: str) -> None:
    asked = service.send("still-time", "Is there still time to cancel order 10001?")
    assert asked.status == "awaiting_customer" and _statuses(asked, "cancel_order") == [], asked.plan
    verified = service.send("still-time", MAYA)
    # the request's own words (a question) are read, not the verification details that came after them
    assert _statuses(verified, "cancel_order") == ["awaiting_confirmation"], verified.plan
    assert order_status(database_url, 10001) == "pending", "cancelled on a question"
    withdrawn = service.send("still-time", "ok go ahead. actually no, hold off")
    assert withdrawn.understanding is not None and withdrawn.understanding["affirmation"] == "no"
    assert order_status(database_url, 10001) == "pending", "a yes taken back must leave the order"
    assert refunds_of(database_url, 10001) == [], "a yes taken back must not refund"


def test_a_reluctant_yes_is_a_yes(service: SupportService, database_url: str) -> None:
    service.send("reluctant", "could I still cancel order 10001?", customer_id="C0001")
    done = service.send("reluctant", "ugh, fine, I suppose, go ahead")
    assert order_status(database_url, 10001) == "cancelled", done.plan
    assert [r["amount"] for r in refunds_of(database_url, 10001)] == [39.99]


def test_a_refund_asked_about_waits_and_a_yes_on_a_condition_that_holds_makes_it(
        service: SupportService, database_url: str) -> None:
    asked = service.send("refund-q", BROKEN, customer_id="C0001")
    assert _statuses(asked, "refund_order") == ["awaiting_confirmation"], asked.plan
    assert refunds_of(database_url, 10004) == [], "refunded on a question"
    done = service.send("refund-q", "ok, as long as the money goes back onto my card")
    assert [r["amount"] for r in refunds_of(database_url, 10004)] == [14.99], done.plan


def test_a_yes_on_a_condition_the_request_does_not_meet_refunds_nothing(
        service: SupportService, database_url: str) -> None:
    service.send("refund-gift", BROKEN, customer_id="C0001")
    unmet = service.send("refund-gift", "sure, as long as it arrives by friday")
    assert refunds_of(database_url, 10004) == [], f"a condition nobody can check is no yes: {unmet.plan}"


def test_a_refund_asked_for_as_a_question_runs(service: SupportService, database_url: str) -> None:
    done = service.send("refund-ask", "could I get a refund for order 10004 please?", customer_id="C0001")
    assert _statuses(done, "refund_order") == ["done"], done.plan
    assert [r["amount"] for r in refunds_of(database_url, 10004)] == [14.99]


def test_a_yes_naming_the_one_item_offered_is_a_yes(service: SupportService, database_url: str) -> None:
    """"just the cable" narrows nothing when the cable is all the offer takes in (a word of its product's name)."""
    asked = service.send("just-it", "is it possible to send back the cable from order 10004?", customer_id="C0001")
    assert refunds_of(database_url, 10004) == [], asked.plan
    done = service.send("just-it", "yes, just the cable")
    assert [r["amount"] for r in refunds_of(database_url, 10004)] == [14.99], done.plan
