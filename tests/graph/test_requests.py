"""Several requests in one message, item-level refunds and disputes found from the customer's description, through
the whole graph on each checkpointer. The store holds only this file's own fixtures (not the demo company)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from service.conversations import SupportService
from tests.graph.conftest import order_status, refunds_of, scenario_shop
from tools.store import open_store
from tools.store.schema import disputes

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": "C7001", "name": "Rosa Lind", "email": "rosa.lind@example.com", "zip_code": "30301",
         "card_last4": "7310", "plan": "plus"},
        {"id": "C7002", "name": "Ivo Marsh", "email": "ivo.marsh@example.com", "zip_code": "80202",
         "card_last4": "5120", "plan": "plus"},
    ],
    "subscriptions": [
        {"id": "SUB-7001", "customer": "C7001", "plan": "plus", "status": "active", "started_days_ago": 100},
        {"id": "SUB-7002", "customer": "C7002", "plan": "plus", "status": "active", "started_days_ago": 100},
    ],
    "invoices": [
        {"id": "INV-30001", "customer": "C7001", "subscription": "SUB-7001", "amount": 9.99, "status": "paid",
         "issued_days_ago": 35},
        {"id": "INV-30002", "customer": "C7001", "subscription": "SUB-7001", "amount": 59.99, "status": "paid",
         "issued_days_ago": 5},
        # Ivo has two 9.99 invoices: "the 9.99 charge" alone does not say which one.
        {"id": "INV-30011", "customer": "C7002", "subscription": "SUB-7002", "amount": 9.99, "status": "paid",
         "issued_days_ago": 40},
        {"id": "INV-30012", "customer": "C7002", "subscription": "SUB-7002", "amount": 9.99, "status": "paid",
         "issued_days_ago": 10},
    ],
    "orders": [
        {"id": 18101, "customer": "C7001", "status": "delivered", "placed_days_ago": 8, "delivered_days_ago": 4,
         "items": [{"product": "Power Bank 20000mAh"}, {"product": "Mechanical Keyboard"}]},
        {"id": 18102, "customer": "C7001", "status": "shipped", "placed_days_ago": 3, "shipped_days_ago": 2,
         "carrier": "UPS", "tracking": "1Z777AA10000000001", "arrives_in_days": 2,
         "items": [{"product": "Laptop Sleeve 14in"}]},
        {"id": 18103, "customer": "C7001", "status": "delivered", "placed_days_ago": 6, "delivered_days_ago": 2,
         "items": [{"product": "Phone Case Clear"}]},
        {"id": 18201, "customer": "C7002", "status": "pending", "placed_days_ago": 1,
         "items": [{"product": "Wireless Mouse"}, {"product": "HDMI Cable 2m", "quantity": 3}]},
    ],
}


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    """The graph on a store holding only ``DATA``, at a fixed clock."""
    yield from scenario_shop(database_url, DATA, NOW)


def _by_intent(plan: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for step in plan:
        out.setdefault(step["intent"], {})[step["tool"]] = step
    return out


def _disputes(url: str) -> list[dict[str, Any]]:
    with open_store(url).db.begin() as conn:
        return [dict(r) for r in conn.execute(select(disputes)).mappings()]


def test_two_requests_with_two_order_ids_each_get_their_own(shop: SupportService, database_url: str) -> None:
    report = shop.send("two-orders", "can you track 18102 and please refund order 18103",
                       customer_id="C7001")
    steps = _by_intent(report.plan)
    assert set(steps) == {"track_order", "get_refund"}, f"both requests must be planned: {report.plan}"
    assert steps["track_order"]["get_order"]["args"]["order_id"] == 18102, steps["track_order"]
    assert steps["get_refund"]["get_order"]["args"]["order_id"] == 18103, steps["get_refund"]
    assert [r["amount"] for r in refunds_of(database_url, 18103)] == [19.99]
    assert refunds_of(database_url, 18102) == [], "the tracked order must not be refunded"
    reply = report.replies[-1]
    assert "1Z777AA10000000001" in reply, f"the tracking answer is missing: {reply!r}"
    assert "$19.99" in reply, f"the refund answer is missing: {reply!r}"


def test_a_request_without_its_own_id_asks_for_it_instead_of_borrowing_the_other(shop: SupportService) -> None:
    report = shop.send("borrow", "please switch me to the pro plan, and has order 18102 shipped yet?",
                       customer_id="C7001")
    steps = _by_intent(report.plan)
    assert "track_order" in steps and steps["track_order"]["get_order"]["status"] == "done", report.plan
    assert "switch_account" in steps, f"the plan switch was dropped: {report.plan}"
    assert "1Z777AA10000000001" in report.replies[-1], report.replies


def test_the_missing_order_is_asked_for_its_own_request_and_the_answer_goes_there(shop: SupportService,
                                                                               database_url: str) -> None:
    first = shop.send("ask-one", "please refund my order, and has order 18102 shipped yet?", customer_id="C7001")
    steps = _by_intent(first.plan)
    assert steps["track_order"]["get_order"]["args"]["order_id"] == 18102, first.plan
    refund = steps.get("get_refund", {})
    assert all(s["status"] != "done" for tool, s in refund.items() if tool != "list_orders"), \
        f"the refund must wait for the customer's choice, not borrow the tracked order's id: {first.plan}"
    reply = first.replies[-1]
    assert "1Z777AA10000000001" in reply, reply
    # Nothing says which order is to be refunded: the question lists the customer's orders to choose from.
    assert "Which order do you mean?" in reply and all(str(o) in reply for o in (18101, 18102, 18103)), reply

    second = shop.send("ask-one", "18103", customer_id="C7001")
    steps = _by_intent(second.plan)
    assert steps["get_refund"]["get_order"]["args"]["order_id"] == 18103, second.plan
    assert steps["track_order"]["get_order"]["args"]["order_id"] == 18102, second.plan
    assert refunds_of(database_url, 18102) == [], "the tracked order must not be refunded"


def test_a_named_item_is_refunded_not_the_whole_order(shop: SupportService, database_url: str) -> None:
    report = shop.send("item", "the power bank from order 18101 arrived cracked, I want my money back for it",
                       customer_id="C7001")
    refund = next(s for s in report.plan if s["tool"] == "refund_order")
    assert refund["status"] == "done" and refund["args"]["amount"] == 49.99, refund
    amounts = [r["amount"] for r in refunds_of(database_url, 18101)]
    assert amounts == [49.99], f"only the power bank's price is refunded, got {amounts}"
    assert order_status(database_url, 18101) == "delivered", "the keyboard stays with the customer"
    assert "$49.99" in report.replies[-1], report.replies


def test_a_named_item_sent_back_is_returned_alone(shop: SupportService, database_url: str) -> None:
    report = shop.send("return", "I want a refund for the mechanical keyboard from order 18101, I will send it "
                       "back", customer_id="C7001")
    ran = {s["tool"]: s for s in report.plan}
    assert "refund_order" not in ran, f"a return is no plain refund: {report.plan}"
    assert ran["return_items"]["status"] == "done", ran["return_items"]
    assert len(ran["return_items"]["args"]["items"]) == 1, ran["return_items"]["args"]
    assert [r["amount"] for r in refunds_of(database_url, 18101)] == [89.99]
    assert order_status(database_url, 18101) == "delivered", "the power bank stays with the customer"
    assert "Mechanical Keyboard" in report.replies[-1] and "$89.99" in report.replies[-1], report.replies


def test_a_named_amount_is_refunded_instead_of_the_whole_order(shop: SupportService, database_url: str) -> None:
    report = shop.send("partial", "the keyboard on order 18101 has a sticky key, could you refund $20 of it?",
                       customer_id="C7001")
    refund = next(s for s in report.plan if s["tool"] == "refund_order")
    assert refund["args"]["amount"] == 20.0, refund["args"]
    if any(s["status"] == "awaiting_confirmation" for s in report.plan):
        # The router may be unsure of the request (a write below the flow's threshold is confirmed by the
        # customer); what they confirm is the named amount, and exactly that moves.
        shop.send("partial", "yes")
    assert [r["amount"] for r in refunds_of(database_url, 18101)] == [20.0]


def test_a_dispute_is_found_from_the_amount_the_customer_describes(shop: SupportService, database_url: str) -> None:
    report = shop.send("dispute-amount", "there's a 59.99 charge from you last week, I never upgraded to that",
                       customer_id="C7001")
    steps = {s["tool"]: s for s in report.plan}
    assert steps["list_invoices"]["status"] == "done", report.plan
    assert steps["open_billing_dispute"]["args"]["invoice_id"] == "INV-30002", steps["open_billing_dispute"]
    assert steps["open_billing_dispute"]["status"] == "done", steps["open_billing_dispute"]
    assert [d["invoice_id"] for d in _disputes(database_url)] == ["INV-30002"]
    assert "invoice number" not in report.replies[-1].lower(), "asked for what the records already say"


def test_a_dispute_written_as_a_long_letter_is_opened(shop: SupportService, database_url: str) -> None:
    """The dispute's reason quotes the customer's words and takes 500 characters: a letter longer than that still
    opens the dispute (its beginning kept), where the whole call used to be refused."""
    letter = ("Hello, I am writing about a payment I do not understand. There is a 59.99 charge from you last week "
              "and I have never upgraded my membership to anything that costs that much. " * 4
              + "Please treat this as a formal dispute of that charge.")
    assert len(letter) > 500
    report = shop.send("dispute-letter", letter, customer_id="C7001")
    dispute = next(s for s in report.plan if s["tool"] == "open_billing_dispute")
    assert dispute["status"] == "done", dispute
    [opened] = _disputes(database_url)
    assert opened["invoice_id"] == "INV-30002" and len(opened["reason"]) <= 500, opened
    assert opened["reason"].startswith("Hello, I am writing about a payment"), opened["reason"]


def test_two_fitting_charges_make_one_question_then_the_answer_picks_one(shop: SupportService,
                                                                         database_url: str) -> None:
    first = shop.send("dispute-two", "I don't recognise a $9.99 charge from you", customer_id="C7002")
    assert "open_billing_dispute" not in [s["tool"] for s in first.plan if s["status"] == "done"], first.plan
    assert _disputes(database_url) == [], "nothing may be disputed while it is unclear which charge"
    reply = first.replies[-1]
    assert "INV-30011" in reply and "INV-30012" in reply, f"the question must offer both charges: {reply!r}"
    assert first.status == "awaiting_customer", first.status

    second = shop.send("dispute-two", "the INV-30012 one", customer_id="C7002")
    dispute = next(s for s in second.plan if s["tool"] == "open_billing_dispute")
    assert dispute["status"] == "done" and dispute["args"]["invoice_id"] == "INV-30012", dispute
    assert [d["invoice_id"] for d in _disputes(database_url)] == ["INV-30012"]


def test_a_described_charge_is_found_after_the_customer_verifies(shop: SupportService, database_url: str) -> None:
    shop.send("dispute-anon", "why was I charged 59.99 this month? I'm on plus")
    report = shop.send("dispute-anon", "rosa.lind@example.com, zip 30301")
    tools = [s["tool"] for s in report.plan if s["status"] == "done"]
    assert tools[:2] == ["verify_identity", "list_invoices"], report.plan
    # A question about the charge is answered with its invoice, and the dispute offered (policy 3a): the yes opens it.
    assert _disputes(database_url) == [] and "INV-30002" in report.replies[-1], report.replies
    shop.send("dispute-anon", "yes, dispute it please")
    assert [d["invoice_id"] for d in _disputes(database_url)] == ["INV-30002"], report.plan


def test_an_order_is_found_from_the_product_the_customer_describes(shop: SupportService) -> None:
    report = shop.send("describe", "where is my laptop sleeve? not the phone case, that one came",
                       customer_id="C7001")
    order = next(s for s in report.plan if s["tool"] == "get_order")
    assert order["args"]["order_id"] == 18102 and order["status"] == "done", report.plan
    assert "1Z777AA10000000001" in report.replies[-1], report.replies
    assert "order number" not in report.replies[-1], "asked for what the records already say"


def test_an_item_quantity_changes_on_a_pending_order(shop: SupportService) -> None:
    report = shop.send("quantity", "I put too many hdmi cables in my order, I only need one",
                       customer_id="C7002")
    modify = next(s for s in report.plan if s["tool"] == "modify_order")
    assert modify["status"] == "done", report.plan
    assert modify["args"]["order_id"] == 18201 and modify["args"]["quantity"] in ("1", 1), modify["args"]
    assert "create_ticket" not in [s["tool"] for s in report.plan], "an item change is made, not ticketed"


def test_a_new_address_in_the_message_is_applied(shop: SupportService) -> None:
    report = shop.send("address", "please send order 18201 to 40 Birch Lane, Apt 7, Denver, CO 80203 instead",
                       customer_id="C7002")
    change = next(s for s in report.plan if s["tool"] == "change_shipping_address")
    assert change["status"] == "done", report.plan
    assert change["args"]["line1"] == "40 Birch Lane" and change["args"]["zip_code"] == "80203", change["args"]
    assert "40 Birch Lane" in report.replies[-1], report.replies
