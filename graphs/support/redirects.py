"""The records decide between close intents: a request becomes another intent's when what the flow fetched says so.

The router reads the customer's words; the records it then looks at may tell a different story. "Refund it again"
on an order already refunded in full is a question about that refund; "cancel" of a delivered order is a return;
"you charged me twice" with two equal charges on one order is a payment problem (a duplicate charge), not a
dispute of an invoice. A flow step's ``instead`` (flows.yaml) names the value that decides and the intent the
request then belongs to. When the step is ready (what it depends on has run), act asks here:

- the step and the rest of its request that has not run are skipped, with the reason;
- the other flow's steps are planned with the request's slots (its clause, what the customer described, the
  records found), steps it shares with what already ran take their results instead of running again;
- every write among them waits for the customer's yes: the customer did not ask for it in those words. When
  the redirect is ``asked`` (money back for a charge the records show was taken twice, asked as "refund the
  extra one" or "I dispute the second charge"), the customer did ask for what it does: its writes wait as the
  other flow's own steps do for the customer's words (``flows.waits_for_yes``: a yes is asked when any request's
  words, or the message, weigh it), also when another reading of the message planned them already. Their
  checks (preconditions, policy, limits, idempotency, the thread lock) are those of any write.
"""

from __future__ import annotations

import copy
from typing import Any

from graphs.support.flow_spec import Instead, resolve
from graphs.support.flows import (
    get_flow,
    instance_key,
    instance_number,
    make_step,
    plans_for,
    request_key,
    waits_for_yes,
)
from graphs.support.lookups import pending_lookups, resolve_known, settle_lookup
from graphs.support.requests import request_of, slots_for, text_for
from graphs.support.state import ActiveFlow, Step
from tools.registry import get_tool

UNSETTLED = {"pending", "awaiting_confirmation"}


def redirect(flow: ActiveFlow, steps: list[Step], step: Step, instead: Instead, text: str, *,
             verified: bool, scope: dict[str, Any] | None = None) -> list[Step]:
    """Turn ``step``'s request into ``instead.intent``'s; the new steps (already appended to ``steps``). The slots
    the redirect gives may name what the flow fetched (``scope``: the order another charge was taken twice on)."""
    # A request instance (one of several records the words list: requests.spread_instances) turns into the
    # other intent's instance of the same number, with its own record: the others stay as they are.
    source = request_key(step)
    target = instance_key(instead.intent, instance_number(source))
    spec = get_flow(target)
    already = target in flow["intents"]
    confidences = flow["confidences"]
    if instead.keeps_request(scope or {}):
        # The request stays (a return asked for beside a duplicate charge): the other intent's steps join it.
        flow["intents"] = [*flow["intents"], target] if not already else flow["intents"]
        confidences[target] = max(confidences.get(target, 0.0), confidences.get(source, 0.0))
    else:
        for s in steps:
            if request_key(s) == source and s["status"] in UNSETTLED:
                s["status"], s["error"] = "skipped", f"the records show this is another request: {instead.why}"
        flow["intents"] = list(dict.fromkeys(target if i == source else i for i in flow["intents"]))
        confidences[target] = max(confidences.get(target, 0.0), confidences.pop(source, 0.0))
    # Every request's words: a customer who weighs it in any of them ("... could I get it back?") is asked first.
    words = " \n".join([text, *(r.get("text") or "" for r in (flow.get("requests") or {}).values())])
    if already:  # planned by another reading of the message: asked for in these words, it need not wait
        if instead.asked:
            for own_step in spec.steps:
                if not waits_for_yes(own_step, words):
                    for s in steps:
                        if s["id"] == f"{target}.{own_step.id}" and s["status"] == "awaiting_confirmation":
                            s["status"], s["asked_as"] = "pending", source
        return []
    own = request_of(flow, source)
    request = request_of(flow, target)
    request["text"], request["described"] = own["text"], copy.deepcopy(own["described"])
    if "context" in own:
        request["context"] = own["context"]
    request["slots"] = {**own["slots"], **resolve(instead.slots, scope or {})}
    for name, slot in spec.slots.items():  # what the request's words say in the other flow's terms (store credit)
        if slot.text and not slot.entity and name not in request["slots"] and name not in flow["slots"]:
            request["slots"][name] = slot.read_text(request["text"] or text)
    slots = slots_for(flow, target)
    pending = pending_lookups(spec, slots)
    scope = {"slots": slots, "message": text_for(flow, target, text)}
    ran = [s for s in steps if s["status"] == "done" and not s["writes"]]
    new: list[Step] = []
    for own_step in spec.steps:
        if not plans_for(own_step, slots, verified=verified):
            continue
        writes = waits_for_yes(own_step, words) if instead.asked else (
            own_step.confirm or get_tool(own_step.tool).writes)
        planned = make_step(f"{target}.{own_step.id}", instead.intent, own_step.tool,
                            resolve_known(dict(own_step.args), scope, pending),
                            [f"{target}.{dep}" for dep in own_step.depends_on], own_step.why,
                            status="awaiting_confirmation" if writes else "pending", request=target)
        if instead.asked and planned["writes"]:
            planned["asked_as"] = source  # the customer's words asked for it as the first request's
        same = next((r for r in ran if r["tool"] == own_step.tool and r["args"] == planned["args"]), None)
        if same is not None:  # already looked up for the first reading: its result, not a second call
            planned["status"], planned["result"] = "done", copy.deepcopy(same["result"])
        new.append(planned)
    ids = {p["id"] for p in new}
    for planned in new:
        planned["depends_on"] = [dep for dep in planned["depends_on"] if dep in ids]
    steps.extend(new)
    for planned in new:
        if planned["status"] == "done":
            settle_lookup(flow, steps, planned)
    return new


def audit_payload(step: Step, instead: Instead, new: list[Step]) -> dict[str, Any]:
    return {"from": step["intent"], "to": instead.intent, "step": step["id"], "why": instead.why,
            "steps": [s["id"] for s in new]}
