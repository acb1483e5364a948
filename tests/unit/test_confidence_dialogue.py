"""Confidence and the dialogue: a reading the dialogue state decided is scored as that reading, not as the
router's reading of the bare words."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, HumanMessage

from graphs.support.confidence import FAMILIARITY, signals_of
from graphs.support.dialogue import reading_decided
from graphs.support.state import State

OPENING = {"novelty": 0.2, "intent_novelty": 0.3, "neighbour_disagreement": 0.2}


def _state(texts: list[str], intent: str, *, dialogue: dict[str, Any] | None = None, continues: bool = False,
           reading: dict[str, float] | None = None) -> State:
    """A conversation whose customer wrote ``texts`` (the agent answering each but the last)."""
    messages: list[Any] = []
    for n, text in enumerate(texts):
        messages.append(HumanMessage(text))
        if n < len(texts) - 1:
            messages.append(AIMessage(f"reply {n}"))
    flow: dict[str, Any] = {"intents": [intent], "confidences": {intent: 0.7}, "slots": {}, "stage": "collecting",
                            "asking": [], "low_confidence_turns": 0}
    if reading is not None:
        flow["reading"] = reading
    understanding: dict[str, Any] = {
        "intents": [{"intent": intent, "confidence": 0.7}], "margin": 0.05, "entities": {}, "continues_flow": continues,
        "affirmation": None, "missing": [], "rationale": "", "source": "local", "agreement": 1.0}
    if dialogue is not None:
        understanding["dialogue"] = {"asked": {"kind": "nothing", "slots": [], "expects": [], "options": []},
                                     "act": "new_request", "supplies": [], "cues": [], **dialogue}
    return State(turn=len(texts), messages=messages, understanding=understanding,  # type: ignore[arg-type]
                 flow=flow, plan=[])  # type: ignore[arg-type]


def test_a_reading_the_dialogue_decided_owes_nothing_to_the_routers_doubt_about_the_words() -> None:
    """A question about the finished request's record, the same request asked again, a choice picked: margin 1, no
    disagreement of the router's own reading, and the familiarity of the flow it follows."""
    words = ["please move my parcel to my office address", "fine. and roughly what day should it show up then?"]
    for decided in ({"refers": {"order_id": 10005}}, {"again": ["track_order"]}, {"chosen": "track_order"}):
        state = _state(words, "track_order", dialogue=decided, reading=OPENING)
        assert reading_decided(state.understanding)
        signals = signals_of(state)
        assert signals["margin"] == 1.0 and signals["router_disagreement"] == 0.0, (decided, signals)
        assert {k: signals[k] for k in FAMILIARITY} == OPENING, (decided, signals)


def test_a_new_request_the_router_read_keeps_its_own_reading_of_the_words() -> None:
    state = _state(["please move my parcel to my office address", "can you also tell me what my plan costs?"],
                   "check_plan", dialogue={})
    assert not reading_decided(state.understanding) and reading_decided({"continues_flow": True})
    # the chat model read the message anew: its reading, not the dialogue's, is acted on
    assert not reading_decided({"continues_flow": False, "source": "llm", "dialogue": {"refers": {"order_id": 1}}})
    assert signals_of(state)["margin"] == 0.05
