"""plan: turn the understood intents into steps (tool, arguments, dependencies, why) from the flow data.

One plan may cover several intents. Identity verification comes first when a flow needs it; information the
customer has not given yet becomes a question instead of a step; a step marked ``confirm`` waits for the
customer's yes.
"""

from __future__ import annotations

import copy
from typing import Any

from langgraph.runtime import Runtime

from graphs.support.context import Context
from graphs.support.deps import deps, last_customer_text
from graphs.support.flows import FlowSpec, get_flow, resolve
from graphs.support.messages import normalise
from graphs.support.state import ActiveFlow, State, Step, Understanding
from tools.registry import get_tool

IDENTITY_SLOTS = {"emails": "email", "zip_code": "zip_code", "card_last4": "card_last4"}
SETTLED = {"done", "rejected"}


def plan(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    d = deps(runtime)
    understanding = state.understanding
    assert understanding is not None, "plan runs only after understand"
    text = normalise(last_customer_text(list(state.messages)))
    flow = _flow_for_turn(state, understanding)
    _fill_slots(flow, understanding, text)

    answered = understanding["affirmation"] is not None
    if understanding["continues_flow"] and "confirmation" in flow["asking"] and answered:
        steps = _apply_confirmation(state.plan, understanding)
        flow["asking"] = []
        flow["stage"] = "executing" if understanding["affirmation"] == "yes" else "done"
    else:
        steps = _build_steps(state, flow)
        if understanding["continues_flow"]:
            # A step that already ran (or was decided) in an earlier turn keeps its outcome: writes never repeat.
            earlier = {s["id"]: s for s in state.plan if s["status"] in SETTLED}
            steps = [earlier.get(s["id"], s) for s in steps]
        # What the customer said is known now; results of earlier steps are filled in by act.
        for step in steps:
            step["args"] = resolve(step["args"], {"slots": flow["slots"], "message": text})
    d.audit.record(d.thread_id, state.turn, "plan", {
        "intents": flow["intents"], "asking": flow["asking"],
        "steps": [{k: s[k] for k in ("id", "tool", "args", "depends_on", "status", "why")} for s in steps],
    }, at=d.now)
    return {"flow": flow, "plan": steps}


def _flow_for_turn(state: State, understanding: Understanding) -> ActiveFlow:
    previous = state.flow
    if understanding["continues_flow"] and previous is not None:
        return copy.deepcopy(previous)
    return {
        "intents": [i["intent"] for i in understanding["intents"]],
        "confidences": {i["intent"]: i["confidence"] for i in understanding["intents"]},
        "slots": {},
        "stage": "collecting",
        "asking": [],
        "low_confidence_turns": 0,
    }


def _fill_slots(flow: ActiveFlow, understanding: Understanding, text: str) -> None:
    entities: dict[str, Any] = dict(understanding["entities"])
    for entity, slot in IDENTITY_SLOTS.items():
        if entity in entities:
            value = entities[entity]
            flow["slots"][slot] = value[0] if isinstance(value, list) else value
    for intent in flow["intents"]:
        for name, spec in get_flow(intent).slots.items():
            if spec.entity and spec.entity in entities:
                flow["slots"][name] = spec.take(entities[spec.entity])
            elif spec.text and name not in flow["slots"]:
                flow["slots"][name] = spec.read_text(text)


def _apply_confirmation(previous: list[Step], understanding: Understanding) -> list[Step]:
    yes = understanding["affirmation"] == "yes"
    steps = copy.deepcopy(previous)
    for step in steps:
        if step["status"] == "awaiting_confirmation":
            step["status"] = "pending" if yes else "skipped"
            step["confirmed"] = yes
            if not yes:
                step["error"] = "the customer decided not to go ahead"
    return steps


def _build_steps(state: State, flow: ActiveFlow) -> list[Step]:
    verified = bool(state.customer and state.customer["verified"])
    specs = [get_flow(intent) for intent in flow["intents"]]
    asking: list[str] = []
    steps: list[Step] = []
    if any(s.needs_verification for s in specs) and not verified:
        slots = flow["slots"]
        if slots.get("email") and (slots.get("zip_code") or slots.get("card_last4")):
            args = {k: slots[k] for k in ("email", "zip_code", "card_last4") if slots.get(k)}
            steps.append(_step("verify", "identity", "verify_identity", args, [], "confirm who the customer is"))
        else:
            asking.append("identity")
    for spec in specs:
        missing = _missing_slots(state, spec, flow)
        asking.extend(m for m in missing if m not in asking)
        if missing or (spec.needs_verification and "identity" in asking):
            continue
        after_verify = ["verify"] if steps and steps[0]["id"] == "verify" and spec.needs_verification else []
        for s in spec.steps:
            if (s.when and not flow["slots"].get(s.when)) or (s.unless and flow["slots"].get(s.unless)):
                continue
            steps.append(_step(
                f"{spec.intent}.{s.id}", spec.intent, s.tool, dict(s.args),
                after_verify + [f"{spec.intent}.{dep}" for dep in s.depends_on], s.why,
                status="awaiting_confirmation" if s.confirm else "pending",
            ))
    flow["asking"] = asking
    flow["stage"] = "verifying" if "identity" in asking else "collecting" if asking else "executing"
    return steps


def _missing_slots(state: State, spec: FlowSpec, flow: ActiveFlow) -> list[str]:
    missing = []
    for name, slot in spec.slots.items():
        if not slot.required or flow["slots"].get(name) is not None:
            continue
        missing.append(name)
    return missing


def _step(step_id: str, intent: str, tool: str, args: dict[str, Any], depends_on: list[str], why: str,
          *, status: Any = "pending") -> Step:
    return {
        "id": step_id, "intent": intent, "tool": tool, "args": args, "depends_on": depends_on, "why": why,
        "writes": get_tool(tool).writes, "status": status, "result": None, "error": None,
        "hold_reason": None, "approved_by": None, "confirmed": False,
    }
