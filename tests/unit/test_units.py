"""How many units of an order line a customer's words mean (graphs/support/units.py), and where a conditional yes
wants the money of a refund offer (graphs/support/destination.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from graphs.support.destination import destination_condition, kind_of, unmet_destinations
from graphs.support.flow_spec import Lookup
from graphs.support.lookups import _value
from graphs.support.parts import asked_in_all
from graphs.support.state import Step
from graphs.support.units import asking, both_said, narrowed_to, place_named, units_meant, units_reported

CABLE = "HDMI Cable 2m"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "left", "count"), [
    ("can you take back one of the cables from my last order?", 3, 1),
    ("two of the four speakers hum, I'd like a refund for those two", 4, 2),
    ("refund 2 cables please, I ordered one too many twice", 3, 2),
    ("the set had five plugs. I want to send all but two back", 5, 3),
    ("one was already refunded; please refund the other two", 3, 2),
    ("I kept one. Return the last two for me", 3, 2),
    ("a cable was missing from the box. Please refund the missing cable", 3, 1),
    ("the left one is dead. Can you refund that one?", 2, 1),
    ("both plugs are faulty, I want a refund", 3, 2),
    ("I only got 2 in the box, please refund the missing one", 3, 1),
    # the action's own count, not the count kept before it ("two of the three" are the ones the customer keeps)
    ("We found a use for two of the three cables on order 27150, so I'm sending one back.", 3, 1),
    ("in the end we only need two of the three cables, so I'm posting one back", 3, 1),
])
def test_a_count_said_is_the_units_meant(text: str, left: int, count: int) -> None:
    assert units_meant(text, CABLE, left) == count


@pytest.mark.parametrize(("text", "left"), [
    ("three cables arrived and two will do, so the third one is going back to you", 3),
    ("the box had 4 cables, please refund the fourth cable, it is frayed", 4),
    ("I got three. Two are fine; could you refund the last one?", 3),
])
def test_a_unit_named_by_its_place_is_one(text: str, left: int) -> None:
    """An ordinal names one unit, whatever total is said beside it ("three ... the third one")."""
    assert units_meant(text, CABLE, left) == 1


@pytest.mark.parametrize(("text", "left", "count"), [
    ("please send back the final two cables for me, the first one works fine", 3, 2),
    ("the second cable is okay, take back the other two", 3, 2),
    ("I'm keeping the first one; refund the last three cables", 4, 3),
])
def test_a_unit_named_by_its_place_as_kept_is_not_the_count(text: str, left: int, count: int) -> None:
    """An ordinal names the one unit asked for only when the words ask for it and say no count of what they ask
    for: "the first one is fine" is kept, and "the last two" counts two."""
    assert units_meant(text, CABLE, left) == count


@pytest.mark.parametrize("text", [
    "could I have the desk lamp from order 20004 returned if the box is torn?",
    "is it possible to get the spare cable on that order refunded?",
])
def test_a_wish_naming_its_thing_at_length_asks_and_reports_nothing_paid_back(text: str) -> None:
    """"get <what> refunded" wishes the refund however many words name what; it reports no unit paid back, so
    no unit is taken off what is left (the refund would come to $0)."""
    assert asking(text) and units_reported(text, "Desk Lamp", 2) == 0 and units_reported(text, CABLE, 2) == 0


def test_the_place_named_tells_the_line_and_a_count_is_no_place() -> None:
    assert place_named("please take the third one back as well") == 3
    assert place_named("the second of them rattles") == 2
    assert place_named("refund the last two please") is None
    assert place_named("this is my first order with you") is None


@pytest.mark.parametrize(("text", "names", "both"), [
    ("I thought I'd return both. Just refund the speaker though", ["Nimbus Mini Speaker", "Glow Smart Plug"], False),
    ("can I send both back? no, only return the plug", ["Nimbus Mini Speaker", "Glow Smart Plug"], False),
    ("they are useless to me, please return both", ["Nimbus Mini Speaker", "Glow Smart Plug"], True),
])
def test_just_one_after_both_narrows_it(text: str, names: list[str], both: bool) -> None:
    assert both_said(text, names) is both


def test_the_words_narrowed_to() -> None:
    assert narrowed_to("can I send both back? hm, actually only the plug. thanks") == "only the plug"
    assert narrowed_to("please return both") == ""


@pytest.mark.parametrize(("text", "left", "in_all"), [
    ("refund $50 this week and the remainder next month please", 179.0, 179.0),
    ("$100 to my card and the other $79 onto a gift card", 179.0, 179.0),
    ("could I have $45 today and $45 on monday", 179.0, 90.0),
    ("the $179 doorbell is scuffed, refund $30 and I'll keep the rest", 179.0, None),  # the rest is kept
    ("I only need two cables, refund the rest", 179.0, None),  # the rest of the units, no sum of money
    ("the $179 doorbell is scuffed, refund $30 of it", 179.0, None),  # a price quoted is no part
    ("put a hundred dollars on my card and the other $79 in store credit", 179.0, 179.0),  # a sum in words
    ("sixty bucks now and sixty dollars on friday please", 179.0, 120.0),
    # sums above all the order was charged (here twice) are other money quoted beside it, no parts of its refund
    ("the $179 charge shows up twice; with my $1,200 mortgage due I'd like the extra back, my last order was only $25",
     358.0, None),
])
def test_what_a_refund_asked_in_parts_comes_to(text: str, left: float, in_all: float | None) -> None:
    order = {"total": 179.0, "items": [{"unit_price": 179.0, "line_total": 179.0}]}
    assert asked_in_all(text, order, left, NOW) == in_all


@pytest.mark.parametrize(("text", "in_all"), [
    ("give me $35 back on it, and the rest we can happily eat", None),  # the rest declined after it
    ("$25 back please. The balance isn't worth the hassle", None),
    ("put $30 on my card, then the remaining $40 on store credit please", 70.0),  # the rest is that sum
    ("the speaker disappointed me: $20 back now and the rest next month", 59.0),  # the speaker's rest
])
def test_the_rest_asked_in_parts_is_what_the_words_say(text: str, in_all: float | None) -> None:
    order = {"total": 84.0, "items": [{"name": "Nimbus Mini Speaker", "unit_price": 59.0, "line_total": 59.0},
                                      {"name": "HDMI Cable 2m", "unit_price": 12.5, "line_total": 25.0}]}
    assert asked_in_all(text, order, 84.0, NOW) == in_all


@pytest.mark.parametrize(("text", "left", "count"), [
    ("four cables came. I only need one of them, could you refund the rest?", 4, 3),
    ("There were three cables in the box. We only wanted two. Refund the spare please", 3, 1),
    ("keeping one cable, can I send the others back?", 3, 2),
    ("two cables are plenty for me, please refund the extra ones", 3, 1),
])
def test_the_rest_is_what_the_customer_does_not_keep(text: str, left: int, count: int) -> None:
    """ "The rest" or "the extra" after the customer said how many they keep: the units beyond those, never the
    whole line."""
    assert units_meant(text, CABLE, left) == count


@pytest.mark.parametrize(("text", "left"), [
    ("please refund the cables, none of them work", 3),
    ("refund all three of them", 3),
    ("I want to send back both plugs", 2),
    ("return the rest of them", 3),
    ("could you refund the cable?", 1),  # one unit left: nothing to count
])
def test_no_count_or_every_unit_is_none(text: str, left: int) -> None:
    assert units_meant(text, CABLE, left) is None


def test_the_count_is_read_where_the_customer_asks_not_where_they_tell_what_happened() -> None:
    text = "Only two of the three cables came. Could you refund me the missing cable?"
    assert units_meant(text, CABLE, 3) == 1


def test_the_sentences_that_tell_which_count_when_the_asking_one_says_no_count() -> None:
    assert units_meant("Another of my three cables gave up today. Can I get a refund for it?", CABLE, 3) == 1
    assert units_meant("A second cable of the three gave up today. Can I get a refund for it?", CABLE, 3) == 1


def test_a_count_naming_no_product_is_not_read_for_several_lines() -> None:
    assert units_meant("please refund those two", CABLE, 3, lines=2) is None
    assert units_meant("please refund two cables and the mouse", CABLE, 3, lines=2) == 2


ITEMS = Lookup(step="order", items="items", match={"products": "name"}, keep=["product_id"], units="quantity")
AMOUNT = Lookup(step="order", items="items", match={"products": "name"}, total="unit_price", partial=True,
                units="quantity")
LINES = [{"product_id": "P001", "name": CABLE, "quantity": 3, "returned": 1, "unit_price": 14.99},
         {"product_id": "P002", "name": "Wireless Mouse", "quantity": 1, "returned": 0, "unit_price": 29.99}]


def test_a_return_carries_the_units_meant_else_every_unit_not_yet_returned() -> None:
    assert _value(ITEMS, True, LINES[:1], 2, "return one of the cables") == [{"product_id": "P001", "quantity": 1}]
    assert _value(ITEMS, True, LINES[:1], 2, "return the cables") == [{"product_id": "P001", "quantity": 2}]


def test_a_refund_is_the_unit_price_times_the_units_meant() -> None:
    assert _value(AMOUNT, False, LINES[:1], 2, "refund one of the cables") == {"value": 14.99}
    assert _value(AMOUNT, False, LINES[:1], 2, "refund the cables") == {"value": 29.98}
    assert _value(AMOUNT, False, LINES, 2, "refund the cables and the mouse") is None  # all of it: all refundable


def _plan(paid_with: list[str], to_gift_card: bool = False) -> list[Step]:
    base: dict[str, Any] = {"depends_on": [], "why": "", "writes": False, "error": None, "hold_reason": None,
                            "approved_by": None, "confirmed": False}
    return [
        {**base, "id": "get_refund.refunds", "intent": "get_refund", "tool": "get_refund_status", "status": "done",
         "args": {"order_id": 40001}, "result": {"ok": True, "data": {"order_id": 40001, "paid_with": paid_with}}},
        {**base, "id": "get_refund.refund", "intent": "get_refund", "tool": "refund_order", "writes": True,
         "status": "awaiting_confirmation", "result": None,
         "args": {"order_id": 40001, "amount": 20.0, "to_gift_card": to_gift_card}},
    ]  # type: ignore[list-item]


@pytest.mark.parametrize(("reply", "paid", "holds"), [
    ("alright, provided the money lands back in my paypal", ["paypal"], True),
    ("alright, provided the money lands back in my paypal", ["card ending 1111"], False),
    ("sure, so long as it's not a voucher", ["card ending 1111"], True),
    ("sure, so long as it goes on my visa", ["card ending 1111"], True),
    ("fine, so long as it doesn't hit my mastercard", ["card ending 1111"], False),  # contracted negation
    ("sure, provided it won't turn into shop credit", ["card ending 1111"], True),
    ("ok, as long as it isnt paypal", ["paypal"], False),
    ("ok if it arrives by friday", ["paypal"], None),  # no destination named: not decided here
    ("yes please", ["paypal"], None),
])
def test_a_condition_on_the_destination_holds_only_when_the_offer_meets_it(reply: str, paid: list[str],
                                                                           holds: bool | None) -> None:
    assert destination_condition(reply, _plan(paid)) is holds


def test_store_credit_offered_meets_a_voucher_condition_not_a_paypal_one() -> None:
    assert destination_condition("ok, as long as it's a gift card", _plan(["paypal"], to_gift_card=True)) is True
    assert destination_condition("ok, as long as it's on paypal", _plan(["paypal"], to_gift_card=True)) is False


def test_only_a_destination_no_refund_of_the_order_can_have_is_unmet() -> None:
    assert unmet_destinations("fine, as long as it goes to paypal", _plan(["card ending 1111"])) == ["paypal"]
    # the card the order was paid with can be had: the customer changes the offer, it is not refused
    assert unmet_destinations("fine, as long as it's on my card", _plan(["card ending 1111"], True)) == []
    assert kind_of("gift_card") == "gift_card" and kind_of("card ending 4242") == "card"


@pytest.mark.parametrize(("text", "left", "count"), [
    ("I only want one of them refunded, the rest are fine", 5, 1),  # the count asked for, not the one kept
    ("I only want 2 of the 5 cables refunded, keep the rest", 5, 2),
    ("I only need two cables. Refund the rest.", 5, 3),  # kept: the rest is beyond them
    ("I only want one, refund the others", 3, 2),
])
def test_the_rest_is_read_on_the_side_it_is_on(text: str, left: int, count: int) -> None:
    assert units_meant(text, CABLE, left) == count


@pytest.mark.parametrize(("text", "count"), [
    ("I bought 3 x $14.99 cables on order 71001 and one is broken, please refund it", 1),
    ("The cables from 71001 came today, but two arrived dead. Please refund them", 2),
])
def test_a_count_the_fault_befell_is_the_count_meant(text: str, count: int) -> None:
    assert units_meant(text, CABLE, 3) == count
