"""A refund asked in parts: "$90 of it now and the rest next month", "$70 to my card and whatever is left
as a gift card", "$60 today and $60 on Friday". The approval limit (policy 2) applies to what the request comes to
in all, not to each part: a request above the limit is not cut into pieces each below it. What the request comes
to: everything still refundable on the order when it names a sum and asks for the rest too, else the amounts it
names for the refund (not the prices of the order it quotes) added up, no more than what is left to refund.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from graphs.reasoners.local.entities import extract_entities

# The rest of the money asked for beside a part ("and the rest next week", "the remaining $79 to a gift card",
# "the other $79 as credit", "whatever's left later"), not kept ("keep the rest", "the rest is fine") nor the rest
# of the items.
_REST = re.compile(r"\b(?:the\s+(?:rest|remainder|remaining|balance)|whatever(?:'?s| is)\s+left|the\s+other\s+"
                   r"(?=[$€£]?\d))"
                   r"(?!\s+of\s+(?:the|my|this|that)\s+(?!money|amount|refund|balance)\w+)"
                   r"(?!\s+(?:is|are|was|were|can stay|stays?)\b)", re.I)
_KEPT = re.compile(r"\b(?:keep|keeping|kept|hold on to|hang on to)\s+(?:\w+\s+)?$", re.I)
# The rest declined in the words after it, up to the clause's end ("the rest I'll just live with", "the remainder
# I don't need back", "the rest isn't worth it").
_DECLINED = re.compile(r"^[^,.;!?]*?\b(?:live with|keep|keeping|eat|absorb|write off|forget|(?:do|does|will|would|"
                       r"is|are)(?:n'?t| not)|no need|never mind)\b", re.I)
# The rest given as a sum ("the remaining $49.99"): that sum is a part like any other.
_SUM = re.compile(r"^\s*(?:of\s+)?[$€£]?\d", re.I)
# A sum of money spelled out ("sixty dollars", "one hundred and twenty bucks"): a part like one in figures.
_UNITS = {w: i for i, w in enumerate([
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"])}
_TENS = {w: 10 * i for i, w in enumerate(
    ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]) if w}
_DIGIT = "|".join(w for w, i in _UNITS.items() if i < 10)
_SMALL = rf"(?:(?:{'|'.join(_TENS)})(?:[\s-](?:{_DIGIT}))?|{'|'.join(sorted(_UNITS, key=len, reverse=True))})"
_SPELLED = re.compile(rf"\b(?:(?:(?:a|{_SMALL})\s+hundred)(?:\s+(?:and\s+)?{_SMALL})?|{_SMALL})\s+"
                      r"(?:dollars?|bucks|pounds?|euros?)\b", re.I)


def _spelled_value(words: str) -> float:
    """The value of a spelled-out sum ("one hundred and five dollars": 105)."""
    total = part = 0
    for word in re.findall(r"[a-z]+", words.lower()):
        if word == "hundred":
            part, total = 0, total + max(part, 1) * 100
        elif word == "a":
            part = 1
        else:
            part += _UNITS.get(word, _TENS.get(word, 0))
    return float(total + part)


def asked_in_all(words: str, order: dict[str, Any], left: float | None, now: datetime) -> float | None:
    """What a refund request asking for money in parts comes to in all (``left``: what the order can still
    refund; ``order``: its record, whose prices the words may quote; ``now``: the graph's time, with which amounts
    are read); None when it asks for no parts. The rest is of the items the words name when they name some of the
    order's items (the earbuds' rest, not the order's), else of the order."""
    if left is None or not words:
        return None
    items = order.get("items") or []
    prices = {round(float(order.get("total") or 0), 2)} | {
        round(float(item.get(key) or 0), 2) for item in items for key in ("unit_price", "line_total")}
    named = [float(a["value"]) for a in extract_entities(words, now=now).get("amounts") or []]
    named += [_spelled_value(m[0]) for m in _SPELLED.finditer(words)]
    # A sum above all the order was ever charged is no part of its money (the month's rent quoted beside it).
    most = max(float(left), float(order.get("total") or 0))
    parts = [a for a in named if round(a, 2) not in prices and a <= most]
    rests = [m for m in _REST.finditer(words) if not _KEPT.search(words[:m.start()])
             and not _DECLINED.match(words[m.end():])]
    if parts and rests and not all(_SUM.match(words[m.end():]) for m in rests):
        return round(min(float(left), _of_items_named(words, items)), 2)  # a sum and the rest: all of it
    return round(min(sum(parts), float(left)), 2) if len(parts) > 1 else None


def _of_items_named(words: str, items: list[dict[str, Any]]) -> float:
    """What the order's items the words name cost ("the earbuds"), or infinity when they name none or all."""
    lowered = words.lower()
    named = [item for item in items if any(
        re.search(rf"\b{re.escape(w)}", lowered) for w in re.findall(r"[a-z0-9]+", str(item.get("name") or "").lower())
        if len(w) >= 4 and not w.isdigit())]
    if not named or len(named) == len(items):
        return float("inf")
    return sum(float(item.get("line_total") or item.get("unit_price") or 0) for item in named)
