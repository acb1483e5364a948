"""A node's update keeps only what it changes (graphs/support/changes.py): equal values are not written again,
changed ones are, the transcript always is, and a value changed in place still counts as changed."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.types import Command

from graphs.support.changes import changes_only
from graphs.support.state import State


def test_unchanged_values_are_dropped_and_changed_ones_kept() -> None:
    def node(state: State) -> dict[str, Any]:
        return {"turn": state.turn, "status": "resolved", "reply": None, "replans": 0, "review": None}

    update = changes_only(node)(State(turn=3, status="active"))
    assert update == {"status": "resolved"}, update


def test_the_transcript_is_always_written() -> None:
    said = AIMessage(content="hello")

    def node(state: State) -> dict[str, Any]:
        return {"messages": [said], "reply": state.reply}

    assert changes_only(node)(State(reply="hello")) == {"messages": [said]}


def test_a_value_changed_in_place_is_still_written() -> None:
    flow: Any = {"intents": ["track_order"], "confidences": {}, "slots": {}, "stage": "collecting", "asking": [],
                 "low_confidence_turns": 0}

    def node(state: State) -> dict[str, Any]:
        assert state.flow is not None
        state.flow["stage"] = "done"  # the same object, changed
        return {"flow": state.flow}

    update = changes_only(node)(State(flow=flow))
    assert update["flow"]["stage"] == "done", update


def test_a_different_type_is_a_change() -> None:
    def node(state: State) -> dict[str, Any]:
        return {"verification_failures": False}

    assert changes_only(node)(State(verification_failures=0)) == {"verification_failures": False}


def test_a_command_keeps_its_goto_and_loses_its_unchanged_keys() -> None:
    def node(state: State) -> Command[Any]:
        return Command(goto="respond", update={"reply": "done", "human_owner": None})

    out = changes_only(node)(State())
    assert isinstance(out, Command) and out.goto == "respond" and out.update == {"reply": "done"}, out
