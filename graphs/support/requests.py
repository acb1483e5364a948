"""Several requests in one message: each its own clause, slots and description.

A message may carry several requests ("return the tablet from 10877, and has 10901 shipped?"). The router finds
their intents (the whole message and each clause); here each intent gets the clause that names it most
(``assign_clauses``), and its own slot values from that clause: an id in another request's clause is not this
request's, an id in an earlier clause carries over ("order 10877: return the hub and track the rest"). One flow
plans all of them; a request's own values live in ``flow["requests"][intent]["slots"]`` over the shared
``flow["slots"]`` (``slots_for``).

One request may also be meant for several records its words list ("cancel 12002 and 12003", "where are 10311 and
10312?"): each record gets a request instance of its own (``spread_instances``), keyed ``intent``, ``intent#2``, ...
(flows.instance_key) wherever a request is keyed by its intent, with its own slots, steps, results and line of
the reply; the one plan asks for identity and for a yes once for all of them.

Which record a request means, when a step's result resolves one of its slots, is graphs/support/lookups.py.
What the questions about the requests name, and whether a reply answers them, is graphs/support/questions.py.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from itertools import pairwise
from typing import Any, cast

import numpy as np

from graphs.reasoners.local.entities import Entities, extract_entities
from graphs.reasoners.local.order_roles import background_orders
from graphs.reasoners.local.router import load_thorough_router, split_clauses
from graphs.support.descriptions import described_in
from graphs.support.flow_spec import SlotSpec
from graphs.support.flows import get_flow, instance_key, intent_of
from graphs.support.instruction import telling_clauses, tells_value
from graphs.support.mentions import WANTED, ruled_out
from graphs.support.state import ActiveFlow, RequestState
from graphs.support.units import asking
from graphs.support.utterance import ACTING, requests_in_sentence
from tools.registry import get_tool


def request_of(flow: ActiveFlow, intent: str) -> RequestState:
    requests = flow.setdefault("requests", {})
    return requests.setdefault(intent, {"text": "", "slots": {}, "described": {}, "choices": {}})


# What a description names that tells one record from another (not the mere words of the request).
RECORD_TRAITS = ("products", "dates", "amounts")
# A message's sentences, each with the punctuation that ends it.
_SENTENCE = re.compile(r"[^.;!?\n]+[.;!?\n]*")


def text_for(flow: ActiveFlow, intent: str, current: str) -> str:
    """The words a request's steps quote ($message): its own clause of the message that opened it, else the
    current message."""
    own = (flow.get("requests") or {}).get(intent)
    return (own.get("text") if own else None) or current


def told_described(text: str, intent: str, now: Any, catalogue: list[str]) -> dict[str, list[Any]]:
    """What the clauses that tell the agent to take the request's action (a write of its flow, in the tool's own
    word: "I'd like to dispute that $59.99 charge") describe of the record: the record acted on, among the others
    the message mentions around it (the $9.99 of last month that is fine)."""
    actions = {get_tool(s.tool).action for s in get_flow(intent).steps if get_tool(s.tool).writes}
    said = " ".join(c for action in sorted(actions) for c in telling_clauses(text, action))
    return described_in(said, extract_entities(said, now=now, catalogue=catalogue), now) if said else {}


def words_around(flow: ActiveFlow, intent: str, current: str) -> str:
    """A request's words with the clauses around it that no other request owns ("send $85 back now" and "the
    remainder once I have posted it": one request in two clauses); else the current message."""
    own = (flow.get("requests") or {}).get(intent)
    return (own.get("context") or own.get("text") if own else None) or current


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


def drop_covered(flow: ActiveFlow, text: str = "", apart: Callable[[str, str], bool] | None = None) -> None:
    """A request another request of the message fulfils ("cancel it and give me my money back") is not planned
    twice (flows.yaml ``covers``, only when a ``covers_when`` slot is named: "make it one mouse and refund the
    difference", not "change the delivery slot and refund the shipping fee"; and not when ``apart`` says the two
    are for different records: "refund 12002 and cancel 12003")."""
    covered = {c for intent in flow["intents"] for c in get_flow(intent).covers if _covering(intent, text)
               and not (apart and c in flow["intents"] and apart(intent, c))}
    kept = [i for i in flow["intents"] if i not in covered]
    if kept and len(kept) < len(flow["intents"]):
        flow["intents"] = kept


def _records_apart(owners: dict[str, int], per_clause: list[Entities]) -> Callable[[str, str], bool]:
    """Do two requests' own clauses name records of one kind, and none the same ("refund 12002", "cancel 12003")?"""
    def apart(one: str, other: str) -> bool:
        if one not in owners or other not in owners or owners[one] == owners[other]:
            return False
        kinds = {s.entity for s in get_flow(one).slots.values()} & {s.entity for s in get_flow(other).slots.values()}
        mine, theirs = per_clause[owners[one]], per_clause[owners[other]]
        return any((a := set(_values(mine, k))) and (b := set(_values(theirs, k))) and not a & b for k in kinds if k)
    return apart


def _values(entities: Entities, kind: str) -> list[str | int]:
    """The record ids of one kind found (order ids, invoice ids), as a list; none of a kind that is no id (an
    address, an amount)."""
    found = cast(Mapping[str, Any], entities).get(kind) or []
    values = list(found) if isinstance(found, list) else [found]
    return [v for v in values if isinstance(v, str | int)] if all(isinstance(v, str | int) for v in values) else []


def _covering(intent: str, text: str) -> bool:
    spec = get_flow(intent)
    return not spec.covers_when or any(spec.slots[name].named_in(text) is not None for name in spec.covers_when)


def split_requests(flow: ActiveFlow, text: str, entities: Entities, *, now: Any, catalogue: list[str],
                   customer: Mapping[str, Any] | None = None) -> None:
    """Give each request of a new several-request message its own entity slots and description (see module)."""
    owners = assign_clauses(text, flow["intents"])
    clauses = split_clauses(text)
    per_clause = [extract_entities(c, now=now, catalogue=catalogue) for c in clauses] if owners else []
    drop_covered(flow, text, _records_apart(owners, per_clause))
    owners = {i: at for i, at in owners.items() if i in flow["intents"]} if len(flow["intents"]) > 1 else {}
    owners = drop_borrowed(flow, owners, clauses, per_clause, customer)
    intents = flow["intents"]
    background = background_orders(text, entities.get("order_ids") or [])
    for intent in intents:
        request = request_of(flow, intent)
        if intent not in owners:
            request["text"], request["context"] = text, text
            request["described"] = described_in(text, entities, now)
            request["told"] = told_described(text, intent, now, catalogue)
            spread_instances(flow, intent, text, entities)
            continue
        at = owners[intent]
        # What the request describes: every clause but the other requests' own ones (a correction in a later
        # clause, "yes the keyboard, not the mouse", or the product named before "can I send it back?").
        others = {owner for other, owner in owners.items() if other != intent and owner != at}
        own = " ".join(c for k, c in enumerate(clauses) if k not in others)
        request["text"] = clauses[at]
        # The words that may tell which units it means ("One of the three cables died. Please refund it."): its
        # clause, the clauses no other request owns, and those that tell rather than ask for something back.
        request["context"] = "\n".join(c for k, c in enumerate(clauses) if k not in others or not asking(c))
        described = described_in(own, extract_entities(own, now=now, catalogue=catalogue), now)
        if not any(described.get(key) for key in RECORD_TRAITS) and not _names_a_product(described, catalogue):
            # Its own words name no product (not even a word of one: "the keyboard"), date or amount ("refund them
            # please"): what they point back to is told in the clauses around it that ask for nothing ("the sport
            # earbuds from last week stopped charging").
            told = request["context"]
            described = {**described_in(told, extract_entities(told, now=now, catalogue=catalogue), now), **described}
        request["described"] = described
        request["told"] = told_described(clauses[at], intent, now, catalogue)
        for name, spec in get_flow(intent).slots.items():
            if spec.text and not spec.entity:
                # What the request describes, not only the clause that names it ("only one cable, not three. Can
                # you fix it?": the fix is the last clause); the slot's own patterns decide between what it says
                # ("I unsubscribed once ... sign me back up?": on).
                request["slots"][name] = read_slot_text(spec, own, customer, request)
            if not spec.entity or spec.entity not in entities:
                continue
            holders = [i for i, found in enumerate(per_clause) if spec.entity in found]
            # Of the clauses before it, the last that names a record the message does not tell as background
            # ("There was a kettle as well, order 33120, no complaints there. Please refund the lamps").
            earlier = [i for i in holders if i <= at]
            earlier = [i for i in earlier if set(_values(per_clause[i], spec.entity)) - background] or earlier
            if spec.entity == "amounts":
                earlier = _amount_clauses(clauses, per_clause, earlier, at)
            elif spec.entity == "order_ids" and at not in earlier:
                earlier = _clauses_of_thing(clauses, earlier, at, catalogue)
            if earlier:
                request["slots"][name] = spec.take(per_clause[earlier[-1]][spec.entity])  # type: ignore[literal-required]
            elif holders:
                request["slots"][name] = None  # only another request's clause names one: not this request's
        spread_instances(flow, intent, clauses[at], per_clause[at])


def _amount_clauses(clauses: list[str], per_clause: list[Entities], earlier: list[int], at: int) -> list[int]:
    """Of the clauses up to the request's own that name an amount, those whose amount may be the one it asks for:
    its own clause, else a clause that asks for money back too; a clause that only tells a price ("each cost $6.40,
    and a spare one was $8.15") is taken only when the told clauses name one figure in all: of several,
    which the request means is for its lookup to work out (the units it names), never a guess."""
    asked = [i for i in earlier if i == at or asking(clauses[i])]
    if asked:
        return asked
    figures = {round(float(a["value"]), 2) for i in earlier for a in per_clause[i].get("amounts") or []}
    return earlier if len(figures) == 1 else []


def _clauses_of_thing(clauses: list[str], earlier: list[int], at: int, catalogue: list[str]) -> list[int]:
    """Of the earlier clauses that name an order, those that name the thing the request's own clause does ("the
    lamps (order 33104) ... a kettle (order 33120) is working well ... please refund the lamps": 33104), when some do;
    else all of them (the nearest one is taken)."""
    names = {w for name in catalogue for w in _product_words(name)}
    wanted = {w for w in _product_words(clauses[at]) if w in names}
    same = [i for i in earlier if wanted & _product_words(clauses[i])]
    return same or earlier


def _product_words(text: str) -> set[str]:
    """The words of ``text`` longer than two letters, lower case and without a plural's s."""
    return {w.rstrip("s") for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


# Between two records a request lists: a conjunction, a comma, the record's noun ("12002 and order 12003", "no.
# 12003"). A bare "no" is no number's abbreviation: it takes the earlier record back ("12002, no, 12003").
_LISTED = re.compile(r"^(?:[\s,;&+/]|\b(?:and|also|plus|as well as|along with|together with|then|the|order|orders|"
                     r"invoice|invoices|number|nos?(?=\s*[.#]))\b|[.#])*$", re.IGNORECASE)


def spread_instances(flow: ActiveFlow, intent: str, words: str, found: Entities) -> None:
    """The request's words list several records of the one kind its flow takes one of ("cancel 12002 and 12003"):
    an instance of the request for each, in the order they are listed, each with its own record and the request's
    words and description. Only records listed together (see ``_LISTED``: "12002 or 12003" is one record the
    customer is unsure of), and only for a slot that is its flow's one slot of that kind (a merge of two accounts
    takes two)."""
    spec = get_flow(intent)
    if intent_of(intent) != intent:
        return
    for name, slot in spec.slots.items():
        kinds = [s.entity for s in spec.slots.values() if s.entity == slot.entity]
        values = list(dict.fromkeys(_values(found, slot.entity))) if slot.entity else []
        if len(kinds) != 1 or slot.pick == "all" or len(values) < 2 or not _listed(words, values):
            continue
        first = request_of(flow, intent)
        at = flow["intents"].index(intent)
        keys = [instance_key(intent, n) for n in range(2, len(values) + 1)]
        first["slots"][name] = values[0]
        for key, value in zip(keys, values[1:], strict=True):
            instance: RequestState = copy.deepcopy(first)
            instance["slots"][name] = value
            instance["choices"] = {}
            flow.setdefault("requests", {})[key] = instance
            flow["confidences"][key] = flow["confidences"].get(intent, 0.0)
        flow["intents"] = [*flow["intents"][:at + 1], *keys, *flow["intents"][at + 1:]]
        return


def _listed(words: str, values: list[Any]) -> bool:
    """Are the values named one after another in the words, with nothing but a list's joints between them?"""
    spots = []
    for value in values:
        hit = re.search(rf"(?<![\w-]){re.escape(str(value))}(?![\w-])", words, re.IGNORECASE)
        if hit is None:
            return False
        spots.append(hit)
    spots.sort(key=lambda m: m.start())
    return all(_LISTED.match(words[a.end():b.start()]) for a, b in pairwise(spots))


def _names_a_product(described: dict[str, list[Any]], catalogue: list[str]) -> bool:
    """Does a word the description wants belong to a product name of the catalogue ("the keyboard")?"""
    words = {w for name in catalogue for w in re.findall(r"[a-z0-9]+", name.lower()) if len(w) > 2}
    return any(w in words for w in described.get(WANTED, []))


def drop_borrowed(flow: ActiveFlow, owners: dict[str, int], clauses: list[str], per_clause: list[Entities],
                  customer: Mapping[str, Any] | None = None) -> dict[str, int]:
    """A second request read from a clause that tells another request's value and names nothing of its own ("Pro
    is overkill for me these days. Drop me to the no-cost tier.": the plan the switch is to, not a refund) is that
    request's words, not a request: it is dropped, and the clause stays with the request it tells (``own``). Only
    a request read less surely than the one whose value the clause tells."""
    borrowed = []
    sure = flow["confidences"]
    for intent, at in owners.items():
        clause = clauses[at]
        # only the main reading's value: "just refund me, no repair thanks" is a refund the router reads
        # as surely as the repair question, whatever the clause says of the repair
        told = any(_tells_slot(other, clause, customer) for other in flow["intents"]
                   if other != intent and owners.get(other) != at and sure.get(other, 0.0) > sure.get(intent, 0.0))
        if told and not _names_own(intent, clause, per_clause[at], customer):
            borrowed.append(intent)
    kept = [i for i in flow["intents"] if i not in borrowed]
    if not borrowed or not kept:
        return owners
    flow["intents"] = kept
    return {} if len(kept) < 2 else {i: at for i, at in owners.items() if i in kept}


def _tells_slot(intent: str, clause: str, customer: Mapping[str, Any] | None) -> bool:
    """Does the clause tell the agent a value of one of the request's text slots ("put me on the free plan")?"""
    return any(spec.text and not spec.entity and spec.named_in(clause, customer) is not None
               and tells_value(spec, clause, customer) for spec in get_flow(intent).slots.values())


def _names_own(intent: str, clause: str, found: Entities, customer: Mapping[str, Any] | None) -> bool:
    """Does the clause name a value of one of the request's own slots (an entity it takes, a text slot's words)?"""
    return any((spec.entity and spec.entity in found)
               or (spec.text and not spec.entity and spec.named_in(clause, customer) is not None)
               for spec in get_flow(intent).slots.values())


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


def fill_open_text(flow: ActiveFlow, text: str, customer: Mapping[str, Any] | None = None, *,
                   identity: bool = False) -> list[str]:
    """A later message of the flow may say what the one that opened it left open: "ok, switch me to pro then"
    after "what's the difference between plus and pro?". A text slot still empty is read from it. Returns the
    intents to which it added a step: a detail that a step waits for (its ``when``: "pretty sure I got charged
    twice" after "need help with a charge") changes what the request does, not only what it knows.
    ``identity``: the message answers the identity question; its words are read against that question, and only
    a sentence of it that asks or tells the agent something speaks of the request ("we share pretty much
    everything, mine ends in 4410" is about the card, not the whole order)."""
    if identity:
        text = " ".join(s for s in _SENTENCE.findall(text) if requests_in_sentence(s) or ACTING.match(s.strip()))
        if not text.strip():
            return []
    grown: list[str] = []
    for intent in flow["intents"]:
        request = request_of(flow, intent)
        slots = slots_for(flow, intent)
        spec_of = get_flow(intent)
        for name, spec in spec_of.slots.items():
            if spec.text and not spec.entity and slots.get(name) is None:
                value = read_slot_text(spec, text, customer, request)
                if value is not None:
                    request["slots"][name] = value
                    if value and any(step.when == name for step in spec_of.steps) and intent not in grown:
                        grown.append(intent)
        if intent in grown and request["text"] is not None and text not in request["text"]:
            # its words are the request's now: a question in them still waits for a yes (flows.waits_for_yes)
            request["text"] = f"{request['text']}\n{text}"
    return grown


def ask_again(flow: ActiveFlow, intents: list[str]) -> None:
    """The records offered to choose from for the request as it was (``fill_open_text``'s grown requests) are no
    question of the request as it is now: it is planned again, and its lookups ask anew if they must."""
    for intent in intents:
        request = request_of(flow, intent)
        if request["choices"]:
            flow["asking"] = [a for a in flow["asking"] if a not in request["choices"]]
            request["choices"] = {}


def fill_answered(flow: ActiveFlow, entities: Entities) -> None:
    """A value the customer gives when asked belongs to the requests that were asking for it."""
    for intent in flow["intents"]:
        request = request_of(flow, intent)
        for name, spec in get_flow(intent).slots.items():
            if name in flow["asking"] and spec.entity in entities and request["slots"].get(name) is None:
                request["slots"].pop(name, None)
