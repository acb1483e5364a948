"""A request only to see what a flow would change is the request that shows the record (graphs/support/viewing.py)."""

from __future__ import annotations

from typing import cast

import pytest

from graphs.reasoners.local.entities import Entities
from graphs.support.state import IntentGuess
from graphs.support.viewing import with_record_shown

CHANGE: list[IntentGuess] = [{"intent": "change_shipping_address", "confidence": 0.88}]


@pytest.mark.parametrize("words", [
    "Quick one on order 41207: which street is it being delivered to? Just want to check before it leaves.",
    "could you read out the delivery address you have for 41207 so I can verify it",
])
def test_asking_to_see_the_address_is_the_orders_tracking(words: str) -> None:
    intents = with_record_shown(CHANGE, words, cast(Entities, {}))
    assert intents == [{"intent": "track_order", "confidence": 0.88}]


@pytest.mark.parametrize(("words", "entities"), [
    ("can you check the address on 41207? we moved last month", {}),  # a reason for a change
    ("what's the address on 41207? it should go to my office instead", {}),  # a change named
    ("please confirm 41207 goes to 9 Birch Road, Leeds LS2 7QT", {"addresses": [{"line1": "9 Birch Road"}]}),
])
def test_a_change_named_or_a_new_value_given_stays_a_change(words: str, entities: dict[str, object]) -> None:
    assert with_record_shown(CHANGE, words, cast(Entities, entities)) == CHANGE


def test_a_flow_that_shows_nothing_else_is_left_as_read() -> None:
    intents: list[IntentGuess] = [{"intent": "cancel_order", "confidence": 0.9}]
    assert with_record_shown(intents, "can you check and cancel order 41207?", cast(Entities, {})) == intents
