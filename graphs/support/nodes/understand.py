"""understand: which intents, which entities, what is missing — and whether this continues a flow."""

from __future__ import annotations

import re
from typing import Any, Literal, cast

from langgraph.runtime import Runtime

from graphs.reasoners.llm.accounting import audit_calls
from graphs.reasoners.llm.understanding import agreement, entities_of, intents_of, read_customer
from graphs.reasoners.local.entities import Entities, extract_entities
from graphs.reasoners.local.router import load_thorough_router
from graphs.support.context import Context
from graphs.support.deps import Deps, catalogue, deps, last_customer_text
from graphs.support.flows import get_flow
from graphs.support.messages import normalise
from graphs.support.state import ActiveFlow, IntentGuess, State, Understanding

_YES = re.compile(
    r"^\W*(yes|yeah|yep|yup|sure|ok|okay|please do|go ahead|do it|confirm(ed)?|correct|that'?s right|"
    r"absolutely|of course|please)\b", re.I)
_NO = re.compile(r"^\W*(no|nope|don'?t|do not|stop|cancel that|never ?mind|not now|wait)\b", re.I)
IDENTITY_FIELDS = ("emails", "zip_code", "card_last4")
NEW_TOPIC_CONFIDENCE = 0.6
# A message that supplies what the flow waits for ("my email is … zip …") carries little meaning of its own, so
# the router's guess about it is weak evidence; only a near-certain new intent interrupts the flow.
SUPPLIED_NEW_TOPIC_CONFIDENCE = 0.9


def affirmation_of(text: str) -> Literal["yes", "no"] | None:
    """A yes or a no at the start of a short reply ("yes, go ahead", "no thanks")."""
    if len(text.split()) > 25:
        return None
    if _NO.search(text):
        return "no"
    if _YES.search(text):
        return "yes"
    return None


def understand(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """The local router reads the message first; with the LLM reasoner a chat model then reads the
    conversation too (a new topic only: a continuation is the flow's own business)."""
    d = deps(runtime)
    text = normalise(last_customer_text(list(state.messages)))
    router = load_thorough_router()
    detected, margin = router.detect(text)
    intents: list[IntentGuess] = [{"intent": i.intent, "confidence": round(i.confidence, 4)} for i in detected]
    seen = {i["intent"]: i["confidence"] for i in intents}
    if d.context.llm_enabled():  # every intent's probability: the model may name one the router did not detect
        seen = {s.intent: round(s.confidence, 4) for s in router.classify([text])[0] if s.confidence >= 0.01} | seen
    entities = extract_entities(text, now=d.now, catalogue=catalogue(d.store))
    affirmation = affirmation_of(text)
    flow = state.flow
    continues = flow is not None and _continues(flow, intents, entities, affirmation)
    if continues and flow is not None:
        intents = [{"intent": name, "confidence": flow["confidences"].get(name, 0.0)} for name in flow["intents"]]
    missing = _missing(state, [i["intent"] for i in intents], entities, flow if continues else None)
    understanding: Understanding = {
        "intents": intents,
        "margin": round(margin, 4),
        "entities": entities,
        "continues_flow": continues,
        "affirmation": affirmation,
        "missing": missing,
        "rationale": _rationale(intents, margin, entities, continues, flow, affirmation, missing),
        "source": "local",
        "agreement": 1.0,
        "router": seen,
    }
    problems: list[str] = []
    if d.context.llm_enabled() and not continues:
        understanding, problems = _with_model(state, d, understanding, text)
    d.audit.record(d.thread_id, state.turn, "understand", dict(understanding), at=d.now)
    return {"understanding": understanding, "replan": None, "replans": 0, "model_problems": problems}


def _with_model(state: State, d: Deps, local: Understanding, text: str) -> tuple[Understanding, list[str]]:
    """The model's reading of a new topic, merged with the router's; the router's alone if the model is down."""
    flow_intents = state.flow["intents"] if state.flow else []
    reading = read_customer(d.context.build_chat_model(), list(state.messages), state.customer, flow_intents)
    audit_calls(d.audit, d.thread_id, state.turn, reading.answer.calls, d.now)
    answer = reading.answer
    if answer.value is None:
        if answer.outage:
            local = {**local, "rationale": f"{local['rationale']} The model could not be reached "
                                           f"({answer.outage}); the local router decided."}
            return local, []
        return local, [f"the model's understanding was refused twice: {answer.problem}"]
    intents = intents_of(answer.value)
    entities = cast(Entities, {**entities_of(answer.value), **local["entities"]})
    missing = _missing(state, [i["intent"] for i in intents], entities, None)
    missing += [m for m in answer.value.missing if m not in missing]
    merged: Understanding = {
        **local, "intents": intents, "entities": entities, "missing": missing, "source": "llm",
        "agreement": round(agreement(intents, local["intents"]), 4),
        "rationale": f"{answer.value.rationale.strip()} (model: {', '.join(i['intent'] for i in intents)}, "
                     f"sentiment {answer.value.sentiment}; {local['rationale']})",
    }
    return merged, []


def _continues(flow: ActiveFlow, intents: list[IntentGuess], entities: Entities,
               affirmation: Literal["yes", "no"] | None) -> bool:
    """Does this message answer what the flow in progress is waiting for, rather than open a new topic?"""
    if flow["stage"] == "done":
        return False
    asking = set(flow["asking"])
    asked_entities = {spec.slots[name].entity for spec in map(get_flow, flow["intents"])
                      for name in asking if name in spec.slots}
    supplies = (
        ("confirmation" in asking and affirmation is not None)
        or ("identity" in asking and any(k in entities for k in IDENTITY_FIELDS))
        or any(e in entities for e in asked_entities if e)
    )
    top = intents[0]
    new_topic = (
        top["confidence"] >= NEW_TOPIC_CONFIDENCE
        and top["intent"] not in flow["intents"]
        and top["intent"] != "out_of_scope"
        and affirmation is None
    )
    if supplies and not (new_topic and top["confidence"] >= SUPPLIED_NEW_TOPIC_CONFIDENCE):
        return True
    # The customer restates the same request ("I said cancel order 10001") — keep the flow and its slots.
    return top["intent"] in flow["intents"] and not new_topic


def _missing(state: State, intents: list[str], entities: Entities, flow: ActiveFlow | None) -> list[str]:
    """Information the flows need that neither this message nor the flow so far provides."""
    have = set(flow["slots"]) if flow else set()
    missing: list[str] = []
    verified = bool(state.customer and state.customer["verified"])
    for intent in intents:
        spec = get_flow(intent)
        if spec.needs_verification and not verified:
            has_email = "emails" in entities or "email" in have
            has_secret = any(k in entities for k in ("zip_code", "card_last4"))
            if not (has_email and has_secret) and "identity" not in missing:
                missing.append("identity")
        for name, slot in spec.slots.items():
            if not slot.required or name in have or name in missing:
                continue
            if slot.entity and slot.entity in entities:
                continue
            missing.append(name)
    return missing


def _rationale(intents: list[IntentGuess], margin: float, entities: Entities, continues: bool,
               flow: ActiveFlow | None, affirmation: str | None, missing: list[str]) -> str:
    parts = []
    if continues and flow is not None:
        waited = ", ".join(flow["asking"]) or "the next step"
        parts.append(f"Continues the {' + '.join(flow['intents'])} flow, which was waiting for {waited}.")
        if affirmation:
            parts.append(f"The customer answered {affirmation!r}.")
    else:
        shown = ", ".join(f"{i['intent']} ({i['confidence']:.2f})" for i in intents)
        parts.append(f"Local router: {shown}; margin over the runner-up {margin:.2f}.")
    if entities:
        parts.append("Entities: " + "; ".join(f"{k}={v}" for k, v in entities.items()) + ".")
    if missing:
        parts.append("Still needed: " + ", ".join(missing) + ".")
    return " ".join(parts)
