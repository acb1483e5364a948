"""A no to the offer, then an order set off by a dash ("no, keep it - just drop the lamp from it"): the order is
read in the clause after the dash (graphs/reasoners/local/segments.orders_in), so the no asks for something else."""

from __future__ import annotations

import pytest

from graphs.reasoners.local.segments import orders_in
from graphs.support.dialogue_acts import read_act


@pytest.mark.parametrize(("text", "orders"), [
    ("nope, the parcel stays as it is \u2014 simply drop the desk lamp from it", True),
    ("keep everything please - only remove the lamp", True),
    ("the order is fine - it was a mix-up on my side", False),
])
def test_an_order_set_off_by_a_dash_is_read(text: str, orders: bool) -> None:
    assert orders_in(text) is orders


def test_a_no_then_an_order_after_a_dash_turns_the_offer_down_for_that_order() -> None:
    said = "Hmm, no then, the parcel stays as it is \u2014 simply drop the desk lamp from it."
    asked = {"kind": "confirmation", "slots": ["confirmation"], "expects": [], "options": []}
    reading = read_act(said, asked, {}, "no", {"intent": "change_order", "confidence": 0.9}, ["cancel_order"])  # type: ignore[arg-type]
    assert reading["act"] == "new_request" and "turns the offer down and asks for something else" in reading["cues"]
