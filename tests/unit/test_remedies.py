"""A remedy asked for beside a symptom (issue 15): an exchange the customer asks for is the request, whatever the
router reads in the story around it; an exchange told is made, one asked about waits for the customer's yes."""

from __future__ import annotations

from typing import Any, cast

import pytest

from graphs.reasoners.local.entities import Entities
from graphs.support.destination import destinations_named
from graphs.support.flows import get_flow, waits_for_yes
from graphs.support.remedies import NAMED_REMEDY, with_remedy_asked
from graphs.support.state import IntentGuess

PRODUCTS = cast(Entities, {"products": ["Studio Over-Ear Headphones"]})


def _exchange() -> Any:
    return next(s for s in get_flow("change_order").steps if s.tool == "exchange_item")


@pytest.mark.parametrize("words", [
    "the ANC ones hurt after an hour. Please just trade them for the Studio over-ears, order 41120.",
    "I'd like to exchange the mini speaker for the smart one",
])
def test_an_exchange_told_runs_without_asking_again(words: str) -> None:
    assert not waits_for_yes(_exchange(), words), words


@pytest.mark.parametrize("words", [
    "could I swap the mini speaker for the smart one?",
    "is it possible to trade them for the Studio over-ears?",
    "not sure whether to swap them for the Studio ones",
])
def test_an_exchange_asked_about_or_weighed_waits(words: str) -> None:
    assert waits_for_yes(_exchange(), words), words


def _guess(*pairs: tuple[str, float]) -> list[IntentGuess]:
    return [{"intent": i, "confidence": c} for i, c in pairs]


def test_an_exchange_asked_beside_a_symptom_is_the_request() -> None:
    seen = {"technical_issue": 0.58}
    words = "The left cup of my headphones crackles all the time. I want to trade them in for the Studio over-ears."
    intents = with_remedy_asked(_guess(("technical_issue", 0.58)), words, PRODUCTS, seen)
    assert [i["intent"] for i in intents] == ["change_order"]
    assert seen["change_order"] == intents[0]["confidence"] >= NAMED_REMEDY


@pytest.mark.parametrize("words", [
    "Went through the whole list, the hum is still there. frankly, just trade them for the Studio over-ears.",
    "still crackling after the reset. honestly replace them with the Studio Over-Ear Headphones, I'll pay more",
])
def test_an_exchange_told_after_the_guide_failed_is_the_request(words: str) -> None:
    # an imperative that an adverb opens tells the agent to swap: no "please" or question is needed
    intents = with_remedy_asked(_guess(("technical_issue", 0.87)), words, PRODUCTS, {})
    assert [i["intent"] for i in intents] == ["change_order"], words


def test_an_exchange_read_as_placing_an_order_is_the_exchange() -> None:
    words = "Okay whatever. Please exchange them for the Studio Over-Ear Headphones, it's order 41120."
    intents = with_remedy_asked(_guess(("place_order", 0.5)), words, PRODUCTS, {})
    assert intents[0]["intent"] == "change_order"


@pytest.mark.parametrize("words", [
    "Tried the reset twice, the left cup still hisses. Honestly just trade them in for the Studio over-ears.",
    "still hissing after all that. ok then, swap them for the Studio over-ears, I only use them at home",
])
def test_an_exchange_ordered_after_troubleshooting_is_the_request(words: str) -> None:
    intents = with_remedy_asked(_guess(("technical_issue", 0.7)), words, PRODUCTS, {})
    assert [i["intent"] for i in intents] == ["change_order"], words


@pytest.mark.parametrize(("intents", "words", "entities"), [
    # a swap only told as what happened asks for nothing
    (_guess(("technical_issue", 0.9)), "I swapped the cable for the Studio over-ears' spare one and it still hums.",
     PRODUCTS),
    # no product of ours named: nothing to exchange to
    (_guess(("technical_issue", 0.9)), "it keeps dropping out, can I swap it for something else?", cast(Entities, {})),
    # a reading whose own flow takes the swap, or that changes other records, is left as read
    (_guess(("get_refund", 0.8)), "can I send them back and swap them for the Studio over-ears?", PRODUCTS),
    (_guess(("switch_account", 0.8)), "please switch my plan to pro and swap the Studio over-ears", PRODUCTS),
])
def test_no_exchange_is_read_where_none_is_asked_or_another_flow_takes_it(
        intents: list[IntentGuess], words: str, entities: Entities) -> None:
    assert with_remedy_asked(intents, words, entities, {}) == intents


@pytest.mark.parametrize(("words", "wanted", "refused"), [
    # "instead of" puts the money's other destination out of the way across its clause, not only a few words on
    ("ok, but instead of sending all of it back to my card can you make it a gift card?", {"gift_card"}, {"card"}),
    ("rather than a voucher, put it on my card", {"card"}, {"gift_card"}),
])
def test_the_destination_put_in_place_of_another_is_refused(words: str, wanted: set[str], refused: set[str]) -> None:
    assert destinations_named(words) == (wanted, refused)
