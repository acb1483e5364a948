"""Slots that a step's result resolves: which record the customer means.

A slot with a ``resolve`` lookup (flows.yaml) is found from what the customer described when they did not name
it: the lookup step's result (the customer's invoices, the order's items) is matched against the amounts, dates
and products they mentioned (``settle_lookup``, run by act when the step is done). One match fills the slot; two
or more that fit equally make a question listing them, and so does none (with what is there). The answer is
matched against the same candidates (``answer_choices``). Until the lookup is done, the planned steps keep their
references to such a slot (``resolve_known``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from graphs.reasoners.local.entities import Entities
from graphs.support.descriptions import described_in, describes, listed_position, matches
from graphs.support.flow_spec import FlowSpec, Lookup, resolve
from graphs.support.flows import get_flow, request_key
from graphs.support.mentions import WANTED, by_words, word_polarity
from graphs.support.requests import RECORD_TRAITS, request_of, slots_for
from graphs.support.state import ActiveFlow, Step
from graphs.support.units import (
    asking,
    both_said,
    leaves_units_out,
    narrowed_to,
    place_named,
    units_left,
    units_meant,
    units_reported,
)

MAX_CHOICES = 5


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


def _value(lookup: Lookup, pick_all: bool, found: list[dict[str, Any]], every: int, text: str = "",
           context: str = "", money_left: float | None = None) -> Any:
    """The slot's value from the records found; with ``units``, each record counts the units the words ask for
    (graphs/support/units.py; ``context``: the rest of the message that may tell which), else every unit left
    (no more than ``money_left``, the money still refundable, pays back at the record's price)."""
    counted = _units(lookup, found, text, context, money_left)
    counts = [n for n, _ in counted]
    if lookup.total:
        if lookup.partial and len(found) == every and all(n is None for n in counts):
            return None  # all of it: the step's own default (a refund of everything still refundable)
        return {"value": round(sum(float(c.get(lookup.total) or 0) * (n if n is not None else left if lookup.units
                                                                      else 1)
                                   for c, (n, left) in zip(found, counted, strict=True)), 2)}
    if pick_all:
        kept = [{k: c[k] for k in lookup.keep} if lookup.keep else c for c in found]
        if lookup.units:
            kept = [{**k, "quantity": n if n is not None else left} for k, (n, left) in zip(kept, counted, strict=True)]
        return kept
    return found[0].get(lookup.value) if lookup.value else found[0]


def _units(lookup: Lookup, found: list[dict[str, Any]], text: str, context: str,
           money_left: float | None = None) -> list[tuple[int | None, int]]:
    """Per record found, the units the words ask for (None: no count said, every unit left) and the units left."""
    field = lookup.match.get("products") or "name"
    out: list[tuple[int | None, int]] = []
    for record in found:
        name = str(record.get(field) or "")
        left = _left(lookup, record, money_left, name, context or text, len(found)) if lookup.units else 1
        out.append((units_meant(text, name, left, len(found), context) if lookup.units else None, left))
    return out


def _left(lookup: Lookup, record: dict[str, Any], money_left: float | None, name: str, words: str,
          lines: int) -> int:
    """The record's units not yet returned, and, for a refund, not yet paid back: no more than the money still
    refundable pays back at its price, nor than the customer's words leave after the units they report refunded
    ("you refunded one cable before ... refund the rest")."""
    left = units_left(record, str(lookup.units))
    price = float(record.get(lookup.total) or 0) if lookup.total else 0.0
    if money_left is None or price <= 0:
        return left
    # less than one unit's price still refundable: that unit is asked, and the tool offers what is left of it
    paid_for = max(int(money_left / price + 1e-6), 1 if money_left > 0 else 0)
    return max(min(left, paid_for, left - units_reported(words, name, left, lines)), 0)


def _paid_back(lookup: Lookup, intent: str, steps: list[Step]) -> float | None:
    """The money still refundable, from the step ``lookup.paid_back`` names, when it has run."""
    if not lookup.paid_back:
        return None
    local, field = lookup.paid_back.split(".", 1)
    done = next((s for s in steps if s["id"] == f"{intent}.{local}" and s["status"] == "done"), None)
    value = ((done["result"] or {}).get("data") or {}).get(field) if done else None
    return float(value) if isinstance(value, int | float) else None


def _choice(lookup: Lookup, candidate: dict[str, Any]) -> dict[str, Any]:
    return {k: candidate.get(k) for k in (lookup.show or list(candidate))} | {"_candidate": candidate}


def settle_lookup(flow: ActiveFlow, steps: list[Step], done: Step) -> None:
    """A lookup step finished: resolve the slots it serves, or ask the customer which record they mean."""
    if "." not in done["id"] or not done["result"]:
        return
    intent, local = request_key(done), done["id"].split(".", 1)[1]
    spec = get_flow(intent)
    for name, slot in spec.slots.items():
        lookup = slot.resolve
        reference = f"$slots.{name}"
        waiting = [s for s in steps if request_key(s) == intent and s["status"] in {"pending", "awaiting_confirmation"}
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
        if lookup.lowers and slots.get(lookup.lowers):
            # Less is wanted ("three is one too many, make it two"): an item that has no more than that already is
            # not the one meant (the single plug beside the three packs).
            candidates = [c for c in candidates if not any(_at_most(c.get(field), slots.get(slot))
                                                           for field, slot in lookup.differs.items())]
        excluded = [str(v) for v in (request.get("excluded") or {}).get(name, [])]
        if lookup.value and excluded:  # "the other one": not the record found last time
            candidates = [c for c in candidates if str(c.get(lookup.value)) not in excluded]
        described = request["described"]
        if lookup.instead_of:
            # "can i swap the lite earbuds": the earbuds name what goes back, not what the customer wants for it.
            described = _apart_from(described, _names_of(spec, lookup.instead_of, slots, steps, intent))
        found = matches(candidates, lookup, described)
        told = {k: v for k, v in (request.get("told") or {}).items() if k in RECORD_TRAITS}
        if told and not lookup.instead_of and len(acted := matches(candidates, lookup, told)) == 1:
            # "... $7.49 monthly, and the March 3 payment was right. The $64.00 one is what I dispute": the
            # sentence that tells the action describes the record it is taken on, whatever the others mention.
            found = acted
        if lookup.instead_of:
            found = [c for c in found if describes(c, lookup, described)]
        if lookup.units and (both := _both(lookup, candidates, request)):
            found = both  # "the clear case ... and the power bank ... Please return both": the two named
        elif lookup.units and len(found) > 1:
            # "Plug was there, but a pack was missing. Could you refund the missing pack?": of the items the
            # message names, those the sentences asking for something back name.
            # Else those the message's words of the request name ("Both plugs are dead. Refund them please, the
            # speaker is fine.": the asking clause names only what stays).
            field = lookup.match.get("products") or "name"
            # What the request's words narrow to comes first ("can I send both back? no, just the mouse").
            asked = " ".join(asking(request["text"] or ""))
            narrowed = word_polarity(narrowed_to(request["text"] or ""))
            told = word_polarity(request.get("context") or "")
            found = (by_words(found, field, narrowed) or by_words(found, field, word_polarity(asked))
                     or by_words(found, field, told) or found)
            if (place := place_named(request["text"] or "")) and len(found) > 1:
                # "the third of them goes back as well": of the lines, the one that has a third unit
                having = [c for c in found if int(c.get(lookup.units) or 1) >= place]
                found = having if len(having) == 1 else found
        if lookup.but and slots.get(lookup.but) and not (lookup.units and leaves_units_out(request["text"])):
            # "everything but the case": what the customer names stays; naming none or all of it tells nothing: ask
            found = [c for c in candidates if c not in found] if 0 < len(found) < len(candidates) else []
        elif lookup.some and slots.get(lookup.some) and len(found) == len(candidates) > 1:
            found = []  # "part of my order" and nothing said which part: ask
        elif lookup.every and slots.get(lookup.every) and not (lookup.some and slots.get(lookup.some)) and candidates:
            found = candidates  # "everything from the order, the speaker and the plugs": all of it
            if lookup.units and slot.pick == "all":
                every = [{**{k: c[k] for k in lookup.keep}, "quantity": units_left(c, lookup.units)} for c in found]
                request["slots"][name] = every
                for step in waiting:
                    step["args"] = _substitute(step["args"], reference, every)
                continue
        single = found and (slot.pick == "all" or lookup.total or len(found) == 1)
        if single or not lookup.asks:
            # (a lookup that asks nothing leaves the slot empty when no one record fits: the steps do without it)
            value = _value(lookup, slot.pick == "all", found, len(candidates), request["text"],
                           request.get("context") or "", _paid_back(lookup, intent, steps)) if single else None
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


def _both(lookup: Lookup, candidates: list[dict[str, Any]], request: Any) -> list[dict[str, Any]]:
    """The two records the message names when the sentences asking for something back say "both" of them (not of
    the units of one: "both cables"); else none."""
    field = lookup.match.get("products") or "name"
    if len(candidates) < 2 or not both_said(" ".join(asking(request["text"] or "")),
                                             [str(c.get(field) or "") for c in candidates]):
        return []
    named = by_words(candidates, field, word_polarity(f"{request.get('context') or ''} {request['text'] or ''}"))
    return named if len(named) == 2 else []


def _at_most(value: Any, limit: Any) -> bool:
    """Is ``value`` a number no more than the number ``limit`` (a quantity kept as text, '2')?"""
    try:
        return float(value) <= float(limit)
    except (TypeError, ValueError):
        return False


def _names_of(spec: FlowSpec, name: str, slots: dict[str, Any], steps: list[Step], key: str) -> list[str]:
    """The names of the record slot ``name`` holds, else of every record its lookup fetched (an order's items)."""
    lookup = spec.slots[name].resolve
    if lookup is None:
        return []
    field = lookup.match.get("products") or "name"
    held = slots.get(name)
    if isinstance(held, dict) and isinstance(held.get(field), str):
        return [held[field]]
    fetched = next(((s["result"] or {}).get("data") or {} for s in steps
                    if s["status"] == "done" and s["id"] == f"{key}.{lookup.step}"), {})
    return [str(r.get(field)) for r in fetched.get(lookup.items, []) if r.get(field)]


def _apart_from(described: dict[str, list[Any]], names: list[str]) -> dict[str, list[Any]]:
    """What the customer described, without the products ``names`` and the words of those names."""
    own = {w for n in names for w in re.findall(r"[a-z0-9]+", n.lower())}
    out = dict(described)
    out["products"] = [p for p in described.get("products", []) if p not in names]
    out[WANTED] = [w for w in described.get(WANTED, []) if w not in own and w.rstrip("s") not in own]
    return {k: v for k, v in out.items() if v}


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
    place = listed_position(text)
    if not named and place is not None and place < len(candidates):
        named = [candidates[place]]  # "the second one": of the records as the question listed them
    found = named or matches(candidates, lookup, described)
    several = spec.slots[name].pick == "all" or lookup.total
    # One record offered (none fitted what the customer first said): the answer takes it when it describes it
    # ("when are the plugs coming?" about the one smart-plug order), not merely when it says something.
    fits_the_one = len(candidates) == 1 and bool(named or describes(candidates[0], lookup, described))
    if found and (len(found) < len(candidates) or fits_the_one) and (several or len(found) == 1):
        return _value(lookup, spec.slots[name].pick == "all", found, len(candidates), text)
    return None


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


def items_bound(flow: ActiveFlow, steps: list[Step], step: Step, arg: str = "amount") -> float | None:
    """What the items the request names were paid (unit price × the units meant), the most a figure the customer
    asked for them may take ("$25 for the plug" on a $24.99 plug: 24.99); None when the step's ``arg`` is no figure
    the customer said (the lookup worked it out) or the request names no part of the order (what is left on the
    whole order bounds it, the tool's own check). The slot behind ``arg`` says how: its lookup's ``total`` per
    unit, matched by product as the lookup matches it."""
    spec = get_flow(step["intent"])
    local = step["id"].split(".", 1)[-1]
    own = next((s for s in spec.steps if s.id == local), None)
    names = re.findall(r"\$slots\.(\w+)", str((own.args if own is not None else {}).get(arg) or ""))
    lookup = spec.slots[names[0]].resolve if names and names[0] in spec.slots else None
    key = request_key(step)
    done = next((s for s in steps if request_key(s) == key and lookup is not None and s["status"] == "done"
                 and s["id"].split(".", 1)[-1] == lookup.step and s["result"]), None)
    if lookup is None or not lookup.total or done is None:
        return None
    candidates = list(((done["result"] or {}).get("data") or {}).get(lookup.items) or [])
    request = request_of(flow, request_key(step))
    described = request["described"] or {}
    if step["args"].get(arg) not in (described.get("amounts") or []):
        return None
    found = matches(candidates, lookup, described)
    context = request.get("context") or ""
    counts = [n for n, _ in _units(lookup, found, request["text"] or "", context)]
    if not found or (len(found) == len(candidates) and all(n is None for n in counts)):
        return None
    return float(_value(lookup, True, found, len(candidates) + 1, request["text"] or "", context)["value"])
