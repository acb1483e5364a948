"""assess: how sure are we, and may the agent answer alone or must a human look?

Confidence comes from named signals (pattern recognition, margin, data completeness, complexity, sentiment,
tool outcomes) combined by the logistic model in ``confidence.yaml``; it is compared with the flow's threshold.
Policy triggers send the thread to a human whatever the score.
"""

from __future__ import annotations

import copy
import math
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from graphs.support.context import Context
from graphs.support.deps import deps
from graphs.support.flows import get_flow
from graphs.support.replies import holding_reply
from graphs.support.state import Assessment, Queue, Route, State

STRONGLY_NEGATIVE = -0.7


@lru_cache(maxsize=1)
def confidence_model() -> dict[str, Any]:
    return dict(yaml.safe_load(resources.files("graphs.support").joinpath("confidence.yaml").read_text("utf-8")))


def combine(signals: dict[str, float]) -> float:
    model = confidence_model()
    z = model["bias"] + sum(model["weights"][name] * value for name, value in signals.items())
    return 1.0 / (1.0 + math.exp(-z))


def signals_of(state: State) -> dict[str, float]:
    understanding = state.understanding
    assert understanding is not None and state.flow is not None
    intents = understanding["intents"]
    pattern = sum(i["confidence"] for i in intents) / len(intents)
    needed = sum(len([s for s in get_flow(i).slots.values() if s.required]) + get_flow(i).needs_verification
                 for i in state.flow["intents"])
    # A pending yes/no is not missing information; identity and slots are.
    missing = [a for a in state.flow["asking"] if a != "confirmation"]
    completeness = 1.0 - (len(missing) / needed if needed else 0.0)
    executed = [s for s in state.plan if s["status"] in {"done", "failed"}]
    systems = {s["tool"] for s in state.plan}
    amount = max((float(s["args"].get("amount") or 0) for s in state.plan if isinstance(s["args"], dict)),
                 default=0.0)
    complexity = min(1.0, 0.2 * (len(intents) - 1) + 0.04 * max(0, len(systems) - 1)
                     + 0.03 * len(state.plan) + min(amount / 2000, 0.3))
    sentiment = min(0.0, state.sentiment["score"]) if state.sentiment else 0.0
    return {
        "pattern_recognition": round(pattern, 4),
        # A continuation inherits the flow's intent; the new message's own margin says nothing about it.
        "margin": 1.0 if understanding["continues_flow"] else round(understanding["margin"], 4),
        "data_completeness": round(max(0.0, completeness), 4),
        "complexity": round(complexity, 4),
        "sentiment": round(sentiment, 4),
        "tool_failures": round(sum(s["status"] == "failed" for s in executed) / len(executed), 4) if executed
        else 0.0,
    }


def assess(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    d = deps(runtime)
    assert state.flow is not None
    flow = copy.deepcopy(state.flow)
    specs = [get_flow(i) for i in flow["intents"]]
    signals = signals_of(state)
    confidence = combine(signals)
    threshold = max(s.threshold for s in specs)
    queue: Queue = specs[0].queue
    reasons: list[str] = []
    waiting_for_customer = bool(flow["asking"])
    if state.review and state.review["decision"] is not None:
        route: Route = "respond"  # a human has decided this turn already
    else:
        for step in state.plan:
            if step["status"] == "needs_approval" and step["hold_reason"]:
                reasons.append(step["hold_reason"])
                queue = get_flow(step["intent"]).queue
        if not waiting_for_customer:
            reasons += [s.review_reason for s in specs if s.review_reason]
        if state.sentiment and state.sentiment["asks_for_human"] and not reasons:
            reasons.append("the customer asked for a human")
        if state.verification_failures >= d.context.max_verification_attempts:
            reasons.append(f"identity verification failed {state.verification_failures} times")
            queue = "accounts"
        if state.sentiment and state.sentiment["score"] <= STRONGLY_NEGATIVE:
            reasons.append(f"the customer is very upset (sentiment {state.sentiment['score']:.2f})")
        if confidence < threshold and not reasons:
            if flow["low_confidence_turns"] >= 1 or any(s["writes"] and s["status"] == "done" for s in state.plan):
                reasons.append(f"confidence {confidence:.2f} is below the {threshold:.2f} threshold again")
            else:
                flow["low_confidence_turns"] += 1  # ask the customer to clarify once before handing over
        elif confidence >= threshold:
            flow["low_confidence_turns"] = 0
        route = "human_review" if reasons else "respond"
    assessment: Assessment = {"confidence": round(confidence, 4), "threshold": threshold, "signals": signals,
                              "route": route, "reasons": reasons, "queue": queue}
    d.audit.record(d.thread_id, state.turn, "assess", dict(assessment), at=d.now)
    update: dict[str, Any] = {"assessment": assessment, "flow": flow}
    if route == "human_review":
        # The customer hears at once that a person is looking; the reviewer's decision follows later.
        update["messages"] = [AIMessage(content=holding_reply(state, queue, reasons), name="supportgraph")]
        update["status"] = "awaiting_review"
    return update
