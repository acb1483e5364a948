"""A charge taken twice (policy 2), through the whole graph on each checkpointer: the duplicate of the order the
customer names or describes is refunded without a second yes, once; another order's waits for their yes; an
anonymous customer is verified first. The store holds only this file's own fixtures (not the demo company).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from graphs.support.flows import get_flow
from graphs.support.instruction import hedges_action
from service.conversations import SupportService
from tests.graph.conftest import refunds_of, scenario_shop

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": "C9101", "name": "Lena Brook", "email": "lena.brook@example.com", "zip_code": "97201",
         "card_last4": "6120"},
        {"id": "C9102", "name": "Omar Tal", "email": "omar.tal@example.com", "zip_code": "33101",
         "card_last4": "8842"},
    ],
    "orders": [
        # Lena: a keyboard and a plug each charged twice, a bulb pack charged once.
        {"id": 29101, "customer": "C9101", "status": "delivered", "placed_days_ago": 9, "delivered_days_ago": 5,
         "items": [{"product": "Mechanical Keyboard"}]},
        {"id": 29102, "customer": "C9101", "status": "delivered", "placed_days_ago": 4, "delivered_days_ago": 2,
         "items": [{"product": "Glow Smart Plug"}]},
        {"id": 29103, "customer": "C9101", "status": "delivered", "placed_days_ago": 12, "delivered_days_ago": 8,
         "items": [{"product": "Glow Smart Bulb 4-pack"}]},
        # Omar: one speaker order, charged twice.
        {"id": 29201, "customer": "C9102", "status": "delivered", "placed_days_ago": 6, "delivered_days_ago": 3,
         "items": [{"product": "Nimbus Mini Speaker"}]},
    ],
    "charges": [{"customer": "C9101", "order": 29101, "amount": 89.99, "days_ago": 9},
                {"customer": "C9101", "order": 29102, "amount": 24.99, "days_ago": 4},
                {"customer": "C9102", "order": 29201, "amount": 49.00, "days_ago": 6}],
}


@pytest.fixture
def shop(database_url: str) -> Iterator[SupportService]:
    yield from scenario_shop(database_url, DATA, NOW)


def amounts(url: str, order_id: int) -> list[float]:
    return [r["amount"] for r in refunds_of(url, order_id)]


def test_money_taken_twice_in_other_words_is_a_duplicate() -> None:
    duplicate = get_flow("payment_issue").slots["duplicate"]
    assert duplicate.read_text("the speaker payment went through twice on my card") is True
    assert duplicate.read_text("I think the plug order got hit twice") is True
    assert duplicate.read_text("my bank lists two $24.99 payments to you") is True
    assert duplicate.read_text("you charged me double for the lamp") is True
    # the repeated charge named with its amount between ("the extra 24.99 payment", "the second $80 debit")
    assert duplicate.read_text("you said the extra 24.99 payment would come back to me") is True
    assert duplicate.read_text("the second $80 debit is still on my card") is True
    assert duplicate.read_text("my second order of 24.99 arrived") is None
    # a statement's lines said to be the same ("two identical entries"), not lines of another kind
    assert duplicate.read_text("my statement has two duplicate entries of 24.99") is True
    assert duplicate.read_text("both of us have two lines on the mobile plan") is None
    assert duplicate.read_text("my card got declined twice at checkout") is None
    assert duplicate.read_text("checkout says it couldn't take the payment (ref PAY-77a1), tried twice now") is None
    # "Twice" about something else than the money, in the same message as a payment word or a refund asked for
    assert duplicate.read_text("the earbuds from order 29101 hit the floor twice and died, refund them") is None
    assert duplicate.read_text("the courier came out twice and I still had to collect it") is None
    assert duplicate.read_text("I paid full price and they broke twice already, refund please") is None
    assert duplicate.read_text("the keyboard came out of my account twice") is True


def test_keeping_the_goods_does_not_hold_back_a_refund() -> None:
    assert not hedges_action("only the duplicate please, I'm keeping the speaker", "refund")
    assert hedges_action("actually I'd rather keep it", "cancel"), "keeping still holds back a cancel"


def test_an_anonymous_report_on_a_named_order_is_verified_then_refunded_once(shop: SupportService,
                                                                             database_url: str) -> None:
    first = shop.send("anon", "order 29201 shows up twice on my card statement, did you take the money two times?")
    assert "confirm it's you" in first.replies[-1], first.replies
    shop.send("anon", "omar.tal@example.com, zip 33101")
    assert amounts(database_url, 29201) == [49.0], "the duplicate of the order named, after verification"
    shop.send("anon", "great, please refund the extra one")
    assert amounts(database_url, 29201) == [49.0], "never refunded twice"


def test_the_named_orders_duplicate_is_refunded_not_another_orders(shop: SupportService, database_url: str) -> None:
    shop.send("named", "I was billed twice on order 29102, my card shows the same amount two times",
              customer_id="C9101")
    assert amounts(database_url, 29102) == [24.99]
    assert amounts(database_url, 29101) == [], "the keyboard order's duplicate was not reported"


def test_the_described_orders_duplicate_is_refunded_without_a_second_yes(shop: SupportService,
                                                                        database_url: str) -> None:
    shop.send("described", "the keyboard payment went through twice, could you put one of them back please",
              customer_id="C9101")
    assert amounts(database_url, 29101) == [89.99]
    assert amounts(database_url, 29102) == []


def test_keeping_the_goods_asks_back_only_the_duplicate(shop: SupportService, database_url: str) -> None:
    shop.send("keep", "my statement has two charges of $49.00 for the speaker. Just refund the duplicate, I'm "
                      "keeping the speaker itself", customer_id="C9102")
    assert amounts(database_url, 29201) == [49.0]


def test_another_orders_duplicate_waits_for_the_yes(shop: SupportService, database_url: str) -> None:
    report = shop.send("other", "the bulbs went through twice, please refund the double payment",
                       customer_id="C9101")
    assert amounts(database_url, 29103) == [] and amounts(database_url, 29101) == [] \
        and amounts(database_url, 29102) == [], report.plan


def test_a_second_orders_duplicate_reported_later_refunds_only_that_duplicate(shop: SupportService,
                                                                            database_url: str) -> None:
    shop.send("both", "I was billed twice on order 29102, my card shows the same amount two times",
              customer_id="C9101")
    shop.send("both", "oh and the keyboard order might have gone through twice as well, please refund that one too",
              customer_id="C9101")
    shop.send("both", "yes please", customer_id="C9101")
    assert amounts(database_url, 29102) == [24.99], "never refunded twice"
    assert amounts(database_url, 29101) == [89.99], "the keyboard's duplicate only, not the whole order"


def test_a_duplicate_asked_back_after_its_refund_refunds_nothing_more(shop: SupportService, database_url: str) -> None:
    shop.send("again", "order 29201 shows up twice on my card statement, did you take the money two times?")
    shop.send("again", "omar.tal@example.com, zip 33101")
    report = shop.send("again", "sure, give me back the duplicate please")
    assert amounts(database_url, 29201) == [49.0], "the order's own charge is no duplicate: never refunded"
    assert "refunded already" in report.replies[-1], report.replies


def test_a_charge_said_to_be_twice_only_when_asked_which_is_looked_for_then(shop: SupportService,
                                                                            database_url: str) -> None:
    # "a charge", asked which invoice, then "charged twice": the detail changes the request, so the charges are
    # read and the duplicate reported is refunded (policy 2), as had it been said at first
    shop.send("later", "got a query about a charge", customer_id="C9102")
    shop.send("later", "looks like I was billed twice for it", customer_id="C9102")
    assert amounts(database_url, 29201) == [49.0]


def test_a_charge_asked_about_later_still_waits_for_the_yes(shop: SupportService, database_url: str) -> None:
    shop.send("asked", "got a query about a charge", customer_id="C9102")
    shop.send("asked", "was I charged twice?", customer_id="C9102")
    assert amounts(database_url, 29201) == [], "a question about the charge refunds nothing without a yes"


def test_a_duplicate_on_another_order_than_the_one_named_is_offered_and_the_yes_refunds_only_it(
        shop: SupportService, database_url: str) -> None:
    """The bulb order named was charged once; the plug order was charged twice (policy 2: a duplicate found on
    another order is offered and waits for the yes). The yes refunds that duplicate, not the order named."""
    first = shop.send("elsewhere", "my card statement says order 29103 got charged two times", customer_id="C9101")
    assert amounts(database_url, 29103) == [] and amounts(database_url, 29102) == [], first.plan
    assert "29102" in first.replies[-1] and "$24.99" in first.replies[-1], first.replies
    shop.send("elsewhere", "yes please do", customer_id="C9101")
    assert amounts(database_url, 29102) == [24.99], "the duplicate offered"
    assert amounts(database_url, 29103) == [] and amounts(database_url, 29101) == [], "nothing else moved"


@pytest.mark.parametrize("text", [
    "I'm sending back the smart plug from order 29102 for a refund, it rattles. Also that order went through twice "
    "on my card.",
    "Refund the plug of order 29102, I'll post it back to you. My card also shows two payments of 24.99 for it.",
])
def test_a_return_beside_a_reported_duplicate_does_both(shop: SupportService, database_url: str, text: str) -> None:
    """Policy 2: the return asked for is made, and the duplicate reported for that order is refunded without asking
    again (the goods' refund does not lessen it); before, the duplicate replaced the return."""
    shop.send("both-asked", text, customer_id="C9101")
    assert sorted(amounts(database_url, 29102)) == [24.99, 24.99], "the plug's price and the duplicate"
    assert amounts(database_url, 29101) == [] and amounts(database_url, 29103) == []


def test_a_return_on_an_order_charged_twice_refunds_no_duplicate_unreported(shop: SupportService,
                                                                          database_url: str) -> None:
    shop.send("return-only", "the smart plug on order 29102 rattles - I want to return it, refund please",
              customer_id="C9101")
    assert amounts(database_url, 29102) == [24.99], "the return only: the duplicate was not reported"
