"""A request the customer decided on (told how they want it, or went ahead after asking) is their yes: its steps
neither wait for a yes nor ask again whether the customer asked for them (act's doubt of the router's reading,
which a low reading of the opening message would otherwise raise). An undecided request asked about still waits."""

from __future__ import annotations

from typing import Any

from graphs.support.nodes.plan import _build_steps
from graphs.support.state import ActiveFlow, State


def _flow(decided: bool) -> ActiveFlow:
    request: dict[str, Any] = {"text": "could I send the kettle from order 10001 back?", "slots": {},
                               "described": {}, "choices": {}}
    if decided:
        request["decided"] = True
    return {"intents": ["get_refund"], "confidences": {"get_refund": 0.6}, "stage": "executing", "asking": [],
            "low_confidence_turns": 0, "slots": {"order_id": 10001, "returning": True, "store_credit": True},
            "requests": {"get_refund": request}}  # type: ignore[typeddict-item]


def _state() -> State:
    return State(customer={"id": "C0001", "verified": True})  # type: ignore[typeddict-item]


def _return_step(flow: ActiveFlow) -> dict[str, Any]:
    steps = _build_steps(_state(), flow, "could I send the kettle from order 10001 back?")
    return next(dict(s) for s in steps if s["tool"] == "return_items")


def test_a_decided_request_is_confirmed_and_does_not_wait() -> None:
    step = _return_step(_flow(decided=True))
    assert (step["status"], step["confirmed"]) == ("pending", True)


def test_a_request_only_asked_about_waits_unconfirmed() -> None:
    step = _return_step(_flow(decided=False))
    assert (step["status"], step["confirmed"]) == ("awaiting_confirmation", False)
