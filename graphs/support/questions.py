"""What the agent's questions about a flow's requests name, and what a reply to them gives: which requests need a
slot asked for (``requests_asking``), which wait for the customer to pick a record, which fetched records the
requests describe (``named_records``), and whether a reply gives a value asked for in words (``gives_asked_text``).
"""

from __future__ import annotations

from typing import Any

from graphs.reasoners.local.entities import Entities
from graphs.support.descriptions import described_in, describes
from graphs.support.flow_spec import FlowSpec
from graphs.support.flows import get_flow, request_key
from graphs.support.requests import request_of, slots_for, text_for
from graphs.support.state import ActiveFlow, Step


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
        if described_records(spec, steps, described):
            return True
    return False


def named_records(flow: ActiveFlow, steps: list[Step]) -> list[str]:
    """The names of the fetched records (an order's items) the requests describe, when they describe some but not
    all of them: what a question about them can name ("how many of the Glow Smart Bulb 4-pack ...")."""
    named: list[str] = []
    for intent in flow["intents"]:
        found = described_records(get_flow(intent), steps, request_of(flow, intent)["described"], intent)
        named += [n for n in found if n not in named]
    return named


def described_records(spec: FlowSpec, steps: list[Step], described: dict[str, list[Any]],
                       key: str | None = None) -> list[str]:
    """Of the records the request's lookups fetched, the names of those its description fits (fewer than all)."""
    results = {s["id"].split(".", 1)[1]: (s["result"] or {}).get("data") or {} for s in steps
               if request_key(s) == (key or spec.intent) and "." in s["id"] and s["status"] == "done"}
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
