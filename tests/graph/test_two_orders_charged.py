""""Charged twice" when the records show two orders of the same thing, each charged once: the customer hears which
orders the two charges were for, each charged once, and which of them can still be cancelled (only a pending one);
no invoice is disputed and nothing is refunded (policy 2), on each checkpointer. A membership charged twice is
disputed whatever the customer's orders show."""

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
        {"id": "C8602", "name": "Ines Varga", "email": "ines.varga@example.com", "zip_code": "60601",
         "card_last4": "7305", "plan": "plus"},
    ],
    "orders": [
        {"id": 86011, "customer": "C8601", "status": "processing", "placed_days_ago": 1.2,
         "items": [{"product": "Glow Smart Plug"}]},
        {"id": 86012, "customer": "C8601", "status": "pending", "placed_days_ago": 1.1,
         "items": [{"product": "Glow Smart Plug"}]},
        {"id": 86021, "customer": "C8602", "status": "delivered", "placed_days_ago": 3, "delivered_days_ago": 1,
         "items": [{"product": "Wireless Mouse"}]},
        {"id": 86022, "customer": "C8602", "status": "delivered", "placed_days_ago": 2.5, "delivered_days_ago": 1,
         "items": [{"product": "Wireless Mouse"}]},
    ],
    "subscriptions": [{"id": "SUB-8602", "customer": "C8602", "plan": "plus", "status": "active",
                       "started_days_ago": 45, "renews_in_days": 15}],
    "invoices": [{"id": "INV-86021", "customer": "C8602", "subscription": "SUB-8602", "amount": 9.99,
                  "status": "paid", "issued_days_ago": 4}],
    "charges": [{"customer": "C8602", "invoice": "INV-86021", "amount": 9.99, "days_ago": 4}],
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
    assert "cancel order 86012" in reply and "cancel order 86011" not in reply, "only the pending order is cancellable"
    assert refunds_of(database_url, 86011) == [] and refunds_of(database_url, 86012) == []


@pytest.mark.parametrize("message", [
    "The mouse payment went through twice, I only needed one mouse. Give me back the extra charge please.",
    "You took money for the mouse twice but I wanted a single one, refund the second payment.",
    "Billed twice for the mouse and I meant to buy just one. Please refund the 2nd charge.",
])
def test_the_second_charge_asked_back_names_both_orders_and_moves_nothing(shop: SupportService, database_url: str,
                                                                         message: str) -> None:
    report = shop.send("second", message, customer_id="C8602")
    reply = " ".join(report.replies)
    assert "86021" in reply and "86022" in reply and "charged once" in reply, reply
    assert "pending hold" not in reply, "two real orders are no hold from a failed attempt"
    assert refunds_of(database_url, 86021) == [] and refunds_of(database_url, 86022) == [], "waits for which one"


def test_a_membership_charged_twice_is_disputed_whatever_the_orders_show(shop: SupportService) -> None:
    report = shop.send("plan", "Our Plus subscription fee got billed two times this month, I'd like to dispute "
                               "that.", customer_id="C8602")
    done = [(s["tool"], s["args"]) for s in report.plan if s["status"] == "done"]
    assert any(tool == "open_billing_dispute" and args.get("invoice_id") == "INV-86021" for tool, args in done), \
        report.plan
    assert "separate orders" not in " ".join(report.replies), report.replies


def test_an_amount_named_that_the_two_orders_were_not_charged_is_not_them(shop: SupportService) -> None:
    report = shop.send("amount", "There are two debits of $7.35 from you on my card this week, why?",
                       customer_id="C8601")
    reply = " ".join(report.replies)
    assert "separate orders" not in reply, "the two plug orders were not charged $7.35"


@pytest.mark.parametrize("message", [
    "I'd like a refund please: the Plus membership was billed twice on the same day.",
    "Can you give me back the extra membership payment? It went through twice.",
])
def test_a_membership_charge_taken_twice_asked_back_as_a_refund_goes_to_a_person(shop: SupportService,
                                                                                 database_url: str,
                                                                                 message: str) -> None:
    """No order was charged twice: the money asked back is an invoice's, which only a billing reviewer gives back
    (a dispute, policy 3a): not a question for an order number, and no refund made by the agent."""
    report = shop.send("fee", message, customer_id="C8602")
    done = [(s["tool"], s["args"]) for s in report.plan if s["status"] == "done"]
    assert any(tool == "open_billing_dispute" and args.get("invoice_id") == "INV-86021" for tool, args in done), \
        report.plan
    assert report.review_request and report.review_request["context"]["queue"] == "billing", report.replies
    assert refunds_of(database_url, 86021) == [] and refunds_of(database_url, 86022) == []


@pytest.mark.parametrize("message", [
    "Please refund the mouse from order 86022, my plus membership says returns are free.",
    "My invoice lists the mouse charge twice, please refund the extra one.",  # an order's charge, on an invoice
])
def test_an_order_refund_that_names_the_membership_or_an_invoice_is_no_dispute(shop: SupportService,
                                                                               message: str) -> None:
    """The membership named beside an order's refund with nothing taken twice, or an order's charge taken twice
    that the customer saw on an invoice, leaves it a refund of the order: no membership invoice is disputed."""
    report = shop.send("perk", message, customer_id="C8602")
    tools = [s["tool"] for s in report.plan]
    assert "open_billing_dispute" not in tools and "list_invoices" not in tools, report.plan
