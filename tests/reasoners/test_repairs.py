"""A reply that retypes only the wrong part of a value given before (graphs/reasoners/local/repairs.py)."""

from __future__ import annotations

import pytest

from graphs.reasoners.local.repairs import repaired_values

HELD = {"email": "bri.holt@gmial.com"}


@pytest.mark.parametrize("reply", ["*gmail omg", "gmail", "i meant gmail not gmial", "sorry, *gmail.com"])
def test_a_retyped_part_corrects_the_value(reply: str) -> None:
    assert repaired_values(reply, HELD) == {"email": "bri.holt@gmail.com"}


@pytest.mark.parametrize("reply", [
    "its for the nimbus speaker i sent back",  # a message of its own
    "yes", "holt",  # nothing to correct: the same piece, or no piece close to it
    "*hotmail",  # too far from any piece: a different address, which the customer must type whole
    "bri.holt@gmail.com",  # a whole email is an email, read as one
    "my order never came, could you check gmail",  # long, no correction cue of one word
])
def test_other_replies_correct_nothing(reply: str) -> None:
    assert repaired_values(reply, HELD) == {}


def test_a_word_close_to_two_pieces_corrects_none() -> None:
    assert repaired_values("*mari", {"email": "mary.mara@x.com"}) == {}
