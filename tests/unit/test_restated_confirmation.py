"""A restated request answers the pending confirmation of that request's tools only (issue 17: the tool decides,
never the intent label a model gave a step); a plain yes answers every step waiting for it."""

from __future__ import annotations

from typing import Any

from graphs.support.nodes.plan import _apply_confirmation


def _step(id: str, tool: str, intent: str = "switch_account") -> dict[str, Any]:
    return {"id": f"{intent}.{id}", "intent": intent, "tool": tool, "args": {}, "depends_on": [], "why": "",
            "writes": True, "status": "awaiting_confirmation", "result": None, "error": None, "hold_reason": None,
            "approved_by": None, "confirmed": False}


def _understood(restates: str | None) -> Any:
    dialogue = {"act": "confirm", **({"restates": restates} if restates else {})}
    return {"affirmation": "yes", "dialogue": dialogue}


def test_a_restated_plan_change_confirms_the_plan_change_not_a_handoff_labelled_with_it() -> None:
    steps = [_step("handoff", "handoff_to_queue"), _step("change", "change_plan")]
    confirmed = _apply_confirmation(steps, _understood("switch_account"))
    after = {s["tool"]: (s["status"], s["confirmed"]) for s in confirmed}
    assert after == {"handoff_to_queue": ("awaiting_confirmation", False), "change_plan": ("pending", True)}


def test_a_yes_confirms_every_step_waiting_for_it() -> None:
    steps = [_step("handoff", "handoff_to_queue"), _step("change", "change_plan")]
    assert [(s["status"], s["confirmed"]) for s in _apply_confirmation(steps, _understood(None))] == [
        ("pending", True), ("pending", True)]
