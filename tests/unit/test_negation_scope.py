"""What a customer refuses is not what they ask for: a negator whose scope reaches an action or a person takes it
out of every reader of requests (the intent router, the hand-off cues); a report of what did not happen stays."""

from __future__ import annotations

import numpy as np
import pytest

from graphs.reasoners.local.negation import refused_at, refuses, without_refused
from graphs.reasoners.local.router import IntentModel
from graphs.support.affirmation import affirmation_of
from graphs.support.dialogue import asked_of
from graphs.support.dialogue_acts import read_act
from graphs.support.handoff import cues_in
from graphs.support.instruction import tells
from graphs.support.state import ActiveFlow, IntentGuess, State


@pytest.mark.parametrize(("text", "kept"), [
    ("Please don't cancel the booking, just move it to Friday.", "just move it to Friday."),
    ("I do not want a refund, only a working charger.", "only a working charger."),
    ("No need to exchange anything, I'll keep the grey one.", "I'll keep the grey one."),
    ("I'm not trying to close my profile; only the texts should stop.", "only the texts should stop."),
    ("Rather than a replacement, could you look at why it beeps?", "could you look at why it beeps?"),
    ("I never asked for an upgrade, and I want the bill checked.", "and I want the bill checked."),
    ("Without switching my plan, can the card on file be updated?", "can the card on file be updated?"),
    ("Not asking for a supervisor here, just the tracking link for parcel 5521.", "just the tracking link"),
])
def test_a_refused_action_is_taken_out_and_what_follows_it_stays(text: str, kept: str) -> None:
    read = without_refused(text)
    assert kept in read
    assert not any(word in read.lower() for word in ("cancel", "refund", "exchange", "close", "replacement",
                                                      "upgrade", "switching", "supervisor"))


@pytest.mark.parametrize("text", [
    "I never got my refund for the blender.",
    "Why was order 3120 not cancelled when I asked last week?",
    "I did not get a replacement, the box was empty.",
    "If you don't refund me by Monday I'll ring my bank.",
    "I don't want it any more, cancel it please.",
    "The site won't cancel it for me, please do it.",
])
def test_a_report_of_what_did_not_happen_refuses_nothing(text: str) -> None:
    assert without_refused(text) == text


def test_a_message_that_only_refuses_is_read_whole() -> None:
    assert without_refused("Don't cancel it!") == "Don't cancel it!"
    assert refuses("Don't cancel it!")


def test_the_scope_reaches_through_a_wish_and_an_object_but_not_a_verb_of_its_own() -> None:
    text = "we don't really need the order split"
    assert not refused_at(text, text.index("split"))  # "split" names no action of the lexicon, "really" interrupts
    text = "we are not interested in any exchange"
    assert refused_at(text, text.index("exchange"), "exchange")
    text = "we have not received any exchange"
    assert not refused_at(text, text.index("exchange"), "exchange")


@pytest.mark.parametrize("text", [
    "Please don't transfer me to a manager, I'd rather fix it with you.",
    "I'm not asking to speak to a human - just the opening hours.",
    "No need to send a technician out, the reset worked.",
])
def test_a_person_refused_is_no_request_for_one(text: str) -> None:
    assert "person" not in {c.name for c in cues_in(text)}


def test_a_person_asked_for_after_a_refusal_of_something_else_is_still_asked() -> None:
    assert "person" in {c.name for c in cues_in("I don't want a refund, connect me with a manager.")}


def test_anger_denied_is_no_anger_at_us() -> None:
    assert "anger_at_us" not in {c.name for c in cues_in("I'm not furious at all, only a little confused.")}
    assert "anger_at_us" in {c.name for c in cues_in("Honestly I'm furious about this.")}


def test_a_dispute_declared_tells_the_agent_to_open_it() -> None:
    assert tells("I'm not after an explanation of the $12 line, I'm disputing it.", "dispute")
    assert not tells("I'm thinking about disputing it.", "dispute")


class _Scripted(IntentModel):
    """Probabilities per text; a text without a script reads as out of scope."""

    def __init__(self, script: dict[str, list[float]]) -> None:
        self.classes = ["cancel_order", "change_delivery", "out_of_scope"]
        self.script = script

    def text_probabilities(self, texts: list[str]) -> np.ndarray:
        return np.array([self.script.get(t, [0.0, 0.0, 1.0]) for t in texts], dtype=np.float32)


def test_the_router_reads_the_message_without_what_it_refuses() -> None:
    text = "Please don't cancel the parcel, just deliver it to my neighbour."
    read = ", just deliver it to my neighbour."
    model = _Scripted({text: [0.8, 0.2, 0.0], read: [0.1, 0.9, 0.0]})
    assert [i.intent for i in model.detect(text)[0]] == ["change_delivery"]


def _awaiting(intent: str) -> State:
    flow: ActiveFlow = {"intents": [intent], "confidences": {intent: 0.9}, "slots": {"order_id": 10001},
                        "stage": "executing", "asking": ["confirmation"],
                        "low_confidence_turns": 0}  # type: ignore[typeddict-item]
    return State(flow=flow)


@pytest.mark.parametrize(("text", "intent"), [
    ("Hmm, $20?? I'll check my statements first. Please don't refund anything yet.", "get_refund"),
    ("That's not what I meant. No need to cancel it today.", "cancel_order"),
])
def test_an_action_refused_to_an_offer_is_a_no_even_when_the_router_reads_the_request(text: str, intent: str) -> None:
    state = _awaiting(intent)
    top: IntentGuess = {"intent": intent, "confidence": 0.9}
    reading = read_act(text, asked_of(state), {}, affirmation_of(text), top, [intent])
    assert reading["act"] == "deny", reading


def test_stop_with_what_is_to_stop_is_an_order_not_a_no() -> None:
    assert affirmation_of("Stop emailing me your weekly deals please.") is None
    assert affirmation_of("stop, I changed my mind") == "no"
