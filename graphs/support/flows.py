"""Support flows, loaded from ``flows.yaml`` and validated once per process (their schema: flow_spec.py)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from graphs.support.flow_spec import FlowSpec, StepSpec
from graphs.support.instruction import asides_out, asks_whether, hedges_action
from graphs.support.state import Step
from tools.registry import get_tool


@lru_cache(maxsize=1)
def load_flows() -> dict[str, FlowSpec]:
    """Every flow by intent name; raises ValueError naming the flow when the data are invalid."""
    raw = yaml.safe_load(resources.files("graphs.support").joinpath("flows.yaml").read_text("utf-8"))
    defaults = raw.get("defaults", {})
    flows = {}
    for intent, spec in raw["flows"].items():
        try:
            flows[intent] = FlowSpec.model_validate({**defaults, **spec, "intent": intent})
        except ValueError as exc:
            raise ValueError(f"flow {intent!r} in flows.yaml is invalid: {exc}") from exc
    for flow in flows.values():
        for step in flow.steps:
            for instead in step.instead:
                if instead.intent not in flows:
                    raise ValueError(f"{flow.intent}.{step.id} turns into an unknown intent {instead.intent!r}")
    return flows


def make_step(step_id: str, intent: str, tool: str, args: dict[str, Any], depends_on: list[str], why: str,
              *, status: Any = "pending", request: str | None = None) -> Step:
    """A new plan step, not run yet; ``request``: the request instance it serves, when not its intent's first."""
    step: Step = {
        "id": step_id, "intent": intent, "tool": tool, "args": args, "depends_on": depends_on, "why": why,
        "writes": get_tool(tool).writes, "status": status, "result": None, "error": None,
        "hold_reason": None, "approved_by": None, "confirmed": False,
    }
    if request is not None and request != intent:
        step["request"] = request
    return step


INSTANCE = "#"


def intent_of(key: str) -> str:
    """The intent of a request key: a request instance's key is its intent and its number ("cancel_order#2", the
    same request for a second record named in the message); the first instance's key is the intent itself, so a
    flow of one request per intent (and every checkpoint written before instances) reads as it always did."""
    return key.split(INSTANCE, 1)[0]


def instance_key(intent: str, number: int) -> str:
    """The key of the ``number``-th instance (from 1) of an intent's request."""
    return intent if number <= 1 else f"{intent}{INSTANCE}{number}"


def instance_number(key: str) -> int:
    """The number (from 1) of a request instance's key (``instance_key``)."""
    number = key.split(INSTANCE, 1)[1] if INSTANCE in key else ""
    return int(number) if number.isdigit() else 1


def request_key(step: Step) -> str:
    """The request a plan step serves: its instance's key, else its intent."""
    return step.get("request") or step["intent"]


def plans_for(step: StepSpec, slots: Mapping[str, Any], *, verified: bool) -> bool:
    """Is this flow step planned: its when/unless slots allow it, and a tool that acts for a verified customer
    will have one (``verified``: the customer is, or the flow verifies them first)? A flow that needs no
    verification plans such a step only for a customer already verified ("charged twice" from a signed-in
    customer looks at their charges; from anyone else it gets the help article)."""
    if not step.allowed_by(slots):
        return False
    return verified or not get_tool(step.tool).requires_verified_customer


def waits_for_yes(step: StepSpec, request_text: str, message: str = "") -> bool:
    """Does this flow step wait for the customer's yes, for a request in these words (``StepSpec.confirm``)? A step
    confirmed when ``asked`` waits when the request's own clause asks whether, or the message it is part of does
    ("my grandad ordered a wall mount. Could I cancel that?": the question is in another clause), or when either
    holds the action back (``instruction.hedges_action``: "please don't cancel it", "I'd rather keep it", "not sure
    whether to cancel")."""
    if step.confirm == "asked":
        verb = get_tool(step.tool).action
        # The message around the request only when the request is part of it: a later message (the verification
        # details, a correction) is not how the request was asked.
        around = message if message and request_text and request_text in message else ""
        if step.reported_by:  # a worry beside the report asks nothing about what puts it right
            slot = next((f.slots.get(str(step.reported_by)) for f, s in own_steps(step.tool) if s is step), None)
            reports = (lambda words: slot.read_text(words) is True) if slot is not None else (lambda _: False)
            request_text, around = asides_out(request_text, verb, reports), asides_out(around, verb, reports)
        return asks_whether(request_text, verb, around) or asks_whether(around, verb) or any(
            hedges_action(words, verb) for words in (request_text, around) if words)
    return bool(step.confirm)


def get_flow(intent: str) -> FlowSpec:
    """The flow of an intent, or of a request instance's key (``intent_of``)."""
    flows = load_flows()
    return flows.get(intent_of(intent)) or flows["out_of_scope"]


@cache
def own_steps(tool: str) -> tuple[tuple[FlowSpec, StepSpec], ...]:
    """Every flow step that runs ``tool``: the tool's own intents and what their flows say about it.

    Confirmation, policy checks and the confidence a write needs follow the tool a step runs, whatever intent
    a model labelled the step with (a label is only a model's word)."""
    return tuple((flow, step) for flow in load_flows().values() for step in flow.steps if step.tool == tool)


@cache
def needs_confirmation(tool: str, intent: str | None = None) -> bool:
    """Does a step running ``tool`` wait for the customer's yes? A write does, unless the flows of the tool's own
    intents run it without asking (a flow step without ``confirm``). A step labelled
    with an intent whose own flow runs the tool follows that flow (a refund labelled get_refund runs as get_refund's
    does, one labelled payment_issue waits as payment_issue's does); any other label gets the rule for the tool,
    so a label never asks less than before a flow added a confirmed step of the tool."""
    from tools.registry import get_tool

    if not get_tool(tool).writes:
        return False
    steps = own_steps(tool)
    mine = [step for flow, step in steps if flow.intent == intent]
    if mine:
        return any(step.confirm for step in mine)
    return not steps or any(step.confirm for _, step in steps)


def step_waits(tool: str, intent: str | None, request_text: str, message: str = "") -> bool:
    """``needs_confirmation`` for a request in these words: a step of the tool's own flows confirmed when ``asked``
    waits as that flow's step would (``waits_for_yes``: a question or a hedge waits, an instruction runs), so a
    model-planned refund or cancel the customer told the agent to make runs as the local flow's would."""
    if not needs_confirmation(tool, intent):
        return False
    steps = own_steps(tool)
    mine = [step for flow, step in steps if flow.intent == intent] or [step for _, step in steps]
    return not mine or any(waits_for_yes(step, request_text, message) for step in mine if step.confirm)


@cache
def tool_policy(tool: str) -> tuple[str, ...]:
    """The named policy checks of every flow step that runs ``tool``."""
    return tuple(dict.fromkeys(name for _, step in own_steps(tool) for name in step.policy))


@cache
def money_at_stake(intent: str) -> bool:
    """Whether the intent's request puts money at stake: its flow runs a tool that moves money (the registry's
    ``moves_money``), or the flow says so (``money_at_stake`` in flows.yaml)."""
    flow = get_flow(intent)
    return flow.money_at_stake or any(get_tool(step.tool).moves_money for step in flow.steps)


@cache
def changes_records(intent: str) -> bool:
    """Whether the intent's flow changes something on the records (one of its tools writes), rather than only
    looks something up or answers."""
    return any(get_tool(step.tool).writes for step in get_flow(intent).steps)
