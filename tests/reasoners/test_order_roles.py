"""Which of several order ids a long message is about (graphs/reasoners/local/order_roles.py, entities.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graphs.reasoners.local.entities import extract_entities
from graphs.reasoners.local.order_roles import background_numbers, background_orders, rank_orders, tells_background
from graphs.reasoners.local.segments import ask_pieces

NOW = datetime(2025, 6, 5, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "first"), [
    # an earlier purchase that gives no trouble, then the one written about
    ("Last spring I got a blender from you (order 30412) and it has been great, so last week I ordered the "
     "toaster too, order 41177. Has it left the warehouse yet?", 41177),
    # another order the customer also has, to be left alone
    ("For the record I also have order 52210 for a lamp, leave that one alone. Please stop order 47719.", 47719),
    # the order a charge cannot be
    ("My previous order was 33018 in March, so it can't be that. The kettle, order 45102, was taken twice.", 45102),
])
def test_an_order_told_as_background_comes_after_the_one_written_about(text: str, first: int) -> None:
    assert extract_entities(text, now=NOW)["order_ids"][0] == first


def test_plain_orders_keep_the_order_they_are_written_in() -> None:
    text = "Order 40011 is late and order 40022 is late too."
    assert rank_orders(text, [40011, 40022]) == [40011, 40022]
    assert background_orders(text, [40011, 40022]) == set()


def test_of_two_background_orders_the_one_told_as_another_record_is_more_so() -> None:
    text = ("The mixer from order 61001 works fine but it was charged twice. Prior to that my one other "
            "purchase was 59002, so it can't be that one.")
    assert background_orders(text, [61001, 59002]) == {59002}


def test_a_clause_naming_only_background_orders_tells_the_story() -> None:
    text = "I also had order 58003 with you, please don't touch it. Cancel order 60004 please."
    background = background_numbers(text)
    assert background == {58003}
    assert tells_background("I also had order 58003 with you", background)
    assert not tells_background("Cancel order 60004 please", background)


@pytest.mark.parametrize(("text", "orders"), [
    ("I bought a mouse pad (64008) and a lamp last week.", [64008]),
    ("Could you stop 73006 before it ships?", [73006]),
    ("My asset tag 10442 is on the laptop, nothing to do with order 52001.", [52001]),
])
def test_order_ids_named_by_a_purchase_or_an_action_and_not_by_another_numbers_noun(text: str,
                                                                                    orders: list[int]) -> None:
    assert extract_entities(text, now=NOW).get("order_ids") == orders


def test_a_want_after_so_is_cut_from_the_reason_before_it() -> None:
    pieces = ask_pieces("The keyboard is fine. Bills are due (gas is $200 on the 3rd) so I'd want the spare $40 back.")
    assert "I'd want the spare $40 back" in pieces
