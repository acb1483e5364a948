"""When the agent asks the customer to clarify instead of answering (graphs/support/replies.py ``clarifying``)."""

from __future__ import annotations

from typing import Any

from graphs.support.replies import clarifying
from graphs.support.state import State


def _state(confidence: float, **step: Any) -> State:
    flow = {"intents": ["change_order"], "confidences": {"change_order": 0.6}, "slots": {}, "stage": "done",
            "asking": [], "low_confidence_turns": 0}
    plan = [{"id": "change_order.exchange", "intent": "change_order", "tool": "exchange_item", "args": {},
             "depends_on": [], "why": "", "status": "done", "result": None, "error": None, "approved_by": None,
             **step}]
    assessment = {"confidence": confidence, "threshold": 0.5, "signals": {}, "route": "respond", "reasons": [],
                  "queue": "general", "clarify": False}
    return State(flow=flow, plan=plan, assessment=assessment)  # type: ignore[arg-type]


def test_an_unsure_turn_asks_to_clarify_unless_a_reviewer_approved_what_ran() -> None:
    assert clarifying(_state(0.3))
    assert not clarifying(_state(0.8))
    assert not clarifying(_state(0.3, approved_by="priya")), "a person settled it: say what was done"
    assert clarifying(_state(0.3, approved_by="priya", status="needs_approval"))
