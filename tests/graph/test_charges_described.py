"""Charges the customer describes, through the whole graph on each checkpointer (policy 2 and 3a): money taken twice
is refunded (the duplicate only) whatever request the router reads in the report, a question about it waits for a
yes, and a question about a charge is answered with its invoice and a dispute offered, not opened. The store holds
only this file's own fixtures (not the demo company).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from service.conversations import SupportService
from tests.graph.conftest import refunds_of, scenario_shop
from tools.store import open_store
from tools.store.schema import disputes

NOW = datetime(2026, 7, 14, 12, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": "C9301", "name": "Tove Lind", "email": "tove.lind@example.com", "zip_code": "55401",
         "card_last4": "2207", "plan": "plus"},
        {"id": "C9302", "name": "Ravi Anand", "email": "ravi.anand@example.com", "zip_code": "02139",
         "card_last4": "6631"},
    ],
    "orders": [
        # Tove: a smart plug charged twice.
        {"id": 29301, "customer": "C9301", "status": "delivered", "placed_days_ago": 5, "delivered_days_ago": 2,
         "items": [{"product": "Glow Smart Plug"}]},
        # Ravi: a speaker charged twice, above the approval limit.
        {"id": 29302, "customer": "C9302", "status": "delivered", "placed_days_ago": 6, "delivered_days_ago": 3,
         "items": [{"product": "Nimbus Smart Speaker"}]},
    ],
    "charges": [{"customer": "C9301", "order": 29301, "amount": 24.99, "days_ago": 5},
                {"customer": "C9302", "order": 29302, "amount": 129.0, "days_ago": 6}],
    "subscriptions": [{"id": "SUB-9301", "customer": "C9301", "plan": "plus", "status": "active",
                       "started_days_ago": 120, "renews_in_days": 20}],
    "invoices": [
        {"id": "INV-39301", "customer": "C9301", "subscription": "SUB-9301", "amount": 9.99, "status": "paid",
         "issued_days_ago": 40},
        {"id": "INV-39302", "customer": "C9301", "subscription": "SUB-9301", "amount": 59.99, "status": "paid",
         "issued_days_ago": 10},
    ],
}


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


def _disputes(url: str) -> list[str]:
    with open_store(url).db.begin() as conn:
        return [str(r) for r in conn.execute(select(disputes.c.invoice_id)).scalars()]


def _amounts(url: str, order_id: int) -> list[float]:
    return [r["amount"] for r in refunds_of(url, order_id)]


def test_money_taken_twice_read_as_a_refund_to_track_refunds_the_duplicate(shop: SupportService,
                                                                           database_url: str) -> None:
    """The router reads a refund to track; the words report the plug charged twice and its charges show it: the
    duplicate is refunded, once, without a second yes."""
    shop.send("track", "the smart plug money came out of my account twice and nothing has come back yet.",
              customer_id="C9301")
    assert _amounts(database_url, 29301) == [24.99]


def test_a_question_about_two_payments_read_as_an_order_change_offers_the_duplicate(shop: SupportService,
                                                                                    database_url: str) -> None:
    """The router reads an order change; the order was charged twice: the duplicate is offered (a question waits
    for the yes), nothing is asked of the fulfilment team, and the yes refunds one charge, not the order's total."""
    first = shop.send("change", "Hey, I see two $24.99 payments from the same day. Did I order the plug twice by "
                                "mistake?", customer_id="C9301")
    assert _amounts(database_url, 29301) == [], first.plan
    assert not any(s["tool"] == "create_ticket" and s["status"] == "done" for s in first.plan), first.plan
    assert "duplicate" in first.replies[-1], first.replies
    shop.send("change", "yes, refund the duplicate please", customer_id="C9301")
    assert _amounts(database_url, 29301) == [24.99]


def test_a_reported_duplicate_is_refunded_however_unsure_the_router_is(shop: SupportService,
                                                                       database_url: str) -> None:
    """The router is unsure of the request's name; the words report money taken twice and the records show it: the
    refund is what the customer asked for (policy 2), not a question back to them."""
    shop.send("unsure", "you've taken 24.99 twice for the plug. I only got one!", customer_id="C9301")
    assert _amounts(database_url, 29301) == [24.99]


def test_the_extra_charge_asked_back_above_the_limit_goes_to_a_reviewer(shop: SupportService,
                                                                         database_url: str) -> None:
    """"Can I have the duplicate charge back?" asks for it (no question whether): above $100 the duplicate waits for a
    billing reviewer, and "charge back" in it is no chargeback threat."""
    report = shop.send("limit", "My statement lists $129.00 twice for order 29302, one speaker. Can I have the "
                                "duplicate charge back?", customer_id="C9302")
    assert report.review_request is not None, report.replies
    refund = next(s for s in report.plan if s["tool"] == "refund_order" and s["status"] != "skipped")
    assert refund["status"] == "needs_approval" and refund["args"]["amount"] == 129.0, refund
    assert "chargeback" not in report.replies[-1].lower(), report.replies
    assert _amounts(database_url, 29302) == []


def test_a_question_about_a_charge_is_answered_with_its_invoice_and_a_dispute_offered(shop: SupportService,
                                                                                      database_url: str) -> None:
    first = shop.send("asks", "My statement shows a $59.99 payment to you last week. what was that for?",
                      customer_id="C9301")
    assert _disputes(database_url) == [], "a question opens no dispute"
    assert "INV-39302" in first.replies[-1] and "dispute" in first.replies[-1], first.replies
    second = shop.send("asks", "That plan was never mine. I'd like to dispute it.", customer_id="C9301")
    assert _disputes(database_url) == ["INV-39302"], second.replies
    assert second.review_request is not None, "only a human decides a dispute"


def test_a_dispute_offered_and_declined_opens_nothing(shop: SupportService, database_url: str) -> None:
    shop.send("declines", "My statement shows a $59.99 payment to you last week. what was that for?",
              customer_id="C9301")
    shop.send("declines", "no, that's fine, leave it", customer_id="C9301")
    assert _disputes(database_url) == []


def test_a_duplicate_wanted_back_beside_a_question_where_the_money_is_is_refunded(shop: SupportService,
                                                                                  database_url: str) -> None:
    """"Where's the money ...? ... I want it back": the question asks where it is, the last sentence asks it back
    (policy 2: a reported duplicate is refunded without asking again), report 16 r16-dup-track-words."""
    report = shop.send("where", "Where is the extra 24.99 you took for order 29301? You billed me twice, I want it "
                                "back.", customer_id="C9301")
    assert _amounts(database_url, 29301) == [24.99], report.replies


def test_a_dispute_worded_disputing_beside_a_should_is_opened(shop: SupportService, database_url: str) -> None:
    """"I'm disputing it" names the dispute ("dispute" read with its inflections), so "should" elsewhere is no
    hesitation about it (report 16 r16-dispute): the dispute is opened and a person decides it."""
    report = shop.send("disputing", "INV-39302 should never have been charged - I cancelled Plus before the renewal. "
                       "I am disputing it.",
                       customer_id="C9301")
    assert _disputes(database_url) == ["INV-39302"], report.replies
    assert report.review_request is not None


def test_the_charge_disputed_is_the_one_the_disputing_sentence_describes(shop: SupportService,
                                                                         database_url: str) -> None:
    """The message names the monthly $9.99 with its date as fine and disputes the $59.99: the invoice disputed is
    the one the sentence telling the dispute describes, not the one another sentence's date fits."""
    report = shop.send("by-sentence", "My Plus costs me $9.99 monthly and the June 4 payment was fine. Then $59.99 "
                                      "showed up on my card and I never chose Pro. I'd like to dispute the $59.99 "
                                      "charge.",
                       customer_id="C9301")
    assert _disputes(database_url) == ["INV-39302"], report.replies


def test_a_figure_beside_the_disputing_clause_does_not_pick_the_charge(shop: SupportService,
                                                                       database_url: str) -> None:
    """"..., so I want to dispute it": the clause telling the dispute names no figure, and the $9.99 the clause
    before it mentions is not what is disputed; the whole description (amount and date) finds the charge."""
    report = shop.send("beside", "There's a $59.99 payment on my card from around July 4. The only plan I ever "
                                 "agreed to is $9.99 with nothing above that, so I want to dispute it.",
                       customer_id="C9301")
    assert _disputes(database_url) == ["INV-39302"], report.replies
