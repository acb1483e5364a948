"""The review interrupt speaks LangChain's human-in-the-loop format, so agent-chat-ui (and any HITL client) renders it.

The request is checked against the HumanInTheLoopMiddleware's own TypedDicts (langchain.agents.middleware),
validated strictly with pydantic; the decisions such a client sends back must be accepted by our parser.
"""

from __future__ import annotations

from typing import Any, get_args

import pytest
from langchain.agents.middleware import human_in_the_loop as hitl
from pydantic import TypeAdapter

from graphs.support.review import ALLOWED, REPLY_ACTION, build_request, parse_response
from graphs.support.state import State, Step


def _refund_step() -> Step:
    return {
        "id": "s2", "intent": "refund_request", "tool": "refund_order",
        "args": {"order_id": 10002, "amount": 349.99, "reason": "arrived broken", "to_gift_card": False},
        "depends_on": ["s1"], "why": "refund the broken headphones", "writes": True, "status": "needs_approval",
        "result": None, "error": None, "hold_reason": "refunds above $200 need a human", "approved_by": None,
        "confirmed": False,
    }


CONTEXT: dict[str, Any] = {"turn": 1, "queue": "billing", "reasons": ["refund above the approval limit"]}


def _requests() -> dict[str, Any]:
    held = State(plan=[_refund_step()])
    owned = State(human_owner="sam")
    return {
        "held tool call": build_request(held, draft_reply="", context=CONTEXT),
        "drafted reply": build_request(State(), draft_reply="Your refund is on its way.", context=CONTEXT),
        "thread taken over": build_request(owned, draft_reply="", context=CONTEXT),
    }


@pytest.mark.parametrize("case", list(_requests()))
def test_review_request_is_a_langchain_hitl_request(case: str) -> None:
    request = _requests()[case]
    # The middleware's HITLRequest, as agent-chat-ui reads it; our top-level "context" is an addition such
    # clients ignore.
    core = {k: v for k, v in request.items() if k != "context"}
    TypeAdapter(hitl.HITLRequest).validate_python(core, strict=True)
    # No field beyond the middleware's (pydantic ignores unknown TypedDict keys, so a misspelt optional field
    # such as "arg_schema" would pass the check above unnoticed).
    for action, config in zip(request["action_requests"], request["review_configs"], strict=True):
        assert set(action) <= set(hitl.ActionRequest.__annotations__), sorted(action)
        assert set(config) <= set(hitl.ReviewConfig.__annotations__), sorted(config)
        assert config["action_name"] == action["name"]
        assert config["args_schema"]["type"] == "object"
        if case != "thread taken over":  # a thread a person owns can only be answered by that person
            assert set(config["allowed_decisions"]) == set(get_args(hitl.DecisionType))


def test_the_decisions_a_hitl_client_sends_are_accepted() -> None:
    request = _requests()["held tool call"]
    step_args = request["action_requests"][0]["args"]
    sent = [
        {"decisions": [{"type": "approve"}]},
        {"decisions": [{"type": "edit", "edited_action": {"name": "refund_order",
                                                          "args": {**step_args, "amount": 100}}}]},
        {"decisions": [{"type": "reject", "message": "outside the return window"}]},
        {"decisions": [{"type": "reject"}]},
        {"decisions": [{"type": "respond", "message": "Hi Maya, I'm looking into it myself."}]},
    ]
    for payload in sent:
        TypeAdapter(hitl.HITLResponse).validate_python(payload, strict=True)  # the middleware's response …
        response = parse_response(payload, request)  # … is taken as it is
        assert response.decisions[0].type == payload["decisions"][0]["type"]
    assert set(ALLOWED) == set(get_args(hitl.DecisionType))


def test_a_decision_outside_the_format_is_refused_with_a_reason() -> None:
    from graphs.support.review import InvalidDecision

    request = _requests()["thread taken over"]
    assert request["action_requests"][0]["name"] == REPLY_ACTION
    with pytest.raises(InvalidDecision, match="not allowed"):
        parse_response({"decisions": [{"type": "approve"}]}, request)
    with pytest.raises(InvalidDecision, match="decisions"):  # agent-inbox's older format is not this one
        parse_response([{"type": "accept", "args": None}], request)
