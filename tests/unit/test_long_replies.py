"""A long reply to an offer is a yes only when it ends in a go-ahead to act now, with no doubt, keeping or deferral
before it; a value told with a condition, a hypothetical, doubt or a deferral does not decide a request."""

from __future__ import annotations

import pytest

from graphs.support.affirmation import affirmation_of
from graphs.support.slot_filling import _undecided

STORY = ("We unpacked it on Sunday and my partner tried it with the old laptop and then with the new one, and "
         "the connection kept dropping every few minutes, which is why I wrote in the first place. ")


@pytest.mark.parametrize("ending", [
    "Yes, I know you told me it can go back.",
    "Ok, go ahead once I have found the receipt.",
    "Yes, please do it after the weekend.",
])
def test_a_long_reply_without_a_go_ahead_now_is_no_yes(ending: str) -> None:
    assert affirmation_of(STORY + ending) is None


def test_a_long_reply_with_doubt_before_its_yes_is_no_yes() -> None:
    doubtful = STORY.replace("which is why", "so we might keep it after all, I am not sure, which is why")
    assert affirmation_of(doubtful + "Yes, go ahead with the refund.") is None


def test_a_long_reply_that_ends_in_a_go_ahead_is_a_yes() -> None:
    assert affirmation_of(STORY + "Yes, go ahead and send the money back.") == "yes"


@pytest.mark.parametrize("reply", [
    "send it to the gift card? hmm, let me think it over",
    "What happens if the speaker goes back? I would prefer store credit if so.",
    "maybe store credit, I am not sure yet",
])
def test_a_value_held_back_does_not_decide(reply: str) -> None:
    assert _undecided(reply)


def test_a_value_told_plainly_decides() -> None:
    assert not _undecided("just send it to my gift card please")


def test_a_preference_said_of_a_hypothetical_tells_no_value() -> None:
    from graphs.support.flows import get_flow
    from graphs.support.instruction import tells_value

    specs = [spec for spec in get_flow("get_refund").slots.values() if spec.decides]
    assert specs
    plain = "I want to send the keyboard back. I'd prefer the money as shop credit."
    hypothetical = "What would happen if the keyboard went back? I'd prefer the money as shop credit if so."
    assert any(tells_value(spec, plain) for spec in specs)
    assert not any(tells_value(spec, hypothetical) for spec in specs)
