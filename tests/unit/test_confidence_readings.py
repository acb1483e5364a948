"""Signals from independent readings: distance from the router's training data, the nearest examples' vote, the
router's own reading of a reply, the slot filler's details; and the separation (AUC) report of the signals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from evals.selective import separation
from graphs.reasoners.local.examples import TRAIN, in_split, load_examples
from graphs.support.confidence import DIRECTION, FAMILIARITY, SIGNALS, signals_of
from graphs.support.state import State


def _state(text: str, intents: tuple[str, ...], *, entities: dict[str, Any] | None = None,
           continues: bool = False, reading: dict[str, float] | None = None) -> State:
    flow: dict[str, Any] = {"intents": list(intents), "confidences": dict.fromkeys(intents, 0.9), "slots": {},
                            "stage": "collecting", "asking": [], "low_confidence_turns": 0}
    if reading is not None:
        flow["reading"] = reading
    return State(
        turn=1, messages=[HumanMessage(text)],
        understanding={"intents": [{"intent": i, "confidence": 0.9} for i in intents], "margin": 0.8,
                       "entities": entities or {}, "continues_flow": continues, "affirmation": None, "missing": [],
                       "rationale": "", "source": "local", "agreement": 1.0},
        flow=flow,  # type: ignore[arg-type]
    )


def _trained(intent: str) -> str:
    return next(e.text for e in in_split(load_examples(), TRAIN) if e.intent == intent and len(e.text.split()) > 4)


def test_a_message_the_router_was_trained_on_is_familiar_and_a_foreign_one_is_not() -> None:
    own = signals_of(_state(_trained("track_order"), ("track_order",)))
    foreign = signals_of(_state("The quarterly geology seminar discusses basalt columns near the coast.",
                                ("track_order",)))
    # Its own vector is one of its five nearest (cosine 1); the other four are its near paraphrases.
    assert own["novelty"] < 0.25 and own["intent_novelty"] < 0.25, own
    assert foreign["novelty"] > own["novelty"] + 0.2 and foreign["intent_novelty"] >= foreign["novelty"], foreign


def test_nearest_examples_of_another_intent_disagree_with_the_intent_acted_on() -> None:
    text = _trained("cancel_order")
    agreed = signals_of(_state(text, ("cancel_order",)))
    other = signals_of(_state(text, ("newsletter_subscription",)))
    assert agreed["neighbour_disagreement"] <= 0.4 < 0.8 <= other["neighbour_disagreement"], (agreed, other)
    assert other["intent_novelty"] > agreed["intent_novelty"] + 0.2


def test_a_reply_that_carries_the_flow_on_inherits_the_opening_message_reading() -> None:
    opening = {"novelty": 0.41, "intent_novelty": 0.52, "neighbour_disagreement": 0.6}
    reply = signals_of(_state("10234", ("track_order",), continues=True, reading=opening))
    assert {k: reply[k] for k in FAMILIARITY} == opening
    legacy = signals_of(_state("10234", ("track_order",), continues=True))
    assert all(legacy[k] == 0.0 for k in FAMILIARITY), legacy


def test_the_router_reading_a_reply_as_another_request_disagrees() -> None:
    text = "I want my money back for the blender, please refund it to my card"
    assert signals_of(_state(text, ("newsletter_subscription",)))["router_disagreement"] > 0.5
    assert signals_of(_state(text, ("get_refund",)))["router_disagreement"] == 0.0
    assert signals_of(_state("yes please", ("newsletter_subscription",)))["router_disagreement"] == 0.0


def test_details_the_intent_takes_nowhere_are_a_slot_filler_disagreement() -> None:
    order = {"order_ids": [12345]}
    assert signals_of(_state("about 12345", ("get_refund",), entities=order))["slot_disagreement"] == 0.0
    assert signals_of(_state("about 12345", ("out_of_scope",), entities=order))["slot_disagreement"] == 1.0
    mixed = {"order_ids": [12345], "emails": ["a@example.com"]}
    assert signals_of(_state("12345 a@example.com", ("recover_password",), entities=mixed))[
        "slot_disagreement"] == pytest.approx(0.5)


def test_separation_orients_each_signal_by_its_meaning() -> None:
    right = [True, True, True, False, False]
    conf = [0.9, 0.8, 0.7, 0.4, 0.75]
    signals = [{"repair": 0.0, "margin": 0.9}, {"repair": 0.0, "margin": 0.8}, {"repair": 0.0, "margin": 0.2},
               {"repair": 1.0, "margin": 0.1}, {"repair": 1.0, "margin": 0.5}]
    sep = separation(conf, right, signals)
    assert sep is not None and sep["wrong"] == 2
    assert sep["confidence"] == pytest.approx(5 / 6)
    assert sep["signals"]["repair"] == 1.0 and sep["signals"]["margin"] == pytest.approx(5 / 6)
    assert "novelty" not in sep["signals"], "a signal the same on every turn says nothing"
    assert separation(conf, [True] * 5, signals) is None
    assert set(DIRECTION) == set(SIGNALS)


@pytest.mark.parametrize("folder", ["test", "fresh", "test3"])
def test_only_the_blind_dev_halves_are_fitted_on(folder: str) -> None:
    from evals.confidence_fit import collect_turns

    with pytest.raises(ValueError, match="never used for fitting"):
        collect_turns(Path("evals/scenarios/blind") / folder)
