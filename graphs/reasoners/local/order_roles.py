"""Which of several order ids a long message is about, and which it only tells as background.

A customer who writes at length names other orders beside the one they write about: an earlier purchase that led
to this one ("back in December I bought the TV, order 39920, and it's been great, so I ordered the soundbar: order
48213"), another order they also have ("we also placed 30417 in spring; leave that one alone"), the order a
charge cannot be ("my previous order was 27764, it can't be this"). Such an id is background: the
words about it (its clause and the clauses after it up to the sentence's end or the next order id) place it
apart from the request (another, earlier or separate order, one to leave alone) or say it gives no trouble
("works fine", "it's been great"). Ids told as another record rank after those told as untroubled, which rank
after plain ones; the message's order otherwise stays (``rank_orders``). A request whose own clause names no
order takes the order told before it that is not background (graphs/support/requests.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# A sentence ends at a stop followed by a space ("1.8.03" and "$1,148.00" end nothing), a semicolon, a newline.
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|[;\n]")
# A clause ends at a comma before a space, a dash between spaces, or a joint that starts another thought.
_CLAUSE_BREAK = re.compile(r",(?=\s)|\s[-\u2013\u2014]+\s|:\s|\b(?:so|but|though|although|whereas|and then)\b",
                           re.IGNORECASE)
# Words placing an order apart from the request: another, earlier or separate order; one to leave alone; one the
# request cannot be about.
_OTHER_RECORD = re.compile(
    r"\b(?:before|prior to) that\b|\b(?:previous|prior|older|old|other|another|earlier|separate) (?:order|purchase)\b|"
    r"\balso (?:had|have|bought|ordered|got|placed|purchased|made)\b|"
    r"\b(?:last|previous|prior|earlier) (?:order|purchase) (?:was|were)\b|"
    r"\b(?:don'?t|do not|please don'?t|never) (?:touch|change|cancel|refund|need to touch)\b|"
    r"\bleave (?:it|that|that one|this one|them|those) (?:alone|as (?:it|they) (?:is|are)|be)\b|"
    r"\bcan'?t be (?:that|it|this|them)\b|\bnot (?:that|this) one\b", re.IGNORECASE)
# Words saying an order gives no trouble.
_UNTROUBLED = re.compile(
    r"\b(?:works?|working|worked) (?:fine|great|perfectly|well|without (?:any )?(?:trouble|problems?|issues?))\b|"
    r"\b(?:been|is|was|were|are|'s) (?:great|fine|perfect|brilliant|excellent)\b|\bnothing wrong with\b|"
    r"\bno (?:problems?|issues?|complaints?) with\b|\blove (?:it|them)\b", re.IGNORECASE)


def _spots(text: str, order: int) -> list[int]:
    return [m.start() for m in re.finditer(rf"(?<![\d.,]){order}(?!\d)", text)]


def _about(text: str, at: int, others: Sequence[int]) -> str:
    """The words about the order id at ``at``: from its clause's start to its sentence's end, or to the clause of
    the next order id in the sentence."""
    start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, at)), default=0)
    end = next((m.start() for m in _SENTENCE_END.finditer(text, at)), len(text))
    start = max([start, *(m.end() for m in _CLAUSE_BREAK.finditer(text, start, at))])
    later = [o for o in others if at < o < end]
    if later:
        end = max([at, *(m.start() for m in _CLAUSE_BREAK.finditer(text, at, min(later)))])
    return text[start:end]


def _rank(text: str, order: int, spots: Sequence[int]) -> int:
    """0 for a plain mention, 1 for an order told as untroubled, 2 for one told as another record; an order named
    plainly once is plain (its least background mention counts)."""
    ranks = []
    for at in _spots(text, order):
        words = _about(text, at, spots)
        ranks.append(2 if _OTHER_RECORD.search(words) else 1 if _UNTROUBLED.search(words) else 0)
    return min(ranks, default=0)


def rank_orders(text: str, orders: Sequence[int]) -> list[int]:
    """The order ids, those the message tells as background last (see module); unchanged for one id."""
    if len(orders) < 2:
        return list(orders)
    spots = sorted(at for order in orders for at in _spots(text, order))
    return sorted(orders, key=lambda order: _rank(text, order, spots))


def background_orders(text: str, orders: Sequence[int]) -> set[int]:
    """Of several order ids, those the message tells more as background than another (see module): "it works
    great" of the one charged twice, "my previous order was 27764, it can't be this" of the other."""
    if len(orders) < 2:
        return set()
    spots = sorted(at for order in orders for at in _spots(text, order))
    ranks = {order: _rank(text, order, spots) for order in orders}
    return {order for order, rank in ranks.items() if rank > min(ranks.values())}


_NUMBER = re.compile(r"(?<![\d.,$€£#/:-])(\d{5,6})(?![\d/:-]|[.,]\d)")


def background_numbers(text: str) -> set[int]:
    """``background_orders`` read from every number of an order id's shape in ``text`` (for a reader without the
    entities: the router)."""
    return background_orders(text, list(dict.fromkeys(int(n) for n in _NUMBER.findall(text))))


def tells_background(clause: str, background: set[int]) -> bool:
    """Does the clause name orders, all of them background ("an older purchase, 27764, is not this one
    either")? It tells the story around the request, and asks for nothing of its own."""
    named = {int(n) for n in _NUMBER.findall(clause)}
    return bool(named) and named <= background
