"""The routing truth table: each trigger alone sends the thread to a human; none lets the agent answer."""

from __future__ import annotations

from typing import Any

import pytest

from graphs.support.escalation import decide
from graphs.support.state import State, Step


def _step(status: str = "done", *, intent: str = "get_refund", hold: str | None = None) -> Step:
    return {"id": f"{intent}.refund", "intent": intent, "tool": "refund_order", "args": {"order_id": 10004},
            "depends_on": [], "why": "refund", "writes": True, "status": status,  # type: ignore[typeddict-item]
            "result": None, "error": None, "hold_reason": hold, "approved_by": None, "confirmed": False}


def _state(*, intents: tuple[str, ...] = ("get_refund",), plan: list[Step] | None = None, sentiment: float = 0.0,
           asks_for_human: bool = False, failures: int = 0, asking: list[str] | None = None,
           low_turns: int = 0) -> State:
    return State(
        turn=1,
        flow={"intents": list(intents), "confidences": dict.fromkeys(intents, 0.95), "slots": {"order_id": 10004},
              "stage": "done", "asking": asking or [], "low_confidence_turns": low_turns},
        plan=plan if plan is not None else [_step()],
        sentiment={"score": sentiment, "label": "neutral", "urgency": "normal", "asks_for_human": asks_for_human},
        verification_failures=failures,
    )


BASE: dict[str, Any] = {}
TRIGGERS = {
    "policy hold (refund above the limit)": ({"plan": [_step("needs_approval", hold="a refund above the limit")]},
                                              "billing"),
    "action reserved for humans (account deletion)": (
        {"intents": ("delete_account",),
         "plan": [_step("needs_approval", intent="delete_account", hold="delete account is reserved")]}, "accounts"),
    "action reserved for humans (account migration)": (
        {"intents": ("account_migration",),
         "plan": [_step("needs_approval", intent="account_migration", hold="migrate account is reserved")]},
        "accounts"),
    "flow that always goes to a person (contact a human agent)": (
        {"intents": ("contact_human_agent",), "plan": []}, "general"),
    "customer asks for a human": ({"asks_for_human": True}, "billing"),
    "repeated failed verification": ({"failures": 3}, "accounts"),
    "strongly negative sentiment": ({"sentiment": -0.85}, "billing"),
}


def test_no_trigger_lets_the_agent_answer() -> None:
    decision = decide(_state(), confidence=0.95, threshold=0.7, max_verification_attempts=3)
    assert decision.route == "respond" and decision.reasons == [] and not decision.clarify


@pytest.mark.parametrize("name", list(TRIGGERS))
def test_each_trigger_alone_goes_to_human_review(name: str) -> None:
    changes, queue = TRIGGERS[name]
    decision = decide(_state(**changes), confidence=0.95, threshold=0.7, max_verification_attempts=3)
    assert decision.route == "human_review", f"{name}: {decision}"
    assert decision.queue == queue, f"{name}: queue {decision.queue}, expected {queue}"
    assert decision.reasons, f"{name}: a review needs a reason"


def _read_only() -> list[Step]:
    return [{**_step(), "tool": "get_order", "writes": False}]  # type: ignore[list-item]


def test_low_confidence_asks_once_then_hands_over() -> None:
    first = decide(_state(plan=_read_only()), confidence=0.4, threshold=0.7, max_verification_attempts=3)
    assert first.route == "respond" and first.clarify, first
    again = decide(_state(plan=_read_only(), low_turns=1), confidence=0.4, threshold=0.7, max_verification_attempts=3)
    assert again.route == "human_review" and "below the 0.70 threshold" in again.reasons[0], again


def test_waiting_for_the_customer_is_not_a_reason_to_escalate() -> None:
    decision = decide(_state(intents=("delete_account",), plan=[], asking=["identity"]), confidence=0.3,
                      threshold=0.7, max_verification_attempts=3)
    assert decision.route == "respond" and not decision.clarify, decision


def test_two_failures_are_not_yet_repeated() -> None:
    decision = decide(_state(failures=2), confidence=0.95, threshold=0.7, max_verification_attempts=3)
    assert decision.route == "respond", decision


def test_low_confidence_after_a_change_goes_to_a_person_at_once() -> None:
    decision = decide(_state(), confidence=0.4, threshold=0.7, max_verification_attempts=3)
    assert decision.route == "human_review" and not decision.clarify, decision
    assert "after a change was made" in decision.reasons[0], decision.reasons
