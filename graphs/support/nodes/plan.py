"""plan: turn the understood intents into steps (tool, arguments, dependencies, why) from the flow data.

One plan may cover several intents. Identity verification comes first when a flow needs it; information the
customer has not given yet becomes a question instead of a step; a step marked ``confirm`` waits for the
customer's yes.

With the LLM reasoner the chat model plans the steps instead of the flow data (graphs/reasoners/llm/planning.py),
once the flow has what it needs: identity checks and questions for missing information stay with the flow. When
act asks for a replan (a step failed or returned something unexpected), the model plans again around what
already happened, a bounded number of times per turn.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from langgraph.runtime import Runtime

from graphs.reasoners.llm.accounting import audit_calls
from graphs.reasoners.llm.planning import PlanRequest, plan_with_model
from graphs.reasoners.llm.tool_selection import tool_intents
from graphs.support.context import Context
from graphs.support.deps import Deps, deps
from graphs.support.dialogue import (
    NEW_REQUEST_CONFIDENCE,
    carried_slots,
    closing_flow,
    followed,
    holds,
    identity_args,
    reading_decided,
    unheard,
)
from graphs.support.flow_spec import resolve
from graphs.support.flows import (
    get_flow,
    intent_of,
    load_flows,
    make_step,
    money_at_stake,
    plans_for,
    request_key,
    waits_for_yes,
)
from graphs.support.lookups import lookup_pending, pending_lookups, resolve_known
from graphs.support.requests import decided, request_of, slots_for, text_for
from graphs.support.slot_filling import fill_slots, place_requests
from graphs.support.state import ActiveFlow, State, Step, Understanding
from graphs.support.utterance import asks
from tools.registry import get_tool, tool_names

SETTLED = {"done", "rejected"}


def plan(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    d = deps(runtime)
    understanding = state.understanding
    assert understanding is not None, "plan runs only after understand"
    text = state.customer_message
    if state.replan and state.flow is not None and d.context.llm_enabled():
        return _replan(state, d, state.flow, text)
    flow = _flow_for_turn(state, understanding)
    identity_failed = any(s["id"] == "verify" and s["status"] == "failed" for s in state.plan)
    fill_slots(flow, understanding, text, identity_failed=identity_failed and understanding["continues_flow"],
                customer=state.customer)
    grown = place_requests(d, flow, understanding, text, state.customer)

    answered = understanding["affirmation"] is not None
    note: str | None = None  # the model's rationale for its plan, or why the flow planned instead
    if understanding["continues_flow"] and "confirmation" in flow["asking"] and answered:
        steps = _apply_confirmation(state.plan, understanding)
        flow["asking"] = []
        flow["stage"] = "executing" if understanding["affirmation"] == "yes" else "done"
    else:
        steps = _build_steps(state, flow, text)
        if not understanding["continues_flow"]:
            _accept_offers(state.plan, steps)
        if state.flow is not None:
            _confirmed_with_request(steps, understanding, text)
        if understanding["continues_flow"]:
            # A step that already ran (or was decided) in an earlier turn keeps its outcome: writes never repeat,
            # unless the customer corrected a value it used (it runs again with the new one).
            amended = understanding.get("dialogue", {}).get("amends") or []
            # A request a detail added a step to reads its records again ("charged twice" after "a charge").
            earlier = {s["id"]: s for s in state.plan if s["status"] in SETTLED and not _uses(s, amended)
                       and (s["writes"] or request_key(s) not in grown)}
            steps = [earlier.get(s["id"], s) for s in steps]
        if d.context.llm_enabled() and state.model_problems:
            steps = []  # the model's reading was refused twice: a person decides what happens, nothing runs
        elif d.context.llm_enabled() and not flow["asking"] and (
                understanding["source"] == "llm" or understanding["continues_flow"]):
            # (a new topic the local router read alone means the model was unreachable a moment ago)
            earlier_settled = [s for s in state.plan if s["status"] in SETTLED] if understanding["continues_flow"] \
                else []
            steps, problems, note = _model_steps(state, d, flow, steps, earlier_settled, None)
            if problems:
                return _audited(d, state, flow, steps, note, {"model_problems": problems})
        # What the customer said is known now; results of earlier steps are filled in by act, and a slot a
        # lookup step will find stays a reference until it does (lookups.settle_lookup).
        for step in steps:
            if step["status"] in SETTLED:
                continue
            key = request_key(step)
            slots = slots_for(flow, key)
            pending = pending_lookups(get_flow(key), slots) if key in flow["intents"] else set()
            scope = {"slots": slots, "message": text_for(flow, key, text)}
            step["args"] = resolve_known(step["args"], scope, pending)
        if _asked_again(state, understanding):
            # Asked again for what was just done: every step that ran (or was decided) keeps its outcome.
            earlier = {s["id"]: s for s in state.plan if s["status"] in SETTLED}
            steps = [earlier.get(s["id"], s) for s in steps]
        elif not understanding["continues_flow"]:
            steps = [_done_before(state.plan, s) or s for s in steps]
    return _audited(d, state, flow, steps, note, {})


def _done_before(previous: list[Step], step: Step) -> Step | None:
    """The same write, already done for the request just finished ("open an investigation" after the agent opened
    one): the same step of the same flow with the same values, the customer's words ($message) aside. It is not
    done twice; it keeps its outcome. Money is another matter: a second refund of the same amount may be meant."""
    if (not step["writes"] or get_tool(step["tool"]).moves_money or "." not in step["id"]
            or step["intent"] not in load_flows()):
        return None
    local = step["id"].split(".", 1)[1]
    spec = next((s for s in get_flow(step["intent"]).steps if s.id == local), None)
    if spec is None:
        return None
    said = {name for name, value in spec.args.items() if value == "$message"}
    for earlier in previous:
        if (earlier["id"] == step["id"] and earlier["status"] == "done"
                and {k: v for k, v in earlier["args"].items() if k not in said}
                == {k: v for k, v in step["args"].items() if k not in said}):
            return earlier
    return None


def _audited(d: Deps, state: State, flow: ActiveFlow, steps: list[Step], note: str | None,
             extra: dict[str, Any]) -> dict[str, Any]:
    d.audit.record(d.thread_id, state.turn, "plan", {
        "intents": flow["intents"], "asking": flow["asking"],
        "steps": [{k: s[k] for k in ("id", "tool", "args", "depends_on", "status", "why")} for s in steps],
        **({"note": note} if note else {}),
    }, at=d.now)
    return {"flow": flow, "plan": steps, **extra}


def _model_steps(state: State, d: Deps, flow: ActiveFlow, flow_steps: list[Step], kept: list[Step],
                 reason: str | None) -> tuple[list[Step], list[str], str | None]:
    """The model's steps after the graph's own (identity check, kept steps); the flow's if the model is down.

    Returns (steps, problems, note): problems mean the model's plan was refused twice and none of it is kept.
    """
    verify = [s for s in flow_steps if s["id"] == "verify"]
    intents = list(dict.fromkeys(intent_of(key) for key in flow["intents"]))  # an intent once, however many records
    request = PlanRequest(
        intents=intents, flow=flow, customer=state.customer if state.customer and
        state.customer["verified"] else None, kept=kept + verify, reason=reason,
        also_tools=tuple(s["tool"] for s in kept if s["status"] == "failed"),
        policy=d.context.policy(), verify_first=bool(verify), message=state.customer_message)
    proposal = plan_with_model(d.context.build_chat_model(), list(state.messages), request)
    audit_calls(d.audit, d.thread_id, state.turn, proposal.answer.calls, d.now)
    answer = proposal.answer
    if answer.value is not None:
        return kept + verify + proposal.steps, [], answer.value.rationale
    if answer.outage:
        if reason is not None:  # a replan without a model: leave the plan as it stands
            return kept, [], f"replan impossible, the model could not be reached ({answer.outage})"
        return flow_steps, [], f"the model could not be reached ({answer.outage}); planned from the flow data"
    return kept + verify, [f"the model's plan was refused twice: {answer.problem}"], "model plan refused"


def _replan(state: State, d: Deps, previous: ActiveFlow, text: str) -> dict[str, Any]:
    flow = copy.deepcopy(previous)
    steps, problems, note = _model_steps(state, d, flow, [], copy.deepcopy(state.plan), state.replan)
    for step in steps:
        if step["status"] == "pending" and step["result"] is None:
            step["args"] = resolve(step["args"], {"slots": flow["slots"], "message": text})
    d.audit.record(d.thread_id, state.turn, "replan", {"reason": state.replan, "attempt": state.replans + 1},
                   at=d.now)
    extra: dict[str, Any] = {"replan": None, "replans": state.replans + 1}
    if problems:
        extra["model_problems"] = [*state.model_problems, *problems]
    return _audited(d, state, flow, steps, note, extra)


def _flow_for_turn(state: State, understanding: Understanding) -> ActiveFlow:
    previous = followed(state.flow)  # a follow-up after a closing "thanks" continues the request before it
    if understanding["continues_flow"] and previous is not None:
        flow = copy.deepcopy(previous)
        flow.pop("declined", None)  # a decline answers its own turn only
        return flow
    # A new request keeps what is on record (an order number, who the customer said they are): never asked twice.
    carried = carried_slots(state, understanding["intents"])
    if not (previous is not None and "customer_id" in previous["slots"]):
        carried.pop("customer_id", None)  # the verified customer's own id is not an identity slot
    # "when's it due to land then?": the record the pronoun means is the finished request's
    dialogue = understanding.get("dialogue")
    carried |= (dialogue.get("refers") or {}) if dialogue is not None else {}
    if _asked_again(state, understanding):
        # The request just finished, asked for again with nothing new ("can u move everything into this one" after
        # the merge): the same request, with all it was given; what it did already stands (plan).
        assert previous is not None
        carried = {**copy.deepcopy(previous["slots"]), **carried}
    new: ActiveFlow = {
        "intents": [i["intent"] for i in understanding["intents"]],
        "confidences": {i["intent"]: i["confidence"] for i in understanding["intents"]},
        "router_confidences": dict(understanding.get("router") or {}),
        "slots": carried,
        "stage": "collecting",
        "asking": [],
        "low_confidence_turns": 0,
    }
    if reading_decided(understanding) and previous is not None and "reading" in previous:
        # A reading the dialogue decided (a choice picked, the request asked again, a question about its record)
        # keeps the familiarity of the message whose flow it follows, as a reply carrying a flow on does.
        new["reading"] = dict(previous["reading"])
    earlier = closing_flow(new["intents"], state.flow)
    if earlier is not None:
        new["earlier"] = earlier
    return new


def _asked_again(state: State, understanding: Understanding) -> bool:
    """Is the new request the one just finished, that changed something, sure and bringing no value the
    conversation does not hold? Not a request that moves money: a second refund of the same amount may be meant;
    nor one that only looked something up ("where is it now?" reads the records again)."""
    previous = state.flow
    intents = [i["intent"] for i in understanding["intents"]]
    return (previous is not None and previous["stage"] == "done" and intents == previous["intents"]
            and any(s["writes"] and s["status"] == "done" for s in state.plan)
            and understanding["intents"][0]["confidence"] >= NEW_REQUEST_CONFIDENCE
            and not unheard(understanding["entities"], state) and not any(money_at_stake(i) for i in intents)
            and all(_same_slots(state, understanding, previous, intent) for intent in intents))


def _same_slots(state: State, understanding: Understanding, previous: ActiveFlow, intent: str) -> bool:
    """Does every slot the new message gives hold the value the request just finished had? Its words are read
    again for the text slots ("actually no, subscribe me again" after "unsubscribe me" asks for the opposite), its
    values for the others (another address)."""
    before = slots_for(previous, intent)
    entities: dict[str, Any] = dict(understanding["entities"])
    for name, spec in get_flow(intent).slots.items():
        if spec.entity:
            if spec.entity in entities and not holds(before.get(name), entities[spec.entity]):
                return False
        elif spec.text:
            value = spec.named_in(state.customer_message, state.customer)
            if value is not None and value != before.get(name):
                return False
    return True


def _uses(step: Step, slots: list[str]) -> bool:
    """Does the flow step behind ``step`` take any of these slots as arguments?"""
    if not slots or "." not in step["id"] or step["intent"] not in load_flows():
        return False
    local = step["id"].split(".", 1)[1]
    flow = get_flow(step["intent"])
    spec = next((s for s in flow.steps if s.id == local), None)
    refs = re.findall(r"\$slots\.(\w+)", str(spec.args)) if spec is not None else []
    lookups = [name for name, slot in flow.slots.items() if slot.resolve is not None and slot.resolve.step == local]
    return any(ref in slots for ref in [*refs, *lookups])


def offered_tools(previous: list[Step]) -> set[str]:
    """Tools the last turn's refusals offered the customer instead ("Cancel the order instead (cancel_order)")."""
    names = set(tool_names())
    return {name for s in previous if s["status"] == "failed" and s["error"]
            for name in re.findall(r"\((\w+)\)", s["error"]) if name in names}


def _accept_offers(previous: list[Step], steps: list[Step]) -> None:
    """A request for what the agent itself just offered instead is the customer's yes to it: its steps do not
    ask again ("I couldn't ...: cancel the order instead" — "ok, cancel it then")."""
    offered = offered_tools(previous)
    for step in steps:
        if step["status"] == "awaiting_confirmation" and step["tool"] in offered:
            step["status"], step["confirmed"] = "pending", True


def _confirmed_with_request(steps: list[Step], understanding: Understanding, text: str) -> None:
    """A yes that comes with the request it agrees to, in answer to something else the agent said ("ok yes,
    switch me to basic"), is the customer's yes to that request: its steps do not ask again. Only the request the
    router reads in the message surely, and not a question ("yes, can I ...?"); the agent's own doubt about the
    write (act) still asks."""
    router = understanding.get("router") or {}
    if understanding["affirmation"] != "yes" or not router or asks(text):
        return
    stated = max(router, key=lambda intent: router[intent])
    if router[stated] < NEW_REQUEST_CONFIDENCE:
        return
    for step in steps:
        if step["status"] == "awaiting_confirmation" and stated in (tool_intents(step["tool"]) or [step["intent"]]):
            step["status"] = "pending"


def _apply_confirmation(previous: list[Step], understanding: Understanding) -> list[Step]:
    """A yes confirms the steps waiting for it, a no drops them; a restated request confirms only the steps whose
    tool serves that request (the tool decides, never the intent label a model gave the step)."""
    yes = understanding["affirmation"] == "yes"
    restates = understanding.get("dialogue", {}).get("restates")
    steps = copy.deepcopy(previous)
    for step in steps:
        if restates and restates not in (tool_intents(step["tool"]) or [step["intent"]]):
            continue
        if step["status"] == "awaiting_confirmation":
            step["status"] = "pending" if yes else "skipped"
            step["confirmed"] = yes
            if not yes:
                step["error"] = "the customer decided not to go ahead"
    return steps


def _build_steps(state: State, flow: ActiveFlow, text: str) -> list[Step]:
    """The flow's steps for every request (each instance of one under its own key: requests.spread_instances)."""
    verified = bool(state.customer and state.customer["verified"])
    keys = flow["intents"]
    asking: list[str] = []
    steps: list[Step] = []
    if any(get_flow(key).verifies(slots_for(flow, key)) for key in keys) and not verified:
        args = identity_args(flow["slots"])
        if args is not None:
            steps.append(_step("verify", "identity", "verify_identity", args, [], "confirm who the customer is"))
        else:
            asking.append("identity")
    for key in keys:
        spec = get_flow(key)
        slots = slots_for(flow, key)
        missing = _missing_slots(state, key, flow)
        asking.extend(m for m in missing if m not in asking)
        verifies = spec.verifies(slots)
        if missing or (verifies and "identity" in asking):
            continue
        after_verify = ["verify"] if steps and steps[0]["id"] == "verify" and verifies else []
        for s in spec.steps:
            if not plans_for(s, slots, verified=verified or verifies):
                continue
            waits = waits_for_yes(s, text_for(flow, key, text), text)
            steps.append(_step(
                f"{key}.{s.id}", spec.intent, s.tool, dict(s.args),
                after_verify + [f"{key}.{dep}" for dep in s.depends_on], s.why,
                status="awaiting_confirmation" if waits and not decided(flow, key) else "pending", request=key,
            ))
            # A request the customer decided on (told its value, or went ahead after asking) has their yes: the
            # agent does not ask them again whether they asked for it (act's doubt of the reading).
            steps[-1]["confirmed"] = bool(s.confirm) and decided(flow, key)
    flow["asking"] = asking
    flow["stage"] = "verifying" if "identity" in asking else "collecting" if asking else "executing"
    return steps


def _missing_slots(state: State, key: str, flow: ActiveFlow) -> list[str]:
    """What this request still needs from the customer: a required slot without a value (unless a lookup step
    finds it from their description), or a slot they were asked to choose a record for."""
    spec = get_flow(key)
    slots = slots_for(flow, key)
    choosing = request_of(flow, key)["choices"]
    missing = []
    for name, slot in spec.slots.items():
        asked_to_choose = name in choosing
        if slot.ask_when is not None and not asked_to_choose:
            continue  # asked once the records show it can be used (act)
        if slots.get(name) is None and (asked_to_choose or (slot.required and not lookup_pending(spec, slots, name))):
            missing.append(name)
    return missing


_step = make_step
