"""Shared pieces of the dialogue tests (test_dialogue.py, test_dialogue_choices.py): a flow in progress, what the
agent asked, and the act a reply is read as."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from graphs.reasoners.local.entities import extract_entities
from graphs.support.dialogue import asked_of
from graphs.support.dialogue_acts import read_act
from graphs.support.nodes.understand import affirmation_of
from graphs.support.state import ActiveFlow, Asked, IntentGuess, State

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
NOTHING: Asked = {"kind": "nothing", "slots": [], "expects": [], "options": []}


def flow_of(intents: list[str], asking: list[str], stage: str = "collecting", **slots: Any) -> ActiveFlow:
    return {"intents": intents, "confidences": dict.fromkeys(intents, 0.9), "slots": slots,
            "stage": stage, "asking": asking, "low_confidence_turns": 0}  # type: ignore[typeddict-item]


def asked_identity(intent: str = "track_order") -> Asked:
    return asked_of(State(flow=flow_of([intent], ["identity"], "verifying")))


def act_of(text: str, asked: Asked, top: tuple[str, float] | None = None, flow: tuple[str, ...] = (),
         done: tuple[str, ...] = ()) -> str:
    entities = extract_entities(text, now=NOW, expecting=asked["expects"])
    guess: IntentGuess | None = {"intent": top[0], "confidence": top[1]} if top else None
    return read_act(text, asked, entities, affirmation_of(text), guess, list(flow), list(done))["act"]


