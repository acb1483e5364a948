"""A remedy the customer asks for beside a symptom: the remedy is the request, the symptom its reason.

A customer often opens with what is wrong and then says what they want done about it ("the speaker crackles at
high volume. I'd like to trade it for the bigger model"), or reaches the remedy after troubleshooting ("still
no sound from the woofer. change it for the X then"). The router reads such a message by its longest part, the
symptom (a technical problem), or by the look of "for the X" (placing an order), and the exchange asked for is never
planned. The exchange flow's own words say it: its ``swapping`` slot (flows.yaml, change_order) read in a sentence
that asks or tells the agent something, with one of our products named in the message. Then the exchange is the
request, as sure as ``NAMED_REMEDY``; a reading that changes nothing on the records, or the problem report itself,
is the story around it and is dropped. A reading whose own flow takes the swap (a return or refund: get_refund's
redirect to change_order) or that changes other records (a plan switch) is left as the router read it.
"""

from __future__ import annotations

import re

from graphs.reasoners.local.entities import Entities
from graphs.reasoners.local.segments import orders_in
from graphs.support.flows import changes_records, get_flow
from graphs.support.state import IntentGuess
from graphs.support.utterance import requests_in_sentence

EXCHANGE_INTENT = "change_order"
# A problem report: a remedy asked beside it is the request, the problem its reason.
SYMPTOM_INTENT = "technical_issue"
# An exchange named in the exchange flow's own words, with a product of ours, is as sure as this (a flow's default
# threshold is 0.7: the write still needs the customer verified, the order delivered and inside the window).
NAMED_REMEDY = 0.75
_SENTENCE = re.compile(r"[^.;!?\n]+[.;!?\n]*")


def asks_exchange(words: str, entities: Entities) -> bool:
    """Does a sentence of the message ask for a swap in the exchange flow's words, a product of ours named? It asks
    with request words or by ordering it ("still nothing. honestly just trade them in for the X")."""
    if not entities.get("products"):
        return False
    swapping = get_flow(EXCHANGE_INTENT).slots["swapping"]
    return any(swapping.named_in(s) is True and (requests_in_sentence(s) or orders_in(s))
               for s in _SENTENCE.findall(words))


def with_remedy_asked(intents: list[IntentGuess], words: str, entities: Entities,
                      seen: dict[str, float]) -> list[IntentGuess]:
    """The router's intents, with the exchange the message asks for as the request (see the module). ``seen``, the
    router's readings that a write's authority is read from, gets the exchange's too."""
    if not intents or any(i["intent"] == EXCHANGE_INTENT for i in intents):
        return intents
    main = intents[0]["intent"]
    if "swapping" in get_flow(main).slots or (main != SYMPTOM_INTENT and changes_records(main)):
        return intents
    if not asks_exchange(words, entities):
        return intents
    sure = max(seen.get(EXCHANGE_INTENT, 0.0), NAMED_REMEDY)
    seen[EXCHANGE_INTENT] = sure
    kept = [i for i in intents[1:] if i["intent"] != SYMPTOM_INTENT and changes_records(i["intent"])]
    return [{"intent": EXCHANGE_INTENT, "confidence": sure}, *kept]
