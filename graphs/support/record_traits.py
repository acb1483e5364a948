"""A record told by what it is like rather than by its id: its price against the others', where it is on its way,
the part of today it was placed in.

Customers with several orders or charges name one by what sets it apart: "the pricier order" (of those that fit the
rest of what they said, the one that cost most), "the one that's still on its way" (not yet delivered), "the
one I ordered this morning" (placed today). Each such trait is read from the words (``traits_in``) and narrows
the records that fit everything else the customer described (``narrow``): a trait that fits exactly one of them
picks it; one that fits several leaves those to ask about; one that fits none tells nothing about these records
(it narrows only, like a remembered date). The record's fields are those the lookup matches, else the usual
ones of the shop's records (an order's ``total`` and ``status``, an invoice's ``amount``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

# The price of the record against the others that fit: +1 the dearest, -1 the cheapest. Only said of a record
# ("the pricier one", "the expensive order"), not of a price elsewhere ("found it cheaper at another shop").
_PRICE = re.compile(
    r"\b(?:the|that|this|my|our)\s+(?:(?:more|most|less|least|really|very|super)\s+)?"
    r"(expensive|pric(?:ey|ier|iest)|costl(?:y|ier|iest)|dear(?:er|est)?|cheap(?:er|est)?|inexpensive|"
    r"bigger|biggest|larger|largest|smaller|smallest)\s+"
    r"(?:(?:\w+\s+)?(?:one|ones|order|orders|purchase|charge|payment|invoice|bill)\b|of\s+(?:my|the|our|them|those|these)\b)",
    re.IGNORECASE)
_DEARER = frozenset({"expensive", "pricey", "pricier", "priciest", "costly", "costlier", "costliest", "dear",
                     "dearer", "dearest", "bigger", "biggest", "larger", "largest"})
_LESSER = re.compile(r"\b(?:less|least)\s+$", re.IGNORECASE)

# Where a record is on its way. Still to come: placed, being packed or sent but not delivered ("still on its
# way", "not arrived yet", "in transit"). Not sent yet: placed or being packed.
_COMING = re.compile(
    r"\b(?:(?:on|headed|heading|making)\s+(?:its|the|their|my|our)\s+way|in\s+transit|en\s+route|out\s+for\s+delivery|"
    r"still\s+(?:\w+\s+)?(?:coming|due|travell?ing|to\s+come|out)|"
    r"yet\s+to\s+(?:arrive|come|be\s+delivered)|(?:has\s*n[o']?t|have\s*n[o']?t|not|n't)\s+(?:yet\s+)?"
    r"(?:arrived|come|been\s+delivered|turned\s+up|landed)\s+yet|(?:not|n't)\s+(?:here|arrived|delivered)\s+yet)",
    re.IGNORECASE)
_UNSENT = re.compile(
    r"\b(?:pending|still\s+processing|(?:has\s*n[o']?t|have\s*n[o']?t|not|n't)\s+(?:yet\s+)?(?:been\s+)?"
    r"(?:shipped|dispatched|sent(?:\s+out)?)(?:\s+yet)?)\b", re.IGNORECASE)
_ARRIVED = re.compile(r"\b(?:the|that|this|my)\s+(?:one|order)\s+(?:that|which)\s+(?:already\s+)?"
                      r"(?:arrived|came|was\s+delivered)\b", re.IGNORECASE)
COMING = ("pending", "processing", "shipped")
UNSENT = ("pending", "processing")
ARRIVED = ("delivered",)

# Today's part a record was placed in, no date of its own: "this morning", "earlier today", "tonight".
_TODAY = re.compile(r"\b(?:this\s+(?:morning|afternoon|evening)|earlier\s+today|tonight|an?\s+hour\s+ago|"
                    r"(?:a\s+few|couple\s+of|\d+)\s+hours\s+ago)\b", re.IGNORECASE)

# A month a record is dated in, no day named: "January's invoice", "the order from feb", "last month's charge";
# Christmas for December.
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = re.compile(r"\b(?:(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
                    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|christmas|xmas)(?:'s)?|"
                    r"(last|this|previous) month(?:'s)?)\b(?!\s*\d)(?!\s+(?:the\s+)?\d)", re.IGNORECASE)
# "may" is a month only where a record's words call it one ("in may", "may's invoice", "the may order").
_VERB_MAY = re.compile(r"\bmay\b(?!'s)", re.IGNORECASE)
_DAY_BEFORE = re.compile(r"\d(?:st|nd|rd|th)?\s+(?:of\s+)?$", re.IGNORECASE)
_MONTH_USE = re.compile(r"\b(?:in|from|of|since|before|after|during|the|my|our)\s+$", re.IGNORECASE)

# The fields a trait reads when the lookup matches none for it: the shop's orders, invoices and charges.
_AMOUNT_FIELDS = ("total", "amount")
_STATUS_FIELD = "status"


def traits_in(text: str, now: datetime | None = None) -> dict[str, list[Any]]:
    """The traits ``text`` tells a record by: "price" [+1 | -1], "status" [the statuses that fit], "dates"
    [today's, for a part of today]. Empty when it tells none."""
    found: dict[str, list[Any]] = {}
    price = _PRICE.search(text)
    if price is not None:
        dearer = price.group(1).lower() in _DEARER and not price.group(1).lower().startswith("inexp")
        lesser = _LESSER.search(text[price.start():price.start(1)]) is not None
        found["price"] = [1 if dearer != lesser else -1]
    if _UNSENT.search(text):
        found["status"] = list(UNSENT)
    elif _COMING.search(text):
        found["status"] = list(COMING)
    elif _ARRIVED.search(text):
        found["status"] = list(ARRIVED)
    if now is not None and _TODAY.search(text):
        found["dates"] = [now.date().isoformat()]
    months = [m for m in (_month(found_, text, now) for found_ in _MONTH.finditer(text)) if m] if now else []
    if months:
        found["month"] = list(dict.fromkeys(months))
    return found


def _month(found: re.Match[str], text: str, now: datetime | None) -> str | None:
    """The year and month ("2026-01") a month's mention names: the latest such month not after ``now``."""
    if now is None:
        return None
    if found.group(2):
        back = {"last": 1, "previous": 1, "this": 0}[found.group(2).lower()]
        year, month = (now.year, now.month - back) if now.month > back else (now.year - 1, 12)
        return f"{year:04d}-{month:02d}"
    name = found.group(1).lower()
    if _DAY_BEFORE.search(text[:found.start()]):
        return None  # "the 1st of February": a day, which the dates read
    if _VERB_MAY.fullmatch(found.group(0)) and not _MONTH_USE.search(text[:found.start()]):
        return None  # "may I ask", "it may be": no month
    month = 12 if name in {"christmas", "xmas"} else _MONTH_NAMES.index(name[:3]) + 1
    year = now.year if month <= now.month else now.year - 1
    return f"{year:04d}-{month:02d}"


def _field(candidates: list[dict[str, Any]], match: dict[str, str], entity: str, usual: tuple[str, ...]) -> str | None:
    if entity in match:
        return match[entity]
    return next((f for f in usual if candidates and all(f in c for c in candidates)), None)


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def narrow(candidates: list[dict[str, Any]], match: dict[str, str], described: dict[str, list[Any]]
           ) -> list[dict[str, Any]]:
    """Of the records that fit the rest of the description, those its traits pick (see the module); all of them
    when a trait fits none or the records do not show it."""
    kept = candidates
    status = described.get("status")
    field = _field(kept, match, "status", (_STATUS_FIELD,))
    if status and field and len(kept) > 1:
        fitting = [c for c in kept if str(c.get(field) or "").lower() in status]
        kept = fitting or kept
    month, dated = described.get("month"), match.get("dates")
    if month and dated and len(kept) > 1:
        fitting = [c for c in kept if str(c.get(dated) or "")[:7] in month]
        kept = fitting or kept
    price = described.get("price")
    field = _field(kept, match, "amounts", _AMOUNT_FIELDS)
    if price and field and len(kept) > 1:
        priced = [(n, c) for c in kept if (n := _number(c.get(field))) is not None]
        if len(priced) == len(kept):
            best = max(n * price[0] for n, _ in priced)
            kept = [c for n, c in priced if n * price[0] == best]
    return kept


def tells_trait(candidate: dict[str, Any], match: dict[str, str], described: dict[str, list[Any]]) -> bool:
    """Does a trait the customer told fit this record (its status), or is it one a record shows (its price)?"""
    status = described.get("status")
    field = _field([candidate], match, "status", (_STATUS_FIELD,))
    if status and field and str(candidate.get(field) or "").lower() in status:
        return True
    month, dated = described.get("month"), match.get("dates")
    if month and dated and str(candidate.get(dated) or "")[:7] in month:
        return True
    return bool(described.get("price")) and _field([candidate], match, "amounts", _AMOUNT_FIELDS) is not None
