"""Dialogue state: every customer reply is read against what the agent just asked and what is already known.

Like a collect step in a dialogue manager (Rasa CALM) or a dialogue-state tracker, the thread knows what its
last reply asked: information (slots, or identity), a confirmation, a choice between intents (a clarifying
question), or an open "how can I help?". The customer's reply is then read as a dialogue act before any intent
routing decides a new topic (answer, confirm, deny, correct, close, smalltalk or new_request:
``dialogue_acts.read_act``). This module holds the state that reading needs: what was asked, what is known, which
slots carry over, and which values amend a finished request.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any, cast

from graphs.reasoners.local.entities import Entities
from graphs.reasoners.local.router import SECONDARY_THRESHOLD
from graphs.support.affirmation import condition_of
from graphs.support.descriptions import RECENT, described_in, describes
from graphs.support.flows import get_flow
from graphs.support.instruction import tells_value
from graphs.support.state import ActiveFlow, Asked, IntentGuess, State
from graphs.support.utterance import (
    ACK_WORDS,
    DESCRIBING,
    OTHER,
    follows_up,
    residual,
)

# Identity: an identifier (email or customer id) and a secret (zip code or the card's last four).
IDENTIFIERS = {"emails": "email", "customer_ids": "customer_id"}
SECRETS = {"zip_code": "zip_code", "card_last4": "card_last4"}
IDENTITY_ENTITIES = (*IDENTIFIERS, *SECRETS)
# Slots a later request of the same conversation may use without asking again (who the customer said they are,
# the secret too, until a check with it fails).
CARRIED_SLOTS = ("order_id", "invoice_id", "email", "customer_id")
CARRIED_SECRETS = tuple(SECRETS.values())
# A new request needs the router this sure of it when the reply also answers what was asked; a slot on record
# fills a new request only when the router is this sure of it (an unsure reading asks, and can be corrected).
NEW_REQUEST_CONFIDENCE = 0.6
def followed(flow: ActiveFlow | None) -> ActiveFlow | None:
    """The flow a reply is read against: the request finished before a turn that only closed or greeted ("ok
    cool thanks", then "and the other one? the camera"), else the flow itself."""
    earlier = flow.get("earlier") if flow is not None else None
    if (flow is not None and earlier is not None and flow["stage"] == "done"
            and set(flow["intents"]) <= {"out_of_scope"}):
        # what the closing turns gave on their own (an email, a ZIP code) stays on record
        return {**earlier, "slots": {**earlier["slots"], **flow["slots"]}}
    return flow


# What the dialogue state decides a reading by: a choice the customer picked among the intents a clarifying question
# offered, the finished request asked again, a pronoun for the finished request's record (DialogueState keys).
DECIDES_READING = ("chosen", "again", "refers")


def reading_decided(understanding: Mapping[str, Any] | None) -> bool:
    """Did the dialogue state, not the router's reading of the bare words, decide what the message asks? A reply
    carrying the flow on (an answer to what was asked, a yes, a choice of the records offered), a choice picked, a
    request asked again, a question about the finished request's record. Not when the chat model read the message
    anew (its intents replace the dialogue's; ``model_disagreement`` weighs that reading)."""
    if not understanding:
        return False
    dialogue = understanding.get("dialogue") or {}
    return bool(understanding.get("continues_flow")) or (
        understanding.get("source") != "llm" and any(dialogue.get(k) for k in DECIDES_READING))


def closing_flow(intents: Sequence[str], previous: ActiveFlow | None) -> ActiveFlow | None:
    """The finished request a new flow that opens no intent (thanks, a greeting) keeps as ``earlier``."""
    before = followed(previous)
    if not intents or not set(intents) <= {"out_of_scope"} or before is None or before["stage"] != "done" \
            or set(before["intents"]) <= {"out_of_scope"}:
        return None
    return {k: v for k, v in before.items() if k != "earlier"}  # type: ignore[return-value]


def asked_of(state: State) -> Asked:
    """What the agent's last reply asked, read off the flow (and the last assessment, for a clarification)."""
    flow = state.flow
    nothing: Asked = {"kind": "nothing", "slots": [], "expects": [], "options": []}
    if flow is None:
        return nothing
    asking = list(flow["asking"])
    if "confirmation" in asking:
        return {"kind": "confirmation", "slots": asking, "expects": [], "options": []}
    if asking and flow["stage"] != "done":
        return {"kind": "information", "slots": asking, "expects": expected_entities(flow["intents"], asking),
                "options": []}
    assessment = state.assessment
    if (flow["low_confidence_turns"] and assessment and assessment["route"] == "respond"
            and assessment["confidence"] < assessment["threshold"]):
        return {**nothing, "kind": "choice", "options": [i for i in flow["intents"] if i != "out_of_scope"][:2]}
    if any(get_flow(intent).leaves_open(flow["slots"], flow["intents"]) for intent in flow["intents"]):
        return {**nothing, "kind": "open"}
    return nothing


def expected_entities(intents: Sequence[str], asking: Collection[str] | None = None, *,
                      verified: bool = False) -> list[str]:
    """Entity kinds that would give what the intents' flows ask for (all they need, when ``asking`` is None). A
    verified customer's flows need no identity: a bare number they write is no ZIP code or card digits."""
    kinds: list[str] = []
    for intent in intents:
        spec = get_flow(intent)
        wanted = set(spec.slots) if asking is None else set(asking)
        if "identity" in wanted or (asking is None and spec.needs_verification and not verified):
            kinds += [k for k in IDENTITY_ENTITIES if k not in kinds]
        kinds += [s.entity for name, s in spec.slots.items()
                  if name in wanted and s.entity and s.required and s.entity not in kinds]
    return kinds


def carried_slots(state: State, intents: Sequence[IntentGuess]) -> dict[str, Any]:
    """The slots on record a new request starts with: only when the router is sure of that request, except who
    the customer said they are. A secret given before ("jess@x.com", then "30318", then "where are my earbuds?")
    is carried too, unless the identity check with it failed."""
    failed = any(s["id"] == "verify" and s["status"] == "failed" for s in state.plan)
    identity = (*IDENTIFIERS.values(), *(() if failed else CARRIED_SECRETS))
    if not intents or intents[0]["confidence"] < NEW_REQUEST_CONFIDENCE:
        # who the customer said they are does not depend on which request they make
        identity = () if not intents else identity
        return {k: v for k, v in known_slots(state).items() if k in identity}
    return {k: v for k, v in known_slots(state).items() if k in (*CARRIED_SLOTS, *identity)}


def secret_awaited(state: State, text: str, *, names_account: bool = False) -> list[str]:
    """Entity kinds a bare value is read as although the agent asked for none: the secret that goes with the
    identifier a customer not verified yet gave on its own ("jess@x.com", then "30318"), or gives beside it
    (``names_account``: "sure, jess@x.com / 30318" is a login, not an order). Only a message that is nothing but
    the values (and an acknowledgement)."""
    if (state.customer and state.customer["verified"]) or any(
            w.lower() not in ACK_WORDS for w in residual(text).split()):
        return []
    known = known_slots(state)
    if names_account:
        return list(SECRETS)
    if not any(known.get(name) for name in IDENTIFIERS.values()) or any(known.get(name) for name in SECRETS.values()):
        return []
    return list(SECRETS)


def known_slots(state: State) -> dict[str, Any]:
    """Slot values on record in this conversation: the flow's, and the verified customer's id."""
    flow = followed(state.flow)
    slots = flow["slots"] if flow is not None else {}
    known = {k: v for k, v in slots.items() if v is not None}
    if state.customer and state.customer["verified"]:
        known["customer_id"] = state.customer["customer_id"]
    return known


def unheard(entities: Entities, state: State, records: bool = False) -> Entities:
    """The reply's values the conversation does not already hold (in the flow's slots, a request's own slots or
    the plan's arguments): "it says $129, just refund what's left" repeats the $129 and brings nothing new.
    ``records``: what the steps' results show is held too ("I forgot the $40 you sent me", a refund on record)."""
    flow = state.flow
    held: list[Any] = [flow["slots"], *[r["slots"] for r in (flow.get("requests") or {}).values()]] if flow else []
    held += [s["args"] for s in state.plan]
    held += [(s["result"] or {}).get("data") for s in state.plan] if records else []
    on_record = set(_leaves(held))
    out: dict[str, Any] = {}
    for kind, value in entities.items():
        if not set(_leaves([value])) <= on_record:
            out[kind] = value
    return out  # type: ignore[return-value]


def other_amount(entities: Entities, offered: set[float]) -> list[float]:
    """The amounts a reply names that the offer waiting for a yes does not move ("ok, the remaining $59.99 then",
    "yes, $59.99" to an offer of the $49.99 left; ``offered``: what it moves, consequences.money_offered). Such a
    reply proposes another figure, whatever the records hold of it (the order's total, a price): it is no yes to
    the offer as made."""
    named = sorted({round(float(a["value"]), 2) for a in entities.get("amounts") or []})
    return [] if set(named) <= offered else [a for a in named if a not in offered]


def without_amounts(entities: Entities, amounts: set[float]) -> Entities:
    """The reply's values but the ``amounts`` (those an offer told: "the remaining $49.99" to the $49.99 offered)."""
    kept = [a for a in entities.get("amounts") or [] if round(float(a["value"]), 2) not in amounts]
    out = {k: v for k, v in entities.items() if k != "amounts"}
    return cast(Entities, {**out, "amounts": kept} if kept else out)


def holds(held: Any, value: Any) -> bool:
    """Is every scalar of ``value`` one of ``held``'s (an address given again, the same order number)?"""
    return set(_leaves([value])) <= set(_leaves([held]))


def _leaves(values: Any) -> list[str]:
    """Every scalar inside ``values`` as text (numbers as numbers: 129 and 129.0 are the same)."""
    if isinstance(values, dict):
        return [leaf for k, v in values.items() if k != "currency" for leaf in _leaves(v)]
    if isinstance(values, (list, tuple)):
        return [leaf for v in values for leaf in _leaves(v)]
    if isinstance(values, (int, float)) and not isinstance(values, bool):
        return [repr(float(values))]
    return [] if values is None else [str(values)]


def condition_holds(state: State, text: str, entities: Entities) -> bool:
    """Does the condition of a conditional yes to a pending confirmation hold ("ok, as long as it goes back on my
    card" to a refund to the card)? Only when the condition names a value of one of the request's text slots, each
    one it names is the value the request already has, and it brings no value the conversation does not hold: a
    condition the agent cannot check is no yes, and one naming another value is the request retold (``retold``)."""
    condition = condition_of(text)
    flow = state.flow
    if condition is None or flow is None or "confirmation" not in flow["asking"] or unheard(entities, state):
        return False
    named = 0
    for intent in flow["intents"]:
        own = (flow.get("requests") or {}).get(intent)
        for name, spec in get_flow(intent).slots.items():
            if not spec.text or spec.entity:
                continue
            if not any(re.search(pattern, condition, re.I) for pattern in spec.text.values()):
                continue
            value = spec.read_text(condition, state.customer)  # "on my card" names the default too
            current = own["slots"].get(name) if own is not None and name in own["slots"] else flow["slots"].get(name)
            if (spec.default if current is None else current) != value:
                return False
            named += 1
    return named > 0


# Words of a product's name that name no product on their own.
_NOT_A_NAME = frozenset({"the", "and", "for", "with", "of", "in", "to", "my", "one", "it"})


def offers_more(state: State, entities: Entities, text: str = "") -> bool:
    """Does the offer waiting for a yes take in more than the products the reply names ("yes but only the cable" to
    the return of the cable and the TV)? An item offered is named when the reply names its product or a word of its
    name ("yes, just the cable" to the return of the HDMI Cable 2m). When the items offered are not known, it may: a
    narrowed yes is then no yes to the offer."""
    named = {str(p).casefold() for p in entities.get("products") or []}
    said = set(re.findall(r"[a-z0-9]{2,}", text.casefold())) - _NOT_A_NAME
    fetched = {str(item.get("product_id")): str(item.get("name", "")).casefold()
               for step in state.plan if step["status"] == "done" and step["result"]
               for item in ((step["result"].get("data") or {}).get("items") or []) if isinstance(item, dict)}
    offered = [item for step in state.plan if step["status"] == "awaiting_confirmation"
               for item in (step["args"].get("items") or []) if isinstance(item, dict)]
    names = [fetched.get(str(item.get("product_id")), "") for item in offered]
    return not names or any(not name or (name not in named and not said & set(re.findall(r"[a-z0-9]{2,}", name)))
                            for name in names)


def supplied(asked: Asked, entities: Entities) -> list[str]:
    """The asked information this reply gives. An identifier answers the identity question when that is asked, and
    otherwise a slot it is the value of (the other account's email of a merge)."""
    out = []
    identity = "identity" in asked["slots"]
    for slot in asked["slots"]:
        if slot == "identity":
            if any(k in entities for k in IDENTITY_ENTITIES):
                out.append(slot)
        elif any(k in entities for k in asked["expects"] if not (identity and k in IDENTITY_ENTITIES)):
            out.append(slot)
    return out


def amendable(state: State, entities: Entities, text: str = "") -> list[str]:
    """Slots of the request just finished that this reply would replace: a slot filled from an entity kind the
    reply gives, or one whose value has a part of that kind (the ZIP code of an address); after an elliptical
    follow-up ("and the keyboard?", "the other one"), also a record the request found from a description, to be
    found again from the new one."""
    flow = state.flow
    if flow is None or flow["stage"] != "done":
        return []
    other = follows_up(text) and (any(k in entities for k in DESCRIBING) or OTHER.search(text) is not None
                                  or RECENT.search(text) is not None)
    found: list[str] = []
    for intent in flow["intents"]:
        for name, spec in get_flow(intent).slots.items():
            value = flow["slots"].get(name)
            own = (flow.get("requests") or {}).get(intent)
            if value is None and own is not None:
                value = own["slots"].get(name)
            if value is None or name in found:
                continue
            if (spec.entity and spec.entity in entities) or (
                    isinstance(value, dict) and any(part in entities for part in value)) or (
                    other and spec.resolve is not None and spec.required):
                found.append(name)
    return found


def retold(state: State, text: str, entities: Entities | None = None) -> list[str]:
    """Text slots of the request just finished, or waiting for the customer's yes, that the reply's words give
    another value ("ok then just put me on the free one" after the agent offered to move them to Plus): the
    request again, with the new value, whatever else the router reads in the words around it. With such a value,
    also the record slots whose record the reply names another of ("and remove the mouse mat as well" after the
    cases' quantity was changed): that record is found again from the reply's words, not kept."""
    flow = state.flow
    if flow is None or not (flow["stage"] == "done" or "confirmation" in flow["asking"]):
        return []
    found: list[str] = []
    for intent in flow["intents"]:
        own = (flow.get("requests") or {}).get(intent)
        for name, spec in get_flow(intent).slots.items():
            value = own["slots"].get(name) if own is not None and own["slots"].get(name) is not None \
                else flow["slots"].get(name)
            if not spec.text or spec.entity or value is None or name in found:
                continue
            new = spec.named_in(text, state.customer)
            if new is not None and new != value and tells_value(spec, text, state.customer):
                found.append(name)
        if found and own is not None:
            found += [n for n in _other_records(state, intent, own["slots"], text, entities or {}) if n not in found]
    return found


def _other_records(state: State, intent: str, slots: Mapping[str, Any], text: str, entities: Entities) -> list[str]:
    """The request's record slots (an order's item) that hold a record other than the one the reply names."""
    described = described_in(text, entities)
    out: list[str] = []
    for name, spec in get_flow(intent).slots.items():
        lookup, held = spec.resolve, slots.get(name)
        if lookup is None or not isinstance(held, dict) or "products" not in lookup.match:
            continue
        field = lookup.match["products"]
        fetched = next(((s["result"] or {}).get("data") or {} for s in state.plan if s["status"] == "done"
                        and s["id"] == f"{intent}.{lookup.step}"), {})
        named = [c for c in fetched.get(lookup.items) or [] if describes(c, lookup, described)]
        if named and all(c.get(field) != held.get(field) for c in named):
            out.append(name)
    return out


def amend(flow_slots: dict[str, Any], names: Sequence[str], entities: Entities,
          intents: Sequence[str], text: str = "", customer: Any = None,
          sets: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Replace the amended slots' values (or the parts of them) with what the correction gives (a text slot: what
    its words now read, or the value ``sets`` gives it); a record slot the reply only describes is cleared for its
    lookup to find again. Returns the cleared slots' old values."""
    cleared: dict[str, Any] = {}
    for intent in intents:
        for name, spec in get_flow(intent).slots.items():
            value = flow_slots.get(name)
            if sets and name in names and name in sets:
                flow_slots[name] = sets[name]
                continue
            if name not in names or value is None:
                continue
            if spec.text and not spec.entity:
                new = spec.named_in(text, customer)
                if new is not None:
                    flow_slots[name] = new
            elif spec.entity and spec.entity in entities:
                flow_slots[name] = spec.take(entities[spec.entity])  # type: ignore[literal-required]
            elif isinstance(value, dict) and any(k in entities for k in value):
                flow_slots[name] = {**value, **{k: entities[k] for k in value if k in entities}}  # type: ignore[literal-required]
            elif spec.resolve is not None:
                cleared[name] = flow_slots.pop(name)
    return cleared


def asked_for(flow: ActiveFlow) -> list[str]:
    """The flow's intents the customer's own words asked for, by the local router's reading of the message that
    opened it: its main reading, or one it read as surely as it detects a second request. An intent only the chat
    model read into that message is not among them."""
    router = flow.get("router_confidences") or {}
    main = max(router, key=lambda intent: router[intent], default=None)
    return [i for i in flow["intents"] if i == main or router.get(i, 0.0) >= SECONDARY_THRESHOLD]


def identity_args(slots: dict[str, Any]) -> dict[str, Any] | None:
    """verify_identity's arguments when the slots hold an identifier and a secret; None otherwise."""
    if not (slots.get("email") or slots.get("customer_id")) or not (slots.get("zip_code") or slots.get("card_last4")):
        return None
    return {k: slots[k] for k in ("customer_id", "email", "zip_code", "card_last4") if slots.get(k)}
