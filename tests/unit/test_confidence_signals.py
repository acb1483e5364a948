"""The understanding signals of a turn: coverage, unclaimed entities, dialogue repair and conflicts with records."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from graphs.support.confidence import SIGNALS, load_model, signals_of, weakest
from graphs.support.handoff import agent_repeats, customer_repeats
from graphs.support.state import State

ASK = "Could you tell me your order number?"


def _state(text: str, *, intents: tuple[str, ...] = ("track_order",), entities: dict[str, Any] | None = None,
           slots: dict[str, Any] | None = None, history: list[Any] | None = None,
           plan: list[dict[str, Any]] | None = None) -> State:
    return State(
        turn=2,
        messages=[*(history or []), HumanMessage(text)],
        understanding={"intents": [{"intent": i, "confidence": 0.9} for i in intents], "margin": 0.8,
                       "entities": entities or {}, "continues_flow": False, "affirmation": None, "missing": [],
                       "rationale": "", "source": "local", "agreement": 1.0},
        flow={"intents": list(intents), "confidences": dict.fromkeys(intents, 0.9), "slots": slots or {},
              "stage": "done", "asking": [], "low_confidence_turns": 0},
        plan=plan or [],  # type: ignore[arg-type]
    )


def test_a_long_message_read_as_one_request_has_unexplained_content() -> None:
    short = signals_of(_state("where is my parcel"))
    story = " ".join(["we moved house last month and my neighbour kept the box for a week"] * 8)
    long = signals_of(_state(story))
    assert short["unexplained_content"] == 0.0 and long["unexplained_content"] > 0.5, (short, long)


def test_an_order_or_amount_no_slot_took_is_unclaimed() -> None:
    taken = signals_of(_state("where is 12345", entities={"order_ids": [12345]}, slots={"order_id": 12345}))
    extra = signals_of(_state("where is 12345, and I paid 40 for 23456",
                              entities={"order_ids": [12345, 23456], "amounts": [{"value": 40.0, "currency": "USD"}]},
                              slots={"order_id": 12345}))
    assert taken["unclaimed_entities"] == 0.0
    assert extra["unclaimed_entities"] == pytest.approx(2 / 3, abs=1e-3), extra


def test_dialogue_repair_the_agent_repeating_and_the_customer_correcting() -> None:
    history = [HumanMessage("I need help with my delivery to the office"), AIMessage(ASK)]
    assert agent_repeats(history, ASK) == 1 and agent_repeats(history, "Here it is.") == 0
    assert signals_of(_state("ok", history=history), repeats=1)["repair"] == 1.0
    again = _state("I need help with my delivery to the office please", history=history)
    assert customer_repeats(again.messages) and signals_of(again)["repair"] == 0.5
    assert signals_of(_state("that's not what I asked", history=history))["repair"] == 0.5
    assert signals_of(_state("thanks", history=history))["repair"] == 0.0


def test_a_failed_lookup_is_a_conflict_with_the_records() -> None:
    step = {"id": "track_order.order", "intent": "track_order", "tool": "get_order", "args": {"order_id": 1},
            "writes": False, "status": "failed", "result": None}
    ok = {**step, "status": "done", "tool": "search_articles", "id": "track_order.kb"}
    assert signals_of(_state("where is 1", plan=[step, ok]))["record_conflict"] == 0.5


def test_every_signal_is_named_and_the_weakest_are_explained() -> None:
    signals = signals_of(_state("ok", history=[AIMessage(ASK)]), repeats=1)
    assert set(signals) == set(SIGNALS)
    assert signals["repair"] > 0, signals
    # The explanation follows the model's weights, whichever the last fit shipped: a repair that weighs against
    # confidence is named, with its weight; a signal the fit gave no weight pulls nothing and is not named.
    against = replace(load_model(), weights={**load_model().weights, "repair": -3.0})
    assert "repair" in weakest(signals, against) and "weight -3.00" in weakest(signals, against)
    neutral = replace(load_model(), weights={**load_model().weights, "repair": 0.0})
    assert "repair" not in weakest(signals, neutral)


def test_an_out_of_scope_aside_adds_no_complexity_and_no_doubt_about_the_request(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """"where is 12345? also, is your shop hiring?": the aside is answered in a sentence; the request's reading is
    what is weighed, and one request is no more complex for an aside beside it."""
    import graphs.support.confidence as confidence

    monkeypatch.setattr(confidence, "_readings", lambda state: {})
    alone = signals_of(_state("where is 12345"))
    state = _state("where is 12345? also, is your shop hiring?", intents=("track_order", "out_of_scope"))
    assert state.understanding is not None
    state.understanding["intents"][1]["confidence"] = 0.55
    aside = signals_of(state)
    assert aside["complexity"] == alone["complexity"] and aside["pattern_recognition"] == pytest.approx(0.9), aside
