"""A refund asked in parts: "$90 of it now and the rest next month", "$100 back on the card and the remaining $79
as store credit", "$60 today and $60 on Friday". The approval limit (policy 2) applies to what the request comes to
in all, not to each part: a request above the limit is not cut into pieces each below it. What the request comes
to: everything still refundable on the order when it names a sum and asks for the rest too, else the amounts it
names for the refund (not the prices of the order it quotes) added up, no more than what is left to refund.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from graphs.reasoners.local.entities import extract_entities

# The rest of the order's money asked for beside a part ("and the rest next week", "the remaining $79 to a gift
# card", "the other $79 as credit", "whatever's left later"), not kept ("keep the rest", "the rest is fine") nor
# the rest of the items.
_REST = re.compile(r"\b(?:the\s+(?:rest|remainder|remaining|balance)|whatever(?:'?s| is)\s+left|the\s+other\s+"
                   r"(?=[$€£]?\d))"
                   r"(?!\s+of\s+(?:the|my|this|that)\s+(?!money|amount|refund|balance)\w+)"
                   r"(?!\s+(?:is|are|was|were|can stay|stays?)\b)", re.I)
_KEPT = re.compile(r"\b(?:keep|keeping|kept|hold on to|hang on to)\s+(?:\w+\s+)?$", re.I)


def asked_in_all(words: str, order: dict[str, Any], left: float | None) -> float | None:
    """What a refund request asking for the order's money in parts comes to in all (``left``: what the order can
    still refund; ``order``: its record, whose prices the words may quote); None when it asks for no parts."""
    if left is None or not words:
        return None
    items = order.get("items") or []
    prices = {round(float(order.get("total") or 0), 2)} | {
        round(float(item.get(key) or 0), 2) for item in items for key in ("unit_price", "line_total")}
    # (amounts are read alike whatever day it is)
    named = [float(a["value"]) for a in extract_entities(words, now=datetime.now(UTC)).get("amounts") or []]
    parts = [a for a in named if round(a, 2) not in prices]
    if parts and any(not _KEPT.search(words[:m.start()]) for m in _REST.finditer(words)):
        return round(float(left), 2)  # a sum and the rest: all of it ("the rest of the cables" names no money)
    return round(min(sum(parts), float(left)), 2) if len(parts) > 1 else None
