"""A question whether the shop sells something it does not: out of scope, answered as an aside.

The router reads a message by what its words resemble, not by what the shop sells: "do you carry X?" resembles a
question about delivery ("carry"), "do you sell X?" one about ordering, whatever X is. Only the catalogue knows
whether X is ours. A piece of a new request that asks whether the shop sells something (a verb of a shop's range:
sell, carry, stock) and names nothing of the catalogue (no product, and no word of a product's name: "laptops"
may well be the Volt Laptop 14) asks about something the shop does not sell. That is out of scope: it gets its own
short answer, and the reading the router gave the piece alone is no request of the customer's (a question about
delivery options nobody asked). What the customer asked beside it is still done.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from graphs.reasoners.local.products import match_products
from graphs.reasoners.local.router import OUT_OF_SCOPE, SECONDARY_THRESHOLD, IntentModel
from graphs.support.state import IntentGuess

# "do you sell …", "does your store carry …", "do you guys stock …": the question and what it asks about.
_RANGE = re.compile(r"\b(?:do|does)\s+(?:you|y'all|u|your\s+(?:shop|store|site|website|company))(?:\s+guys)?"
                    r"\s+(?:(?:still|even|also|ever)\s+)?(?:sell|carry|stock)s?\b(?P<thing>[^?.!;\n]*)", re.IGNORECASE)
# Not a thing for sale: "carry out repairs", "stock up", "sell my data", "sell it back".
_NOT_A_THING = re.compile(r"^\s*(?:out|up|on|my|our|me|us|it|them|this|that|these|those|his|her|their)\b",
                          re.IGNORECASE)
_WORD = re.compile(r"[a-z]{3,}")


def _name_words(catalogue: Sequence[str]) -> frozenset[str]:
    return frozenset(w for name in catalogue for w in _WORD.findall(name.lower()))


def _ours(thing: str, catalogue: Sequence[str]) -> bool:
    """Does ``thing`` name a product of the catalogue, or a word of one's name (a plural too)?"""
    if match_products(thing, catalogue):
        return True
    words = _name_words(catalogue)
    return any(w in words or w.rstrip("s") in words or w.removesuffix("es") in words
               for w in _WORD.findall(thing.lower()))


def unsold_asked(words: str, catalogue: Sequence[str]) -> list[str]:
    """The questions of a message whether the shop sells something the catalogue does not have (see the module)."""
    if not catalogue:
        return []
    return [found.group().strip() for found in _RANGE.finditer(words)
            if found["thing"].strip() and not _NOT_A_THING.match(found["thing"])
            and not _ours(found["thing"], catalogue)]


def with_unsold_asked(intents: list[IntentGuess], words: str, catalogue: Sequence[str], router: IntentModel,
                      seen: dict[str, float]) -> list[IntentGuess]:
    """The router's intents with a question about something the shop does not sell read as out of scope, and the
    router's reading of that question alone dropped (see the module)."""
    asked = unsold_asked(words, catalogue)
    if not asked:
        return intents
    # What the rest of the message asks keeps its reading ("do you sell X? and what delivery options are there?").
    rest = words
    for question in asked:
        rest = rest.replace(question, " ")
    told = {i.intent for i in router.detect(rest)[0]} if len(rest.split()) >= 3 else set()
    misread = {scores[0].intent for scores in router.classify(asked)} - {OUT_OF_SCOPE} - told
    kept = [i for i in intents if i["intent"] not in misread]
    sure = max(seen.get(OUT_OF_SCOPE, 0.0), SECONDARY_THRESHOLD)
    if not any(i["intent"] == OUT_OF_SCOPE for i in kept):
        kept.append({"intent": OUT_OF_SCOPE, "confidence": sure})
    return kept
