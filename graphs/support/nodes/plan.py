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
from graphs.support.deps import Deps, catalogue, deps
from graphs.support.dialogue import IDENTIFIERS, NEW_REQUEST_CONFIDENCE, SECRETS, amend, carried_slots, identity_args
from graphs.support.flows import FlowSpec, get_flow, load_flows, make_step, plans_for, resolve, waits_for_yes
from graphs.support.requests import (
    add_description,
    answer_choices,
    decided,
    fill_answered,
    fill_open_text,
    lookup_pending,
    note_decision,
    pending_lookups,
    read_slot_text,
    request_of,
    resolve_known,
    slots_for,
    split_requests,
    text_for,
)
from graphs.support.state import ActiveFlow, Customer, State, Step, Understanding
from graphs.support.third_party import others_details
from graphs.support.utterance import asks, tells_value
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
    _fill_slots(flow, understanding, text, identity_failed=identity_failed and understanding["continues_flow"],
                customer=state.customer)
    _place_requests(d, flow, understanding, text, state.customer)

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
            earlier = {s["id"]: s for s in state.plan if s["status"] in SETTLED and not _uses(s, amended)}
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
        # lookup step will find stays a reference until it does (requests.settle_lookup).
        for step in steps:
            if step["status"] in SETTLED:
                continue
            slots = slots_for(flow, step["intent"])
            pending = pending_lookups(get_flow(step["intent"]), slots) if step["intent"] in flow["intents"] else set()
            scope = {"slots": slots, "message": text_for(flow, step["intent"], text)}
            step["args"] = resolve_known(step["args"], scope, pending)
        if not understanding["continues_flow"]:
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
    request = PlanRequest(
        intents=flow["intents"], flow=flow, customer=state.customer if state.customer and
        state.customer["verified"] else None, kept=kept + verify, reason=reason,
        also_tools=tuple(s["tool"] for s in kept if s["status"] == "failed"),
        policy=d.context.policy(), verify_first=bool(verify))
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
    previous = state.flow
    if understanding["continues_flow"] and previous is not None:
        flow = copy.deepcopy(previous)
        flow.pop("declined", None)  # a decline answers its own turn only
        return flow
    # A new request keeps what is on record (an order number, who the customer said they are): never asked twice.
    carried = carried_slots(state, understanding["intents"])
    if not (previous is not None and "customer_id" in previous["slots"]):
        carried.pop("customer_id", None)  # the verified customer's own id is not an identity slot
    return {
        "intents": [i["intent"] for i in understanding["intents"]],
        "confidences": {i["intent"]: i["confidence"] for i in understanding["intents"]},
        "router_confidences": dict(understanding.get("router") or {}),
        "slots": carried,
        "stage": "collecting",
        "asking": [],
        "low_confidence_turns": 0,
    }


def _fill_slots(flow: ActiveFlow, understanding: Understanding, text: str, *, identity_failed: bool = False,
                customer: Customer | None = None) -> None:
    """The turn's entities into the flow's slots, typed by their flow's slot specs.

    After a failed identity check the reply is a new attempt: secrets of the failed one are not sent again
    with the new ones (nor alone), and a new identifier replaces the other kind of identifier. With two accounts
    in one message (a merge), the identity is the account given with a secret, and other slots reading the same
    kind of value take the other account's.
    """
    entities: dict[str, Any] = dict(understanding["entities"])
    slots = flow["slots"]
    amended = understanding.get("dialogue", {}).get("amends")
    if amended:  # a correction of a finished request: only the values it replaces change
        cleared = amend(slots, amended, understanding["entities"], flow["intents"], text, customer)
        for intent in flow["intents"]:
            request = request_of(flow, intent)
            cleared |= amend(request["slots"], [n for n in amended if n in request["slots"]],
                             understanding["entities"], [intent], text, customer)
            if any(spec.decides and tells_value(spec, text, customer)
                   for name, spec in get_flow(intent).slots.items() if name in amended):
                request["decided"] = True
            excluded = request.setdefault("excluded", {})
            same = understanding.get("dialogue", {}).get("same_record", False)  # "it's for the speaker": found again
            for name, value in cleared.items():  # "the other one": not the record found last time
                if not same:
                    excluded[name] = [*excluded.get(name, []), value]
                request["described"] = {}
        return
    if identity_failed:
        if not any(k in entities for k in (*IDENTIFIERS, *SECRETS)):
            for name in SECRETS.values():
                slots.pop(name, None)
        if sum(k in entities for k in IDENTIFIERS) == 1:
            for entity, name in IDENTIFIERS.items():
                if entity not in entities:
                    slots.pop(name, None)
    if any(k in entities for k in SECRETS) or (not identity_failed and _another_identifier(slots, entities)):
        # A secret goes with the identifier it was given with: another email or customer id on its own does not
        # take the one on record ("jess@x.com", "30318", then "it's on sam@x.com": ask sam's, never check 30318).
        # After a failed check a retyped identifier is a correction (above).
        for name in SECRETS.values():
            slots.pop(name, None)
    identity: dict[str, Any] = {}
    accounts = entities.get("accounts") or []
    own = next((a for a in accounts if "zip_code" in a or "card_last4" in a), None)
    if own is not None:
        identity = dict(own)
    else:
        for entity, name in {**IDENTIFIERS, **SECRETS}.items():
            if entity in entities:
                value = entities[entity]
                identity[name] = value[0] if isinstance(value, list) else value
    for name in others_details(text, identity):  # "his email is ...": it verifies nobody here
        identity.pop(name)
    slots.update(identity)
    act = understanding.get("dialogue", {}).get("act")
    for intent in flow["intents"]:
        for name, spec in get_flow(intent).slots.items():
            if spec.entity and spec.entity in entities:
                values = entities[spec.entity]
                verifying = not (customer and customer["verified"])
                if spec.entity == "emails" and identity.get("email") and (
                        len(values) > 1 or (verifying and any(name in identity for name in SECRETS.values()))):
                    # The other account's: the email given with a secret to verify is not it, and does not replace
                    # one given before ("my old one is a@x" — then, asked to verify, "I use b@x, zip ...").
                    values = [v for v in values if v != identity["email"]]
                    if not values:
                        continue
                slots[name] = spec.take(values)
            elif act in spec.acts:
                slots[name] = spec.acts[act]
            elif spec.text and name not in slots:
                slots[name] = read_slot_text(spec, text, customer, request_of(flow, intent))


def _another_identifier(slots: dict[str, Any], entities: Any) -> bool:
    """Does the message name an identifier (emails, customer ids: lists) other than the one on record?"""
    return any(slots.get(name) and entities.get(kind) and slots[name] not in entities[kind]
               for kind, name in IDENTIFIERS.items())


def _place_requests(d: Deps, flow: ActiveFlow, understanding: Understanding, text: str,
                    customer: Customer | None = None) -> None:
    """Each request of the message gets its own slots and description (graphs/support/requests.py); a reply to
    the flow adds to them, and may answer which record the customer meant."""
    entities = understanding["entities"]
    if not understanding["continues_flow"]:
        split_requests(flow, text, entities, now=d.now, catalogue=list(catalogue(d.store)), customer=customer)
        return
    add_description(flow, text, entities, d.now)
    fill_open_text(flow, text, customer)
    note_decision(flow, understanding.get("dialogue") or {}, understanding["affirmation"])
    fill_answered(flow, entities)
    answer_choices(flow, text, entities, d.now)


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
    verified = bool(state.customer and state.customer["verified"])
    specs = [get_flow(intent) for intent in flow["intents"]]
    asking: list[str] = []
    steps: list[Step] = []
    if any(s.needs_verification for s in specs) and not verified:
        args = identity_args(flow["slots"])
        if args is not None:
            steps.append(_step("verify", "identity", "verify_identity", args, [], "confirm who the customer is"))
        else:
            asking.append("identity")
    for spec in specs:
        slots = slots_for(flow, spec.intent)
        missing = _missing_slots(state, spec, flow)
        asking.extend(m for m in missing if m not in asking)
        if missing or (spec.needs_verification and "identity" in asking):
            continue
        after_verify = ["verify"] if steps and steps[0]["id"] == "verify" and spec.needs_verification else []
        for s in spec.steps:
            if not plans_for(s, slots, verified=verified or spec.needs_verification):
                continue
            steps.append(_step(
                f"{spec.intent}.{s.id}", spec.intent, s.tool, dict(s.args),
                after_verify + [f"{spec.intent}.{dep}" for dep in s.depends_on], s.why,
                status="awaiting_confirmation" if waits_for_yes(s, text_for(flow, spec.intent, text), text)
                and not decided(flow, spec.intent) else "pending",
            ))
    flow["asking"] = asking
    flow["stage"] = "verifying" if "identity" in asking else "collecting" if asking else "executing"
    return steps


def _missing_slots(state: State, spec: FlowSpec, flow: ActiveFlow) -> list[str]:
    """What this request still needs from the customer: a required slot without a value (unless a lookup step
    finds it from their description), or a slot they were asked to choose a record for."""
    slots = slots_for(flow, spec.intent)
    choosing = request_of(flow, spec.intent)["choices"]
    missing = []
    for name, slot in spec.slots.items():
        asked_to_choose = name in choosing
        if slot.ask_when is not None and not asked_to_choose:
            continue  # asked once the records show it can be used (act)
        if slots.get(name) is None and (asked_to_choose or (slot.required and not lookup_pending(spec, slots, name))):
            missing.append(name)
    return missing


_step = make_step
