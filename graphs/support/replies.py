"""Compose the agent's reply for a turn from the plan's results and the reply templates in prompts/."""

from __future__ import annotations

from typing import Any

from graphs.support.flows import get_flow, intent_of, request_key
from graphs.support.questions import named_records, requests_asking, waiting_intents
from graphs.support.requests import slots_for
from graphs.support.state import State, Step
from prompts import render_reply, reply_mentions


def clean_error(error: str | None) -> str:
    """A tool's refusal as the customer reads it: no 'Error:' prefix (meant for the reasoner), no final stop."""
    text = (error or "something went wrong").strip()
    if text.lower().startswith("error:"):
        text = text[len("Error:"):].strip()
    text = text.rstrip(".")  # templates end the sentence themselves
    return text[:1].upper() + text[1:]


def _steps_of(state: State, key: str) -> dict[str, Step]:
    """The steps of one request (an instance's own: flows.request_key) by their flow step id."""
    return {s["id"].split(".", 1)[1]: s for s in state.plan if request_key(s) == key and "." in s["id"]}


def _values(state: State) -> dict[str, Any]:
    return {
        "customer": state.customer or {},
        "flow": state.flow or {},
        "understanding": state.understanding or {},
        "sentiment": state.sentiment or {},
        "clean_error": clean_error,
    }


def clarifying(state: State) -> bool:
    """Does the agent ask the customer to clarify this turn (unsure, nothing asked yet), instead of answering? Not
    after a reviewer approved a step and it ran: a person settled the reading, and the customer hears what was done."""
    assessment = state.assessment
    approved = any(s.get("approved_by") and s["status"] == "done" for s in state.plan)
    return bool(assessment and assessment["route"] == "respond" and not assessment["reasons"]
                and (assessment.get("clarify") or assessment["confidence"] < assessment["threshold"])
                and state.flow and not state.flow["asking"] and not approved)


def compose_reply(state: State) -> str:
    """What the agent says this turn, without a human in the loop: results first, then any question."""
    flow = state.flow
    values = _values(state)
    if clarifying(state):
        intents = state.understanding["intents"] if state.understanding else []
        # An out-of-scope aside is no reading to choose between ("is this about X, or out of scope?").
        requests = [i for i in intents if i["intent"] != "out_of_scope"]
        return render_reply("clarify", intents=requests[:2], **values)
    parts: list[str] = []
    verify = next((s for s in state.plan if s["id"] == "verify"), None)
    if verify is not None and verify["status"] == "failed":
        parts.append(render_reply("verification_failed", error=clean_error(verify["error"]),
                                  failures=state.verification_failures, **values))
    identity_failed = verify is not None and verify["status"] == "failed"
    choosing = waiting_intents(flow) if flow else set()
    for intent in flow["intents"] if flow else []:
        if identity_failed and flow and get_flow(intent).verifies(slots_for(flow, intent)):
            continue  # nothing ran for it; the customer is asked to verify again below
        if intent in choosing:
            continue  # the customer is asked below which record they mean
        steps = _steps_of(state, intent)
        if not steps and get_flow(intent).steps and flow and flow["asking"]:
            continue  # still waiting for information for this intent (none of its steps is planned yet)
        if any(s["status"] == "awaiting_confirmation" for s in steps.values()):
            continue  # asked below
        parts.append(render_reply(get_flow(intent).reply, steps=steps, intent=intent_of(intent), **values))
    unmentioned = [s for s in state.plan if s["writes"] and s["status"] == "done" and not _described(s)]
    if unmentioned:
        parts.append(render_reply("actions_taken", steps=unmentioned, **values))
    asking = flow["asking"] if flow else []
    # What the steps already found (the order, the products, the invoices) lets a question name what would change,
    # and keeps one from asking for a record the account has none of.
    found = {s["tool"]: (s["result"] or {}).get("data") or {} for s in state.plan if s["status"] == "done"}
    if "confirmation" in asking:
        waiting = {s["id"] for s in state.plan if s["status"] == "awaiting_confirmation"}
        # A step that follows another one offered (the dispute's decision after the dispute) goes with it: one yes
        # confirms both, and only the first is asked about.
        pending = [s for s in state.plan if s["id"] in waiting and not waiting & set(s["depends_on"])]
        parts.append(render_reply("confirm_steps", pending=pending, found=found, **values))
    information = [a for a in asking if a != "confirmation"]
    if information and flow:
        choices = {name: [{k: v for k, v in c.items() if k != "_candidate"} for c in offered]
                   for request in (flow.get("requests") or {}).values()
                   for name, offered in request["choices"].items()}
        parts.append(render_reply("ask_information", asking=information, choices=choices,
                                  asked_for=requests_asking(flow, information),
                                  named=named_records(flow, state.plan), found=found, **values))
    return "\n\n".join(p for p in parts if p) or render_reply("fallback", **values)


def _described(step: Step) -> bool:
    """Does the reply of the step's intent describe it: the flow's own step, or a tool its template names?"""
    if "." not in step["id"] or step["id"] == "verify":
        return True
    spec = get_flow(step["intent"])
    local = step["id"].split(".", 1)[1]
    own = any(s.id == local and s.tool == step["tool"] for s in spec.steps)
    return own or reply_mentions(spec.reply, step["tool"])


def holding_reply(state: State, queue: str) -> str:
    """What the customer hears while a human reviews the thread: the policy that holds a step, if one does,
    never the agent's own doubts, sentiment scores or a model's failures (those are for the reviewer)."""
    reasons = [s["customer_reason"] for s in state.plan if s["status"] == "needs_approval" and s.get("customer_reason")]
    # What this turn changed before the hand-off (a refund made as usual beside an injury a person follows up): the
    # customer hears of every change, as in any reply.
    done = [s for s in state.plan if s["writes"] and s["status"] == "done" and s["id"] != "verify"]
    return render_reply("review_pending", queue=queue, reasons=reasons, done=done, **_values(state))
