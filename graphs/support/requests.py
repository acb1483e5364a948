"""Several requests in one message, and slots that a step's result resolves.

A message may carry several requests ("return the tablet from 10877, and has 10901 shipped?"). The router finds
their intents (the whole message and each clause); here each intent gets the clause that names it most
(``assign_clauses``), and its own slot values from that clause: an id in another request's clause is not this
request's, an id in an earlier clause carries over ("order 10877: return the hub and track the rest"). One flow
plans all of them; a request's own values live in ``flow["requests"][intent]["slots"]`` over the shared
``flow["slots"]`` (``slots_for``).

A slot with a ``resolve`` lookup (flows.yaml) is found from what the customer described when they did not name
it: the lookup step's result (the customer's invoices, the order's items) is matched against the amounts, dates
and products they mentioned (``settle_lookup``, run by act when the step is done). One match fills the slot; two
or more that fit equally make a question listing them, and so does none (with what is there). The answer is
matched against the same candidates (``answer_choices``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np

from graphs.reasoners.local.entities import Entities, extract_entities
from graphs.reasoners.local.router import load_thorough_router, split_clauses
from graphs.support.descriptions import described_in, describes, matches
from graphs.support.flows import FlowSpec, Lookup, SlotSpec, get_flow, resolve
from graphs.support.mentions import ruled_out
from graphs.support.state import ActiveFlow, RequestState, Step
from graphs.support.utterance import tells_value

MAX_CHOICES = 5


def request_of(flow: ActiveFlow, intent: str) -> RequestState:
    requests = flow.setdefault("requests", {})
    return requests.setdefault(intent, {"text": "", "slots": {}, "described": {}, "choices": {}})


def text_for(flow: ActiveFlow, intent: str, current: str) -> str:
    """The words a request's steps quote ($message): its own clause of the message that opened it, else the
    current message."""
    own = (flow.get("requests") or {}).get(intent)
    return (own.get("text") if own else None) or current


def slots_for(flow: ActiveFlow, intent: str) -> dict[str, Any]:
    """The slots one request plans with: the flow's shared ones, overridden by the request's own."""
    own = (flow.get("requests") or {}).get(intent)
    return {**flow["slots"], **(own["slots"] if own else {})}


def assign_clauses(text: str, intents: list[str]) -> dict[str, int]:
    """For a message with several intents, the clause (index into ``split_clauses``) that names each most."""
    clauses = split_clauses(text)
    if len(intents) < 2 or not clauses:
        return {}
    router = load_thorough_router()
    probs = router.text_probabilities(clauses)
    return {intent: int(np.argmax(probs[:, router.classes.index(intent)]))
            for intent in intents if intent in router.classes}


def drop_covered(flow: ActiveFlow, text: str = "") -> None:
    """A request another request of the message fulfils ("cancel it and give me my money back") is not planned
    twice (flows.yaml ``covers``, only when a ``covers_when`` slot is named: "make it one mouse and refund the
    difference", not "change the delivery slot and refund the shipping fee")."""
    covered = {c for intent in flow["intents"] for c in get_flow(intent).covers if _covering(intent, text)}
    kept = [i for i in flow["intents"] if i not in covered]
    if kept and len(kept) < len(flow["intents"]):
        flow["intents"] = kept


def _covering(intent: str, text: str) -> bool:
    spec = get_flow(intent)
    return not spec.covers_when or any(spec.slots[name].named_in(text) is not None for name in spec.covers_when)


def split_requests(flow: ActiveFlow, text: str, entities: Entities, *, now: Any, catalogue: list[str],
                   customer: Mapping[str, Any] | None = None) -> None:
    """Give each request of a new several-request message its own entity slots and description (see module)."""
    drop_covered(flow, text)
    intents = flow["intents"]
    owners = assign_clauses(text, intents)
    clauses = split_clauses(text)
    per_clause = [extract_entities(c, now=now, catalogue=catalogue) for c in clauses] if owners else []
    for intent in intents:
        request = request_of(flow, intent)
        if intent not in owners:
            request["text"], request["described"] = text, described_in(text, entities, now)
            continue
        at = owners[intent]
        # What the request describes: every clause but the other requests' own ones (a correction in a later
        # clause, "yes the keyboard, not the mouse", or the product named before "can I send it back?").
        others = {owner for other, owner in owners.items() if other != intent and owner != at}
        own = " ".join(c for k, c in enumerate(clauses) if k not in others)
        request["text"] = clauses[at]
        request["described"] = described_in(own, extract_entities(own, now=now, catalogue=catalogue), now)
        for name, spec in get_flow(intent).slots.items():
            if spec.text and not spec.entity:
                # What the request describes, not only the clause that names it ("only one cable, not three. Can
                # you fix it?": the fix is the last clause); the slot's own patterns decide between what it says
                # ("I unsubscribed once ... sign me back up?": on).
                request["slots"][name] = read_slot_text(spec, own, customer, request)
            if not spec.entity or spec.entity not in entities:
                continue
            holders = [i for i, found in enumerate(per_clause) if spec.entity in found]
            earlier = [i for i in holders if i <= at]
            if earlier:
                request["slots"][name] = spec.take(per_clause[earlier[-1]][spec.entity])  # type: ignore[literal-required]
            elif holders:
                request["slots"][name] = None  # only another request's clause names one: not this request's


def add_description(flow: ActiveFlow, text: str, entities: Entities, now: datetime | None = None) -> None:
    """A later turn of the same flow may describe more ("it was the one on the 3rd"), or rule out a product named
    before ("scratch the earbuds bit, just the case")."""
    more = described_in(text, entities, now)
    for intent in flow["intents"]:
        described = request_of(flow, intent)["described"]
        named = list(dict.fromkeys([*described.get("products", []), *entities.get("products", [])]))
        out = ruled_out(named, text) if described.get("products") else []
        if out:
            described["products"] = [p for p in described["products"] if p not in out]
        for key, values in more.items():
            described[key] = [*described.get(key, []), *(v for v in values if v not in described.get(key, []))]


def note_decision(flow: ActiveFlow, dialogue: Mapping[str, Any], affirmation: str | None) -> None:
    """A go-ahead that decides on a request asked about ("ok bet, switch me to pro then") is the customer's yes to
    it, given before its steps could be planned (identity still missing): they do not ask for it again."""
    intent = dialogue.get("decides")
    if intent in flow["intents"] and affirmation == "yes":
        request_of(flow, intent)["decided"] = True


def read_slot_text(spec: SlotSpec, text: str, customer: Mapping[str, Any] | None, request: RequestState) -> Any:
    """A text slot's value out of the request's words; a slot that ``decides`` read from a message telling the
    agent to act ("put me on the free plan") is the customer's go-ahead for its request (``decided``)."""
    value = spec.read_text(text, customer)
    if value is not None and spec.decides and tells_value(spec, text, customer):
        request["decided"] = True
    return value


def decided(flow: ActiveFlow, intent: str) -> bool:
    return bool(request_of(flow, intent).get("decided"))


def fill_open_text(flow: ActiveFlow, text: str, customer: Mapping[str, Any] | None = None) -> None:
    """A later message of the flow may say what the one that opened it left open: "ok, switch me to pro then"
    after "what's the difference between plus and pro?". A text slot still empty is read from it."""
    for intent in flow["intents"]:
        request = request_of(flow, intent)
        slots = slots_for(flow, intent)
        for name, spec in get_flow(intent).slots.items():
            if spec.text and not spec.entity and slots.get(name) is None:
                value = read_slot_text(spec, text, customer, request)
                if value is not None:
                    request["slots"][name] = value


def fill_answered(flow: ActiveFlow, entities: Entities) -> None:
    """A value the customer gives when asked belongs to the requests that were asking for it."""
    for intent in flow["intents"]:
        request = request_of(flow, intent)
        for name, spec in get_flow(intent).slots.items():
            if name in flow["asking"] and spec.entity in entities and request["slots"].get(name) is None:
                request["slots"].pop(name, None)


def lookup_pending(spec: FlowSpec, slots: dict[str, Any], name: str) -> bool:
    """Whether slot ``name`` is left to its lookup: not given, and the lookup step is planned."""
    slot = spec.slots[name]
    source = slot.resolve.step if slot.resolve else slot.flips.split(".", 1)[0] if slot.flips else None
    if source is None or slots.get(name) is not None:
        return False
    step = next(s for s in spec.steps if s.id == source)
    return step.allowed_by(slots)


def pending_lookups(spec: FlowSpec, slots: dict[str, Any]) -> set[str]:
    """The slots a lookup step will fill: references to them stay in the planned steps until it does."""
    return {name for name in spec.slots if lookup_pending(spec, slots, name)}


def resolve_known(args: Any, scope: dict[str, Any], pending: set[str]) -> Any:
    """``resolve`` the arguments, leaving references to ``pending`` slots for their lookup (``settle_lookup``)."""
    if isinstance(args, str) and any(_mentions(args, f"$slots.{name}") for name in pending):
        return args
    if isinstance(args, dict):
        return {k: resolve_known(v, scope, pending) for k, v in args.items()}
    if isinstance(args, list):
        return [resolve_known(v, scope, pending) for v in args]
    return resolve(args, scope)


def _value(lookup: Lookup, pick_all: bool, found: list[dict[str, Any]], every: int) -> Any:
    if lookup.total:
        if lookup.partial and len(found) == every:
            return None  # all of it: the step's own default (a refund of everything still refundable)
        return {"value": round(sum(float(c.get(lookup.total) or 0) for c in found), 2)}
    if pick_all:
        return [{k: c[k] for k in lookup.keep} if lookup.keep else c for c in found]
    return found[0].get(lookup.value) if lookup.value else found[0]


def _choice(lookup: Lookup, candidate: dict[str, Any]) -> dict[str, Any]:
    return {k: candidate.get(k) for k in (lookup.show or list(candidate))} | {"_candidate": candidate}


def settle_lookup(flow: ActiveFlow, steps: list[Step], done: Step) -> None:
    """A lookup step finished: resolve the slots it serves, or ask the customer which record they mean."""
    if "." not in done["id"] or not done["result"]:
        return
    intent, local = done["intent"], done["id"].split(".", 1)[1]
    spec = get_flow(intent)
    for name, slot in spec.slots.items():
        lookup = slot.resolve
        reference = f"$slots.{name}"
        waiting = [s for s in steps if s["intent"] == intent and s["status"] in {"pending", "awaiting_confirmation"}
                   and _mentions(s["args"], reference)]
        request = request_of(flow, intent)
        if slot.flips and slot.flips.split(".", 1)[0] == local and waiting:
            # The request named neither value: it is to change what the records show ("far too many emails").
            current = (done["result"].get("data") or {}).get(slot.flips.split(".", 1)[1])
            if isinstance(current, bool):
                request["slots"][name] = not current
                for step in waiting:
                    step["args"] = _substitute(step["args"], reference, not current)
            continue
        if lookup is None or lookup.step != local or not waiting:
            continue
        candidates = list((done["result"].get("data") or {}).get(lookup.items) or [])
        slots = slots_for(flow, intent)
        candidates = [c for c in candidates if not any(slots.get(slot) is not None and str(c.get(field)) == str(
            slots[slot]) for field, slot in lookup.differs.items())]
        excluded = [str(v) for v in (request.get("excluded") or {}).get(name, [])]
        if lookup.value and excluded:  # "the other one": not the record found last time
            candidates = [c for c in candidates if str(c.get(lookup.value)) not in excluded]
        found = matches(candidates, lookup, request["described"])
        if lookup.some and slots.get(lookup.some) and len(found) == len(candidates) > 1:
            found = []  # "part of my order" and nothing said which part: ask
        if found and (slot.pick == "all" or lookup.total or len(found) == 1):
            value = _value(lookup, slot.pick == "all", found, len(candidates))
            request["slots"][name] = value
            for step in waiting:
                step["args"] = _substitute(step["args"], reference, value)
            continue
        request["choices"][name] = [_choice(lookup, c) for c in (found or candidates)[:MAX_CHOICES]]
        for step in waiting:
            step["status"], step["error"] = "skipped", f"waiting for the customer to say which {name} they mean"
        if name not in flow["asking"]:
            flow["asking"] = [*flow["asking"], name]
        flow["stage"] = "collecting"


def answer_choices(flow: ActiveFlow, text: str, entities: Entities, now: datetime | None = None) -> None:
    """The customer answers a question about which record they mean: match it against the offered choices."""
    for intent in flow["intents"]:
        request = request_of(flow, intent)
        spec = get_flow(intent)
        for name in list(request["choices"]):
            if slots_for(flow, intent).get(name) is not None:
                del request["choices"][name]  # the customer named it outright
                continue
            picked = _picked(spec, name, request["choices"][name], text, entities, now)
            if picked is not None:
                request["slots"][name] = picked
                del request["choices"][name]


def picks_offered(flow: ActiveFlow, text: str, entities: Entities, now: datetime | None = None) -> bool:
    """Does the reply pick one of the records the agent offered to choose from ("the 55 inch", "the plugs one")?
    Such a reply answers the question, whatever the router makes of its few words."""
    for intent in flow["intents"]:
        request = (flow.get("requests") or {}).get(intent)
        for name, offered in (request["choices"] if request else {}).items():
            if _picked(get_flow(intent), name, offered, text, entities, now) is not None:
                return True
    return False


def _picked(spec: FlowSpec, name: str, offered: list[dict[str, Any]], text: str, entities: Entities,
            now: datetime | None) -> Any:
    """The slot's value when the reply picks among the offered records, else None."""
    lookup = spec.slots[name].resolve
    if lookup is None or not offered:
        return None
    candidates = [c["_candidate"] for c in offered]
    named = [c for c in candidates if lookup.value and str(c.get(lookup.value)).casefold() in text.casefold()]
    described = described_in(text, entities, now)
    found = named or matches(candidates, lookup, described)
    several = spec.slots[name].pick == "all" or lookup.total
    # One record offered (none fitted what the customer first said): the answer takes it when it describes it
    # ("when are the plugs coming?" about the one smart-plug order), not merely when it says something.
    fits_the_one = len(candidates) == 1 and bool(named or describes(candidates[0], lookup, described))
    if found and (len(found) < len(candidates) or fits_the_one) and (several or len(found) == 1):
        return _value(lookup, spec.slots[name].pick == "all", found, len(candidates))
    return None


def gives_asked_text(flow: ActiveFlow, steps: list[Step], text: str, entities: Entities) -> bool:
    """Does the reply give a value the agent asked for that is read off words (how many of an item: "I only need 2
    of them"), or describe one of the records the request fetched that the question is about ("bulbs", of an order
    with a bulb pack)? It answers the question, whatever the router makes of its few words."""
    described = described_in(text, entities)
    for intent in flow["intents"]:
        spec = get_flow(intent)
        if not any(spec.slots[name].text and not spec.slots[name].entity for name in flow["asking"]
                   if name in spec.slots):
            continue
        if any(spec.slots[name].named_in(text) is not None for name in flow["asking"] if name in spec.slots):
            return True
        if _described_records(spec, steps, described):
            return True
    return False


def named_records(flow: ActiveFlow, steps: list[Step]) -> list[str]:
    """The names of the fetched records (an order's items) the requests describe, when they describe some but not
    all of them: what a question about them can name ("how many of the Glow Smart Bulb 4-pack ...")."""
    named: list[str] = []
    for intent in flow["intents"]:
        found = _described_records(get_flow(intent), steps, request_of(flow, intent)["described"])
        named += [n for n in found if n not in named]
    return named


def _described_records(spec: FlowSpec, steps: list[Step], described: dict[str, list[Any]]) -> list[str]:
    """Of the records the request's lookups fetched, the names of those its description fits (fewer than all)."""
    results = {s["id"].split(".", 1)[1]: (s["result"] or {}).get("data") or {} for s in steps
               if s["intent"] == spec.intent and "." in s["id"] and s["status"] == "done"}
    names: list[str] = []
    for slot in spec.slots.values():
        lookup = slot.resolve
        candidates = list(results.get(lookup.step, {}).get(lookup.items) or []) if lookup else []
        if not lookup or "products" not in lookup.match:
            continue
        fits = [c for c in candidates if describes(c, lookup, described)]
        field = lookup.match["products"]
        names += [str(c.get(field)) for c in fits if len(fits) < len(candidates) or len(candidates) == 1
                  if isinstance(c.get(field), str)]
    return list(dict.fromkeys(names))


def requests_asking(flow: ActiveFlow, asking: list[str]) -> dict[str, list[str]]:
    """For a flow of several requests: slot → the words of the requests that need it, when not all of them do
    (so the question says which request the order number is for)."""
    if len(flow["intents"]) < 2:
        return {}
    out: dict[str, list[str]] = {}
    for name in asking:
        needing = [intent for intent in flow["intents"] if name in get_flow(intent).slots
                   and slots_for(flow, intent).get(name) is None]
        texts = [t for i in needing if (t := text_for(flow, i, ""))]
        if needing and len(needing) < len(flow["intents"]) and len(texts) == len(needing):
            out[name] = texts
    return out


def waiting_intents(flow: ActiveFlow) -> set[str]:
    """Requests that wait for the customer to say which record they mean."""
    return {intent for intent, request in (flow.get("requests") or {}).items() if request["choices"]}


def _mentions(value: Any, reference: str) -> bool:
    if isinstance(value, str):
        return value == reference or value.startswith(reference + ".")
    if isinstance(value, dict):
        return any(_mentions(v, reference) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, reference) for v in value)
    return False


def _substitute(value: Any, reference: str, resolved: Any) -> Any:
    if isinstance(value, str) and (value == reference or value.startswith(reference + ".")):
        rest = value[len(reference):].lstrip(".")
        current = resolved
        for part in rest.split(".") if rest else []:
            current = current.get(part) if isinstance(current, dict) else None
        return current
    if isinstance(value, dict):
        return {k: _substitute(v, reference, resolved) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, reference, resolved) for v in value]
    return value
