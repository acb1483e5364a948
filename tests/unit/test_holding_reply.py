"""What a customer hears while a reviewer looks: policy reasons yes, the agent's doubts and scores no."""

from __future__ import annotations

from typing import Any

from graphs.support.replies import holding_reply
from graphs.support.state import State, Step


def _held(hold_reason: str, customer_reason: str | None = None) -> Step:
    step: dict[str, Any] = {
        "id": "get_refund.refund", "intent": "get_refund", "tool": "refund_order", "args": {"order_id": 10002},
        "depends_on": [], "why": "refund the order", "writes": True, "status": "needs_approval", "result": None,
        "error": None, "hold_reason": hold_reason, "approved_by": None, "confirmed": False,
    }
    if customer_reason is not None:
        step["customer_reason"] = customer_reason
    return step  # type: ignore[return-value]


LIMIT = "a refund of $349.99 is above the $100.00 limit and needs a human's approval"
UNSURE = "the agent is not sure the customer asked for this (get_refund 0.43 < 0.70)"


def test_a_policy_hold_is_explained_to_the_customer() -> None:
    reply = holding_reply(State(plan=[_held(f"{LIMIT}; {UNSURE}", customer_reason=LIMIT)]), "billing")
    assert LIMIT in reply and "billing team" in reply, reply
    assert "not sure" not in reply and "0.43" not in reply, f"the agent's doubt reached the customer: {reply}"


def test_the_agents_doubt_stays_with_the_reviewer() -> None:
    reply = holding_reply(State(plan=[_held(UNSURE)]), "billing")
    assert "not sure" not in reply and "0.43" not in reply and "(" not in reply, reply
    assert "a person can take a look" in reply, reply


def test_a_change_made_before_the_hand_off_is_told_to_the_customer() -> None:
    """A refund made as usual beside a hand-off (an injury a person follows up) is in the reply, with its amount."""
    done: dict[str, Any] = {**_held(""), "status": "done", "hold_reason": None, "args": {"order_id": 10004},
                            "result": {"ok": True, "data": {"refunded": 24.99}}}
    reply = holding_reply(State(plan=[done]), "technical")  # type: ignore[list-item]
    assert "technical support team" in reply and "$24.99 refunded" in reply and "10004" in reply, reply
    assert "refunded" not in holding_reply(State(plan=[_held(UNSURE)]), "billing")
