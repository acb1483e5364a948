"""assess: how sure are we, and may the agent answer alone or must a human look?

Confidence comes from the named signals of graphs/support/confidence.py combined by the fitted model in
``confidence.yaml``, compared with the flow's threshold; graphs/support/escalation.py decides the route.
"""

from __future__ import annotations

import copy
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from graphs.reasoners.llm.accounting import turn_usage
from graphs.support.confidence import load_model, signals_of
from graphs.support.context import Context
from graphs.support.deps import deps
from graphs.support.escalation import decide
from graphs.support.flows import get_flow
from graphs.support.replies import holding_reply
from graphs.support.state import Assessment, State


def assess(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    d = deps(runtime)
    assert state.flow is not None
    flow = copy.deepcopy(state.flow)
    signals = signals_of(state)
    confidence = load_model().score(signals)
    threshold = max(get_flow(i).threshold for i in flow["intents"])
    decision = decide(state, confidence, threshold, max_verification_attempts=d.context.max_verification_attempts)
    if decision.clarify:
        flow["low_confidence_turns"] += 1  # ask the customer to clarify once before handing over
    elif confidence >= threshold:
        flow["low_confidence_turns"] = 0
    assessment: Assessment = {"confidence": round(confidence, 4), "threshold": threshold, "signals": signals,
                              "route": decision.route, "reasons": decision.reasons, "queue": decision.queue}
    d.audit.record(d.thread_id, state.turn, "assess", dict(assessment), at=d.now)
    if d.context.llm_enabled():
        # Tokens and cost of the turn's model calls so far (a turn resumed after a review repeats the total).
        d.audit.record(d.thread_id, state.turn, "llm_usage", turn_usage(d.audit.events(d.thread_id), state.turn),
                       at=d.now)
    update: dict[str, Any] = {"assessment": assessment, "flow": flow}
    if decision.route == "human_review":
        again = state.review is not None and state.review["turn"] == state.turn
        if not again:
            # The customer hears at once that a person is looking; the reviewer's decision follows later. A step
            # that goes back to the reviewer in the same turn (its refusal, a changed amount) says nothing more.
            text = holding_reply(state, decision.queue)
            update["messages"] = [AIMessage(content=text, name="supportgraph")]
        update["status"] = "awaiting_review"
    return update
