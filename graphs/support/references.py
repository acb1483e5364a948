"""A question about the record the request just finished was about, read as a request about that record.

"Right, and roughly when should it land here?" after the agent said the order has shipped: "it" is that
order, and the question is one of the requests about an order. The router reads the words alone; unsure of them, it
spreads its reading over topics that take no record ("how long does delivery take?", a technical issue) and reads
the request about the order only as one among them. Knowing what "it" is narrows the reading to the requests that
take that record: the most probable of them is the question, as sure as it is among them. A question the help
centre answers in general ("how long does delivery take?") asked of that record is the request its flow names
(``of_record`` in flows.yaml), whatever the router's confidence: as sure as the two readings together.

Only a question with a pronoun for the record and no record of its own, after a finished request that holds one,
when the router is unsure of the whole message and its reading takes no such record. A request that puts money
at stake is never read into a pronoun: it must name its record (``dialogue_acts.read_act``, the same rule for a
follow-up), and it asks to act rather than asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from graphs.reasoners.local.entities import Entities
from graphs.reasoners.local.router import IntentScore
from graphs.support.flow_spec import FlowSpec, SlotSpec
from graphs.support.flows import get_flow, load_flows, money_at_stake
from graphs.support.state import ActiveFlow, IntentGuess
from graphs.support.utterance import REFERS, asks, follows_up

# The router's reading of the whole message below which a pronoun's record may decide (NEW_TOPIC_CONFIDENCE).
UNSURE = 0.6
# A reading this improbable is no reading of the message, whatever record it takes.
PLAUSIBLE = 0.1
# The router's reading of no shop topic at all this sure is the message's, whatever it refers to ("is it cold there?").
SURE_ELSEWHERE = 0.95
OUT_OF_SCOPE = "out_of_scope"
# What a bare number can be (entities.Expectable): of the secrets among them, one named again decides which it is
# (an order number named again is the record, no secret).
BARE_KINDS = ("zip_code", "card_last4", "order_ids")
REPLACEABLE = ("zip_code", "card_last4")


def held_values(flow: ActiveFlow) -> Iterator[tuple[str, SlotSpec, Any]]:
    """(slot, its spec, value) of every slot with a value in the finished request's requests."""
    for intent in flow["intents"]:
        own = (flow.get("requests") or {}).get(intent)
        for name, spec in get_flow(intent).slots.items():
            value = flow["slots"].get(name)
            if value is None and own is not None:
                value = own["slots"].get(name)
            if value is not None:
                yield name, spec, value


def held_records(flow: ActiveFlow) -> dict[str, tuple[str, Any]]:
    """Slot → (entity kind, value) of the records the finished request holds (its order, its invoice)."""
    return {name: (spec.entity, value) for name, spec, value in held_values(flow)
            if spec.entity and spec.resolve is not None}


def followed_records(flow: ActiveFlow | None, text: str) -> list[str]:
    """The entity kinds of the records the finished request holds, when the message follows it up elliptically
    ("and what about mine? 66004", "check ours too: 66010"): a bare value in it is another such record (a bare
    number is read as an order number only where one is expected)."""
    if flow is None or flow["stage"] != "done" or not follows_up(text):
        return []
    return list(dict.fromkeys(kind for kind, _ in held_records(flow).values()))


def named_again(flow: ActiveFlow | None, text: str) -> dict[str, str]:
    """Entity kind → value of the values the finished request holds (or parts of them: an address's ZIP code) that
    the message names again ("10010, not 10003" after the address with ZIP 10003 was set): the value replaced, so a
    bare value of its shape beside it is of its kind, the one the correction gives instead."""
    if flow is None or flow["stage"] != "done":
        return {}
    named: dict[str, str] = {}
    for _, spec, value in held_values(flow):
        parts = list(value.items()) if isinstance(value, dict) else [(spec.entity, value)] if spec.entity else []
        for kind, part in parts:
            if (kind in REPLACEABLE and isinstance(part, str | int)
                    and re.search(rf"(?<![\w-]){re.escape(str(part))}(?![\w-])", text)):
                named[kind] = str(part)
    return named


def given_instead(text: str, again: Mapping[str, str], extract: Callable[[str], Entities]) -> Entities:
    """The entities of ``text``, read without the values it names again (``named_again``) when it gives another of
    their kind beside them: that one replaces them ("10010, not 10003": 10010)."""
    entities = extract(text)
    if not again:
        return entities
    rest = text
    for value in again.values():
        rest = re.sub(rf"(?<![\w-]){re.escape(value)}(?![\w-])", " ", rest)
    instead = extract(rest)
    return instead if all(kind in instead for kind in again) else entities


def referred_reading(scores: Sequence[IntentScore], text: str, flow: ActiveFlow | None,
                     entities: Entities, read: IntentGuess | None = None) -> IntentGuess | None:
    """The request a question about the finished request's record is, when a pronoun refers to that record (see
    the module); None when the words do not narrow the router's reading. ``scores``: the router's reading of the
    whole message; ``read``: the reading the message gets without the record (the router's detection, which may
    read one sentence of it: "so when is it meant to arrive?" after a remark)."""
    if flow is None or flow["stage"] != "done" or not scores or not asks(text) or REFERS.search(text) is None:
        return None
    held = held_records(flow)
    if not held or any(kind in entities for kind, _ in held.values()):
        return None  # nothing to refer to, or the message names its own record
    flows = load_flows()

    def takes(intent: str) -> bool:
        return intent in flows and not money_at_stake(intent) and any(n in flows[intent].slots for n in held)

    reading = _reading(scores, flow, read, takes, flows)
    # A question about the record the finished request acted on reads what the action left there (checked_by): "which
    # card will that land on?" after a refund is the refund's, not the order's tracking the router reads.
    checks = {spec.checked_by for spec in flows.values() if spec.checked_by}
    check = next((c for i in flow["intents"] if (c := get_flow(i).checked_by) is not None and takes(c)), None)
    asked = reading or ({"intent": scores[0].intent, "confidence": scores[0].confidence}
                        if takes(scores[0].intent) else None)
    if check is not None and asked is not None and asked["intent"] in checks - {check}:
        return {"intent": check, "confidence": asked["confidence"]}
    return reading


def _reading(scores: Sequence[IntentScore], flow: ActiveFlow, read: IntentGuess | None,
             takes: Callable[[str], bool], flows: Mapping[str, FlowSpec]) -> IntentGuess | None:
    """The reading ``referred_reading`` gives before what the finished request did is considered."""
    top = scores[0]
    if top.intent == OUT_OF_SCOPE and top.confidence < SURE_ELSEWHERE:
        # "hmm, not what I hoped. when's it meant to land, then?": out of scope is no topic of the shop's, and a
        # question about "it" just after a request about a record is about that record; the shop's topics the
        # router also read decide, each as the request about the record it amounts to (of_record)
        return _among_topics(scores[1:], takes, {n: f.of_record for n, f in flows.items()})
    if read is not None and read["intent"] != top.intent and not takes(read["intent"]):
        # the sentence that asks was read apart from the rest: the general question it asks is about the record
        general = flows[read["intent"]].of_record if read["intent"] in flows else None
        if general is not None and takes(general):
            return {"intent": general, "confidence": read["confidence"]}
    if takes(top.intent):
        return None
    general = flows[top.intent].of_record if top.intent in flows else None
    if general is not None and takes(general):
        # "when's it going to arrive?": how long delivery takes, asked of the order discussed, is its tracking
        near = next((s.confidence for s in scores if s.intent == general), 0.0)
        return {"intent": general, "confidence": round(min(1.0, top.confidence + near), 4)}
    if top.confidence >= UNSURE:
        return None
    about = [s for s in scores if takes(s.intent)]
    if not about or about[0].confidence < PLAUSIBLE:
        return None
    total = sum(s.confidence for s in about)
    return {"intent": about[0].intent, "confidence": round(about[0].confidence / total, 4)}


def _among_topics(scores: Sequence[IntentScore], takes: Callable[[str], bool],
                  of_record: Mapping[str, str | None]) -> IntentGuess | None:
    """The request about the record the router's readings of shop topics amount to together: each reading counts
    for its own intent when that takes the record, or for the request its general question is about a record
    (``of_record``); the most probable of those, as sure as its share of them. None when none is plausible."""
    weights: dict[str, float] = {}
    for score in scores:
        general = of_record.get(score.intent)
        intent = score.intent if takes(score.intent) else general if general is not None and takes(general) else None
        if intent is not None:
            weights[intent] = weights.get(intent, 0.0) + score.confidence
    if not weights:
        return None
    best = max(weights, key=lambda name: weights[name])
    if weights[best] < PLAUSIBLE:
        return None
    return {"intent": best, "confidence": round(weights[best] / sum(weights.values()), 4)}
