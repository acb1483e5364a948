"""assess: how sure are we, and may the agent answer alone, must a human look, or is the request declined?

Confidence comes from the named signals of graphs/support/confidence.py combined by the fitted model in
``confidence.yaml``, compared with the flow's threshold; graphs/support/escalation.py decides the route. The
reply the agent would send is drafted here once, so that dialogue repair (the agent about to say again what it
already said) is a signal and a hand-off trigger. The audit records every signal with its weight and meaning.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from graphs.reasoners.llm.accounting import turn_usage
from graphs.support.confidence import EXPLAIN, FAMILIARITY, load_model, signals_of, weakest
from graphs.support.context import Context
from graphs.support.deps import Deps, deps
from graphs.support.escalation import decide
from graphs.support.flows import get_flow
from graphs.support.handoff import agent_repeats, cues_in, customer_repeats, customer_texts, new_values
from graphs.support.replies import compose_reply, holding_reply
from graphs.support.state import ActiveFlow, Assessment, State
from prompts import render_reply
from tools.registry import get_tool

# Dialogue acts of a reply that moves the conversation on rather than failing to answer what was asked.
MOVES_ON = ("new_request", "close")


def _draft(state: State) -> str:
    """The reply the agent would send this turn answering alone (before the route is decided)."""
    return compose_reply(replace(state, assessment=None))


def _repeats(state: State, draft: str | None = None) -> int:
    """How many earlier agent messages the reply drafted for this turn repeats (0 on a resumed review, on an
    identity attempt: failed attempts have their own limit, policy §1, and when the customer's reply gave some
    of what was asked, corrected what they said, decided on a request they had asked about, or brought a value
    not said before: asking again after that is progress, not repetition; one fewer when the reply, instead of
    answering, asks something of its own or closes, without saying again what the customer said before)."""
    if state.review is not None or state.flow is None:
        return 0
    dialogue = state.understanding.get("dialogue") if state.understanding else None
    if dialogue and (dialogue["supplies"] or dialogue["act"] == "correct" or dialogue.get("decides")):
        return 0
    if new_values(customer_texts(state.messages)):
        return 0
    if any(s["id"] == "verify" and s["status"] in {"done", "failed"} for s in state.plan):
        return 0
    repeats = agent_repeats(state.messages, _draft(state) if draft is None else draft)
    if dialogue and dialogue["act"] in MOVES_ON and not customer_repeats(state.messages) and not any(
            c.name == "correction" for c in cues_in(state.customer_text())):
        # A reply that takes the conversation somewhere of its own (a choice, a new question, a goodbye) instead of
        # answering did not fail to answer: the question may be asked once more before it is no progress.
        return max(0, repeats - 1)
    return repeats


def _open_ticket(d: Deps, state: State, args: dict[str, str]) -> None:
    """Open the ticket a hand-off asks for (once per turn: the call is idempotent) and audit it."""
    ctx = d.tool_context(state.turn, state.customer, "handoff_ticket")
    result = get_tool("create_ticket").run(d.store, args, ctx)
    d.audit.record(d.thread_id, state.turn, "tool_call", {
        "step": "handoff_ticket", "tool": "create_ticket", "args": args, "ok": result.ok, "error": result.error,
        "approved_by": None}, at=d.now)


def _carried_by_handoff(state: State, flow: ActiveFlow) -> dict[str, Any]:
    """The plan without the steps a hand-off makes moot (flows.yaml ``carried_by_handoff``: a complaint recorded for
    a person, which the person now reads with the conversation) that still wait for the customer's yes: skipped, so
    that no one asks the customer about them after the reviewer's decision. ``flow`` stops asking for a
    confirmation none of its steps waits for any more. Nothing to change: an empty update."""
    moot = [s["id"] for s in state.plan
            if s["status"] == "awaiting_confirmation" and get_flow(s["intent"]).carried_by_handoff]
    if not moot:
        return {}
    plan = [{**s, "status": "skipped", "error": "handed over with the conversation"} if s["id"] in moot else s
            for s in state.plan]
    if not any(s["status"] == "awaiting_confirmation" for s in plan):
        flow["asking"] = [a for a in flow["asking"] if a != "confirmation"]
    return {"plan": plan}


def low_turns_after(low_turns: int, *, clarify: bool, sure: bool, offering: bool) -> int:
    """The count of low-confidence turns running after this one (two hand over: the agent makes no progress).

    A clarifying question counts one; a sure turn ends the run, and so does an offer waiting for the customer's yes:
    naming the action and asking for the go-ahead is progress, though the offer itself lowers the turn's confidence
    (the ``awaits_confirmation`` signal: the outcome is left to a later turn)."""
    if clarify:
        return low_turns + 1  # ask the customer to clarify once before handing over
    return 0 if sure or offering else low_turns


def assess(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    d = deps(runtime)
    assert state.flow is not None
    flow = copy.deepcopy(state.flow)
    draft = _draft(state) if state.review is None else ""
    repeats = _repeats(state, draft)
    signals = signals_of(state, repeats=repeats, reply=draft)
    model = load_model()
    confidence = model.score(signals)
    threshold = min(max(get_flow(i).threshold for i in flow["intents"]), model.clarify_below)
    decision = decide(state, confidence, threshold, max_verification_attempts=d.context.max_verification_attempts,
                      repeats=repeats, why_unsure=weakest(signals, model))
    flow["low_confidence_turns"] = low_turns_after(flow["low_confidence_turns"], clarify=decision.clarify,
                                                   sure=confidence >= threshold,
                                                   offering=bool(signals.get("awaits_confirmation")))
    if not state.understanding or not state.understanding["continues_flow"]:
        flow["reading"] = {name: signals[name] for name in FAMILIARITY}  # the replies that carry it on inherit it
    assessment: Assessment = {"confidence": round(confidence, 4), "threshold": threshold, "signals": signals,
                              "route": decision.route, "reasons": decision.reasons, "queue": decision.queue,
                              "clarify": decision.clarify}
    audited = {**assessment, "declined": decision.decline,
               "signal_weights": {name: round(model.weights.get(name, 0.0), 4) for name in signals},
               "signal_meaning": {name: EXPLAIN[name] for name in signals}}
    d.audit.record(d.thread_id, state.turn, "assess", audited, at=d.now)
    if d.context.llm_enabled():
        # Tokens and cost of the turn's model calls so far (a turn resumed after a review repeats the total).
        d.audit.record(d.thread_id, state.turn, "llm_usage", turn_usage(d.audit.events(d.thread_id), state.turn),
                       at=d.now)
    update: dict[str, Any] = {"assessment": assessment, "flow": flow}
    topic = next((q for q in (get_flow(i).queue for i in flow["intents"]) if q != "general"), None)
    if topic is not None and topic != state.topic:
        update["topic"] = topic  # the subject a later request for a person goes to
    if decision.decline:
        # Nothing the claim asks for runs and nobody is asked: the customer hears why, the flow ends here.
        flow["asking"], flow["stage"], flow["declined"] = [], "done", True
        update["plan"] = [{**s, "status": "skipped"} if s["status"] not in {"done", "failed"} else s
                          for s in state.plan]
        update["reply"] = render_reply("decline")
    if decision.route == "human_review":
        again = state.review is not None and state.review["turn"] == state.turn
        if decision.ticket is not None and not again:
            _open_ticket(d, state, decision.ticket)
        if not again:
            # The customer hears at once that a person is looking; the reviewer's decision follows later. A step
            # that goes back to the reviewer in the same turn (its refusal, a changed amount) says nothing more.
            text = holding_reply(state, decision.queue)
            update["messages"] = [AIMessage(content=text, name="supportgraph")]
            update |= _carried_by_handoff(state, flow)
        update["status"] = "awaiting_review"
    return update
