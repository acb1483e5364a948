"""When a human must look: the routing rules of assess, as one pure function (tested as a truth table).

A thread goes to human review when any trigger holds — a step held by policy (refund above the limit,
account deletion, account migration, …), a flow that always needs a person, the customer asking for one,
repeated failed identity checks, strongly negative sentiment — or when confidence stays below the flow's
threshold after one clarifying question. The queue follows the issue: the flow's specialist queue, accounts
for identity problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphs.support.flows import get_flow
from graphs.support.state import Queue, Route, State

STRONGLY_NEGATIVE = -0.7


@dataclass(frozen=True)
class Escalation:
    route: Route
    queue: Queue
    reasons: list[str] = field(default_factory=list)
    clarify: bool = False  # below threshold for the first time: ask the customer instead of escalating


def decide(state: State, confidence: float, threshold: float, *, max_verification_attempts: int) -> Escalation:
    """The route for the turn in ``state`` given its confidence; pure, no I/O."""
    assert state.flow is not None
    flow = state.flow
    specs = [get_flow(i) for i in flow["intents"]]
    queue: Queue = specs[0].queue
    held_now = any(s["status"] == "needs_approval" for s in state.plan)
    if state.review and state.review["decision"] is not None and not held_now:
        return Escalation("respond", queue)  # a human has already decided this turn
    reasons: list[str] = []
    for step in state.plan:
        if step["status"] == "needs_approval" and step["hold_reason"]:
            reasons.append(step["hold_reason"])
            queue = get_flow(step["intent"]).queue if step["intent"] in flow["intents"] else queue
    if not flow["asking"]:
        for spec in specs:
            if spec.review_reason and spec.review_reason not in reasons:
                reasons.append(spec.review_reason)
                queue = spec.queue
    # A model answer refused twice (invalid JSON, unknown tool, made-up id, bad arguments): none of it ran.
    reasons += [p for p in state.model_problems if p not in reasons]
    sentiment = state.sentiment
    if sentiment and sentiment["asks_for_human"] and not reasons:
        reasons.append("the customer asked for a human")
    if state.verification_failures >= max_verification_attempts:
        reasons.append(f"identity verification failed {state.verification_failures} times")
        queue = "accounts"
    if sentiment and sentiment["score"] <= STRONGLY_NEGATIVE:
        reasons.append(f"the customer is very upset (sentiment {sentiment['score']:.2f})")
    if reasons:
        return Escalation("human_review", queue, reasons)
    if confidence < threshold and not flow["asking"]:
        if flow["low_confidence_turns"] >= 1:
            return Escalation("human_review", queue,
                              [f"confidence {confidence:.2f} is below the {threshold:.2f} threshold again"])
        if any(s["writes"] and s["status"] == "done" for s in state.plan):
            # Something was already changed on an uncertain reading: a person checks it, the customer is not
            # asked to rephrase what was acted on.
            return Escalation("human_review", queue,
                              [f"confidence {confidence:.2f} is below the {threshold:.2f} threshold after a change "
                               "was made"])
        return Escalation("respond", queue, clarify=True)
    return Escalation("respond", queue)
