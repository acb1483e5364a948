"""understand: which intents, which entities, what is missing — and whether this continues a flow."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Literal, cast

from langgraph.runtime import Runtime

from graphs.reasoners.llm.accounting import audit_calls
from graphs.reasoners.llm.tool_selection import tool_intents
from graphs.reasoners.llm.understanding import agreement, entities_of, intents_of, read_customer
from graphs.reasoners.local.entities import Entities, extract_entities
from graphs.reasoners.local.normalise import read_form
from graphs.reasoners.local.repairs import repaired_values
from graphs.reasoners.local.router import load_thorough_router
from graphs.support.affirmation import acceptance, affirmation_of, told_offered
from graphs.support.consequences import figures_about, money_given, money_offered
from graphs.support.context import Context
from graphs.support.cued_intents import request_under_claim, with_complaint_voiced, with_person_asked
from graphs.support.deps import Deps, catalogue, deps
from graphs.support.destination import (
    destination_condition,
    offer_instead,
    proposed_instead,
    refused_offer,
    unmet_destinations,
)
from graphs.support.dialogue import (
    IDENTIFIERS,
    SECRETS,
    amendable,
    asked_for,
    asked_of,
    carried_slots,
    condition_holds,
    expected_entities,
    followed,
    known_slots,
    offers_more,
    other_amount,
    retold,
    secret_awaited,
    unheard,
    without_amounts,
)
from graphs.support.dialogue_acts import read_act
from graphs.support.excepted import with_rule_excepted
from graphs.support.flows import get_flow, intent_of
from graphs.support.handoff import customer_texts
from graphs.support.lookups import picks_offered
from graphs.support.named_flows import with_flow_named
from graphs.support.questions import gives_asked_text
from graphs.support.references import (
    BARE_KINDS,
    followed_records,
    given_instead,
    held_records,
    named_again,
    referred_reading,
)
from graphs.support.remedies import with_remedy_asked
from graphs.support.shop_range import with_unsold_asked
from graphs.support.state import ActiveFlow, DialogueAct, DialogueState, IntentGuess, State, Step, Understanding
from graphs.support.utterance import asks, requests
from graphs.support.viewing import with_record_shown

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
NEW_TOPIC_CONFIDENCE = 0.6
# A first sentence this short that picks an offered record is the answer to "which one?", whatever follows.
PICK_WORDS = 4
# Values a reply may correct by retyping only the wrong part of them: the entity that gives them, and their slot.
REPAIRABLE = {"emails": "email"}
# An intent the customer picked from the options a clarifying question offered is as sure as a stated request.
CHOSEN_CONFIDENCE = 0.9


def understand(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """The reply is read against what the agent just asked (graphs/support/dialogue.py) and the local router
    reads the message; with the LLM reasoner a chat model then reads the conversation too (a new topic only: a
    continuation is the flow's own business)."""
    d = deps(runtime)
    text = state.customer_message
    # A reply after a closing "thanks" is read against the request before it ("and the other one? the camera").
    state = replace(state, flow=followed(state.flow))
    # Words are read as meant ("Camcel", "dont", normalise.py); entities read the values as written.
    words = read_form(text)
    router = load_thorough_router()
    detected, margin = request_under_claim(router, text) or router.detect(words)
    intents: list[IntentGuess] = [{"intent": i.intent, "confidence": round(i.confidence, 4)} for i in detected]
    seen = {i["intent"]: i["confidence"] for i in intents}
    if d.context.llm_enabled():  # every intent's probability: the model may name one the router did not detect
        seen = {s.intent: round(s.confidence, 4) for s in router.classify([words])[0]
                if s.confidence >= 0.01} | seen
    asked = asked_of(state)
    products = catalogue(d.store)
    # A bare value after an identifier given alone is its secret only when the agent asked for nothing else (an
    # order number asked for is not a ZIP code).
    entities = extract_entities(text, now=d.now, catalogue=products, expecting=asked["expects"])
    awaited = secret_awaited(state, text, names_account=any(k in entities for k in IDENTIFIERS)) \
        if asked["kind"] in ("nothing", "open") else []
    expecting = [*asked["expects"], *(k for k in awaited if k not in asked["expects"])]
    # "could you check mine? 66004" after an order was looked up: a bare value is another of the records it took
    expecting += [k for k in followed_records(state.flow, words) if k not in expecting]
    # "it's 10010, not 10003" after the address with ZIP 10003 was set: the bare number is a ZIP code, given instead
    again = named_again(state.flow, words)
    expecting = [*again, *(k for k in expecting if k not in again and k not in BARE_KINDS)] if again else expecting
    if expecting != asked["expects"]:
        entities = given_instead(text, again, lambda said: extract_entities(said, now=d.now, catalogue=products,
                                                                            expecting=expecting))
    flow = state.flow
    entities = _with_repairs(entities, text, flow)
    affirmation = affirmation_of(words)
    accepted = acceptance(words) if affirmation is None and asked["kind"] == "confirmation" else None
    said = (entities if accepted == words else extract_entities(accepted, now=d.now, catalogue=products)) \
        if accepted is not None else entities
    # what the offer waiting for a yes moves: a figure named back is heard, another one is proposed (no yes)
    offered = money_offered(d.store, state.plan, lambda step: d.tool_context(
        state.turn, state.customer, step["id"])) if asked["kind"] == "confirmation" else set()
    # (a refund on record named in a remark, "I forgot the $40 you sent", proposes nothing)
    proposed = other_amount(said, offered | money_given(state.plan)) if offered else []
    if accepted is not None and not proposed and not unheard(without_amounts(entities, offered), state, records=True) \
            and not unheard(without_amounts(said, offered), state):
        # "amazing." or "ok, then refund whatever's left" to "shall I go ahead?", nothing new; a remark before it
        # may repeat what the records show ("I forgot the $40 you sent. OK, the remaining $49.99 then")
        affirmation = "yes"
    if proposed:
        affirmation = None  # "ok, the remaining $59.99 then" to the $49.99 offered: another figure, no yes
    told = told_offered(state.plan, words) if (
        affirmation is None and asked["kind"] == "confirmation" and not unheard(entities, state)) else []
    # "dispute the second $9.99": the figure of the record a told action is about proposes nothing
    proposed = [a for a in proposed if a not in figures_about(state.plan, told)] if told else proposed
    if told and len(told) == sum(step["status"] == "awaiting_confirmation" for step in state.plan):
        affirmation = "yes"  # "I want to dispute it" to "shall I open a dispute?": the action offered, told
    # "ok, as long as it goes back to PayPal": where the refund offered goes decides (None: no such condition)
    destined = destination_condition(words, state.plan) if asked["kind"] == "confirmation" else None
    # A condition naming where the money goes is read there alone (condition_holds reads no negation).
    if affirmation is None and asked["kind"] == "confirmation" and (
            destined if destined is not None else condition_holds(state, words, entities)):
        affirmation = "yes"  # "ok, as long as it goes back on my card" to a refund to the card
    flow_intents = flow["intents"] if flow is not None and flow["stage"] != "done" else []
    done_intents = flow["intents"] if flow is not None and flow["stage"] == "done" else []
    dialogue = read_act(words, asked, entities, affirmation, intents[0] if intents else None, flow_intents,
                        done_intents, amendable(state, entities, words),
                        asked_for(flow) if flow is not None and flow["stage"] != "done" else None,
                        unheard(entities, state), _after_question(state), retold(state, text, entities),
                        offers_more(state, entities, text), _told_request(state.plan, told) if told else None,
                        replaces=bool(again) and all(kind in entities for kind in again))
    dialogue["known"] = sorted(known_slots(state))
    read = intents[0] if intents else None
    # (a reply read as closing may still pick one: "oh right, I forgot that one. the blue ones")
    if dialogue["act"] in {"new_request", "close"} and flow_intents and flow is not None and (
            ((read is None or read["intent"] in flow_intents or read["intent"] == "out_of_scope"
              or read["confidence"] < NEW_TOPIC_CONFIDENCE or not requests(words))
             and (picks_offered(flow, text, entities, d.now) or gives_asked_text(flow, state.plan, text, entities)))
            or _opens_with_answer(flow, state, text, products, d.now)):
        # The records the agent offered to choose from decide: a reply that picks one answers the question; so
        # does one that gives what was asked for in words (how many, "the bulbs"), and one that asks for nothing
        # ("9.99, few days ago") is read against them whatever topic the router reads. One that opens with the
        # answer ("the mount. doesn't fit my tv") answers it whatever the rest reads like.
        dialogue = {**dialogue, "act": "answer", "cues": [*dialogue["cues"], "picks one of the records offered"]}
    unmet = unmet_destinations(words, state.plan) if destined is False else []
    # "can it be store credit rather?" to a refund to the card sets no condition: it asks for the offer changed
    refused = refused_offer(words, state.plan) if destined is False else proposed_instead(words, state.plan) if (
        destined is None and asked["kind"] == "confirmation") else []
    sets = offer_instead(refused, state.plan)
    if refused and flow is not None:
        # "ok, as long as it doesn't go back on my card" to a refund to the card: no yes; the offer is made again
        # to where else the money can go (store credit), and the agent waits (prompts/policy.md §2).
        dialogue = {**dialogue, "act": "correct" if sets else "answer", "refused": refused,
                    "cues": [*dialogue["cues"], "rules out where the money offered goes"]}
        if sets:
            dialogue = {**dialogue, "amends": sorted(sets), "sets": sets}
    if unmet and flow is not None:
        # A yes on a destination no refund of the order can have (PayPal for an order paid by card) is no yes: the
        # offer stands, made again with where the money can go (prompts/policy.md §2).
        dialogue = {**dialogue, "act": "answer", "unmet": unmet,
                    "cues": [*dialogue["cues"], "a yes on where the money goes that no refund can meet"]}
    if proposed and flow is not None:
        # A figure the offer does not move is no yes: the offer stands, made again with what it moves (policy 2).
        dialogue = {**dialogue, "act": "answer", "proposed": proposed,
                    "cues": [*dialogue["cues"], "names another amount than the offer moves"]}
        dialogue.pop("amends", None), dialogue.pop("sets", None)  # it amends nothing
    act = dialogue["act"]
    if asked["kind"] == "confirmation" and act in ("confirm", "deny"):
        affirmation = "yes" if act == "confirm" else "no"  # a restated request confirms it
    elif act == "correct" and dialogue.get("amends"):
        affirmation = None  # "ok then, the other plan": no yes to what was offered, the request again
    continues = "chosen" not in dialogue and flow is not None and (
        bool(dialogue.get("amends")) or _continues(flow, intents, act, affirmation))
    if "chosen" in dialogue:
        # The customer picked one of the intents a clarifying question offered: that doubt is settled.
        intents = [{"intent": dialogue["chosen"], "confidence": CHOSEN_CONFIDENCE}]
    elif dialogue.get("again") and flow is not None:
        # A follow-up asks the request just finished again ("and January's as well?"): its intents, as sure as
        # they were, whatever the router makes of the few words.
        intents = [{"intent": name, "confidence": flow["confidences"].get(name, 0.0)}
                   for name in dict.fromkeys(map(intent_of, dialogue["again"]))]
    elif continues and flow is not None:
        # (a request's instances for several records are one intent: flows.intent_of)
        intents = [{"intent": name, "confidence": flow["confidences"].get(name, 0.0)}
                   for name in dict.fromkeys(map(intent_of, flow["intents"]))]
    elif act in ("close", "smalltalk", "deny"):
        # Thanks, a greeting or "never mind" open no intent, whatever words the router latched on to.
        top = next((i["confidence"] for i in intents if i["intent"] == "out_of_scope"), 0.0)
        intents = [{"intent": "out_of_scope", "confidence": max(top, intents[0]["confidence"] if intents else 0.0)}]
    else:
        # "when's it meant to turn up?" after the order's address could not change: a question about its record.
        referred = referred_reading(router.classify([words])[0], words, flow, entities,
                                    intents[0] if intents else None) if act == "new_request" else None
        if referred is not None and flow is not None:
            intents = [referred]
            dialogue = {**dialogue, "refers": {k: v for k, (_, v) in held_records(flow).items()},
                        "cues": [*dialogue["cues"], f"asks about the record of the finished "
                                                    f"{' + '.join(flow['intents'])}"]}
        # A new request: a bare number its flows need ("cancel 58870") is read as that slot.
        verified = bool(state.customer and state.customer["verified"])
        wanted = [k for k in expected_entities([i["intent"] for i in intents], verified=verified)
                  if k not in asked["expects"]]
        if wanted:
            # While the identity of an account already named is asked for, a bare number is its secret, not an
            # order id the new request could use ("we moved. maybe it's 10024?" after a failed check).
            named = "identity" in asked["slots"] and any(known_slots(state).get(n) for n in IDENTIFIERS.values())
            entities = extract_entities(text, now=d.now, catalogue=products,
                                        expecting=[*asked["expects"], *wanted], account_named=named)
    intents = with_person_asked(intents, text, seen)
    if not continues and act == "new_request":
        intents = with_flow_named(intents, words, router.classify([words])[0], seen)
        intents = with_remedy_asked(intents, words, entities, seen)
        intents = with_record_shown(intents, words, entities)
        intents = with_rule_excepted(intents, text, seen)
        intents = with_unsold_asked(intents, words, products, router, seen)
        intents = with_complaint_voiced(intents, state, seen)
    missing = _missing(state, [i["intent"] for i in intents], entities, flow if continues else None,
                       intents[0]["confidence"] if intents else 0.0)
    understanding: Understanding = {
        "intents": intents,
        "margin": round(margin, 4),
        "entities": entities,
        "continues_flow": continues,
        "affirmation": affirmation,
        "missing": missing,
        "rationale": _rationale(intents, margin, entities, continues, flow, affirmation, missing, dialogue),
        "source": "local",
        "agreement": 1.0,
        "dialogue": dialogue,
        "router": seen,
    }
    problems: list[str] = []
    if d.context.llm_enabled() and not continues and act == "new_request":
        understanding, problems = _with_model(state, d, understanding, text)
    d.audit.record(d.thread_id, state.turn, "understand", dict(understanding), at=d.now)
    return {"understanding": understanding, "replan": None, "replans": 0, "model_problems": problems}


def _opens_with_answer(flow: ActiveFlow, state: State, text: str, products: tuple[str, ...], now: Any) -> bool:
    """Does the reply's first sentence, a few words, pick one of the records the agent offered to choose from, or
    give what it asked for in words?"""
    first = _SENTENCE.split(text.strip(), maxsplit=1)[0]
    if len(first.split()) > PICK_WORDS:
        return False
    entities = extract_entities(first, now=now, catalogue=products)
    return picks_offered(flow, first, entities, now) or gives_asked_text(flow, state.plan, first, entities)


def _after_question(state: State) -> bool:
    """Was the customer's message before this one a question ("what's the difference between plus and pro?")?"""
    said = customer_texts(state.messages)
    return len(said) >= 2 and asks(said[-2])


def _with_repairs(entities: Entities, text: str, flow: ActiveFlow | None) -> Entities:
    """A reply that retypes only the wrong part of a value the flow in progress holds ("*gmail" after
    "bri.holt@gmial.com") gives that value again, corrected (graphs/reasoners/local/repairs.py)."""
    if flow is None or flow["stage"] == "done":
        return entities
    held = {slot: flow["slots"][slot] for entity, slot in REPAIRABLE.items()
            if entity not in entities and isinstance(flow["slots"].get(slot), str)}
    fixed = repaired_values(text, held)
    if not fixed:
        return entities
    out = dict(entities)
    for entity, slot in REPAIRABLE.items():
        if slot in fixed:
            out[entity] = [fixed[slot]]
    return cast(Entities, out)


def _with_model(state: State, d: Deps, local: Understanding, text: str) -> tuple[Understanding, list[str]]:
    """The model's reading of a new topic, merged with the router's; the router's alone if the model is down."""
    flow_intents = state.flow["intents"] if state.flow else []
    reading = read_customer(d.context.build_chat_model(), list(state.messages), state.customer, flow_intents,
                            local.get("dialogue"))
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


def _continues(flow: ActiveFlow, intents: list[IntentGuess], act: DialogueAct,
               affirmation: Literal["yes", "no"] | None) -> bool:
    """Does this message carry on the flow in progress, rather than open a new topic?"""
    if flow["stage"] == "done":
        return False
    if act in ("answer", "correct", "confirm") or (act == "deny" and "confirmation" in flow["asking"]):
        return True
    if act != "new_request":
        return False
    top = intents[0]
    new_topic = (
        top["confidence"] >= NEW_TOPIC_CONFIDENCE
        and top["intent"] not in flow["intents"]
        and top["intent"] != "out_of_scope"
        and affirmation is None
    )
    # The customer restates the same request ("I said cancel order 10001") — keep the flow and its slots.
    return top["intent"] in flow["intents"] and not new_topic


def _missing(state: State, intents: list[str], entities: Entities, flow: ActiveFlow | None,
             confidence: float = 1.0) -> list[str]:
    """Information the flows need that neither this message nor the flow so far provides."""
    # What is on record carries over to a new request (CARRIED_SLOTS): it is never asked for twice.
    have = set(flow["slots"]) if flow else set(carried_slots(state, [{"intent": i, "confidence": confidence}
                                                                     for i in intents]))
    missing: list[str] = []
    verified = bool(state.customer and state.customer["verified"])
    for intent in intents:
        spec = get_flow(intent)
        if spec.needs_verification and not verified:
            has_email = any(k in entities for k in IDENTIFIERS) or bool(have & set(IDENTIFIERS.values()))
            has_secret = any(k in entities for k in SECRETS) or bool(have & set(SECRETS.values()))
            if not (has_email and has_secret) and "identity" not in missing:
                missing.append("identity")
        for name, slot in spec.slots.items():
            if not slot.required or name in have or name in missing or slot.resolve is not None:
                continue  # a slot a lookup step resolves is found from the customer's description, not asked
            if slot.entity and slot.entity in entities:
                continue
            missing.append(name)
    return missing


def _rationale(intents: list[IntentGuess], margin: float, entities: Entities, continues: bool,
               flow: ActiveFlow | None, affirmation: str | None, missing: list[str], dialogue: DialogueState) -> str:
    parts = [f"Dialogue act: {dialogue['act']} ({'; '.join(dialogue['cues'])})."]
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


def _told_request(plan: list[Step], told: list[Step]) -> str | None:
    """The request whose offered steps a reply tells, when it tells some of the steps waiting for a yes ("cancel
    it, I'll think about the refund"): an intent all the told steps' tools serve and none of the others' does, so
    the yes confirms those steps only (plan._apply_confirmation); None when no intent sets them apart."""
    others = [s for s in plan if s["status"] == "awaiting_confirmation" and s not in told]
    serves = [set(tool_intents(s["tool"]) or [s["intent"]]) for s in told]
    shared = set.intersection(*serves) - {i for s in others for i in (tool_intents(s["tool"]) or [s["intent"]])}
    return min(shared) if shared else None
