"""What a customer's description of a record says (amounts, dates, products, words of a name) and which records
fit it: the matching behind ``lookups.settle_lookup`` and ``answer_choices``."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from graphs.reasoners.local.entities import Entities
from graphs.support.flow_spec import Lookup
from graphs.support.mentions import by_words, ruled_out, word_polarity
from graphs.support.record_traits import narrow, tells_trait, traits_in

# What a description may say about a record, and the entity that says it.
DESCRIBED = ("amounts", "dates", "products")
# A price written without a currency ("two 9.99s", "a 59.99 charge") still describes an amount.
_BARE_PRICE = re.compile(r"(?<![\d.,])(\d{1,6}[.,]\d{2})(?![\d.,]*\d)")
_DAY_MONTH = re.compile(r"(?<![\d.,$€£])\b(\d{1,2})[./](\d{1,2})\b(?![.,/]?\d)")
_DAY_OF_MONTH = re.compile(r"\b(?:the|on) (\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)
# A record described by when it came, not what it holds: "my latest order", "the most recent one", "the newest".
RECENT = re.compile(r"\b(?:latest|newest|most recent|(?:my|the) last (?:one|order|invoice|charge|bill))\b", re.I)
# A record named by its place among those that fit: "the second one", "the earlier order", "the original invoice"
# (its index in date order; -1 the later of them). A list the agent showed orders them by its own order instead
# (``ORDINALS``: "the second one" of a question listing two records is the one listed second).
_POSITION = re.compile(r"\b(?:the|that|this) (first|1st|earlier|earliest|older|oldest|original|second|2nd|later|newer)"
                       r" (one|order|invoice|charge|payment|bill)\b", re.I)
_POSITIONS = {"first": 0, "1st": 0, "earlier": 0, "earliest": 0, "older": 0, "oldest": 0, "original": 0,
              "second": 1, "2nd": 1, "later": -1, "newer": -1}
ORDINALS = frozenset({"first", "1st", "second", "2nd"})


def listed_position(text: str) -> int | None:
    """The place in a list the agent showed that the text names ("the second one"), else None."""
    found = _POSITION.search(text)
    return _POSITIONS[found.group(1).lower()] if found and found.group(1).lower() in ORDINALS else None
DATE_TOLERANCE_DAYS = 3  # customers remember the day a charge showed on their bank app, not when it was issued


def described_in(text: str, entities: Entities, now: datetime | None = None) -> dict[str, list[Any]]:
    """What a message says that may identify a record: amounts (with or without a currency), dates (also "14.02"
    and "the 27th", read against ``now``), products."""
    amounts = [float(a["value"]) for a in entities.get("amounts", [])]
    amounts += [v for m in _BARE_PRICE.finditer(text) if (v := float(m.group(1).replace(",", "."))) not in amounts]
    dates = list(entities.get("dates", []))
    dates += [d for d in _short_dates(text, now) if d not in dates] if now is not None else []
    traits = traits_in(text, now)
    dates += [d for d in traits.pop("dates", []) if d not in dates]
    words = word_polarity(text)
    out = set(ruled_out(entities.get("products", []), text))
    products = [p for p in entities.get("products", []) if p not in out]
    found: dict[str, list[Any]] = {"amounts": amounts, "dates": dates, "products": products, **words,
                                   "recent": [True] if RECENT.search(text) else [],
                                   "position": [_POSITIONS[m.group(1).lower()] for m in _POSITION.finditer(text)][:1],
                                   **traits}
    return {k: v for k, v in found.items() if v}


def _short_dates(text: str, now: datetime) -> list[str]:
    """Dates written without a month name: "14.02" or "02/14" (either order that is a date), "the 27th" (the
    latest such day), each the latest one not after ``now``."""
    today = now.date()
    found = []
    for m in _DAY_MONTH.finditer(text):
        a, b = int(m.group(1)), int(m.group(2))
        found += [d for day, month in ((a, b), (b, a)) if (d := _latest(today, month, day))]
    for m in _DAY_OF_MONTH.finditer(text):
        month = today.month if int(m.group(1)) <= today.day else (today.month - 2) % 12 + 1
        found += [d for d in [_latest(today, month, int(m.group(1)))] if d]
    return [d.isoformat() for d in dict.fromkeys(found)]


def _latest(today: date, month: int, day: int) -> date | None:
    for year in (today.year, today.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate <= today:
            return candidate
    return None


def matches(candidates: list[dict[str, Any]], lookup: Lookup, described: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """The candidates that fit every described criterion of the lookup (a criterion not described keeps all)."""
    kept = candidates
    for entity, field in lookup.match.items():
        wanted = described.get(entity)
        if entity == "products" and not (wanted and any(_fits(entity, c.get(field), w) for c in kept for w in wanted)):
            # No full product name that fits: a word of a name that tells it from the others ("the headphones").
            kept = by_words(kept, field, described) or (kept if not wanted else [])
        elif wanted:
            narrowed = [c for c in kept if any(_fits(entity, c.get(field), w) for w in wanted)]
            if entity == "dates" and len(narrowed) > 1:
                # Of records within the tolerance, those nearest the day named: "the charge on Feb 14" is the
                # one issued on the 14th rather than the one of the 12th.
                nearest = min(_days_off(c.get(field), wanted) for c in narrowed)
                narrowed = [c for c in narrowed if _days_off(c.get(field), wanted) == nearest]
            # A remembered date only narrows: "feb 1" for a charge issued on the 29th of January still counts.
            kept = narrowed if narrowed or entity != "dates" else kept
    kept = narrow(kept, lookup.match, described)  # "the pricier one", "the one still on its way"
    dated = lookup.match.get("dates")
    if described.get("recent") and dated and len(kept) > 1:
        # "the most recent one": of the records that fit the rest of the description, the one dated last
        newest = max(str(c.get(dated) or "") for c in kept)
        kept = [c for c in kept if str(c.get(dated) or "") == newest]
    position = described.get("position")
    if position and dated and len(kept) > 1 and position[0] < len(kept):
        # "the second one": of the records that fit the rest of the description, that one in date order
        kept = [sorted(kept, key=lambda c: str(c.get(dated) or ""))[position[0]]]
    return kept


def _days_off(value: Any, wanted: list[Any]) -> int:
    """How many days the record's date (one of them, for a record with several) is from the nearest named day."""
    values = value if isinstance(value, list) else [value]
    days = [abs((date.fromisoformat(str(v)[:10]) - date.fromisoformat(str(w)[:10])).days)
            for v in values for w in wanted if _fits("dates", v, w)]
    return min(days, default=DATE_TOLERANCE_DAYS + 1)


def describes(candidate: dict[str, Any], lookup: Lookup, described: dict[str, list[Any]]) -> bool:
    """Does something the customer described fit this record (an amount, a date, a product or a word of its name)?"""
    for entity, field in lookup.match.items():
        if any(_fits(entity, candidate.get(field), w) for w in described.get(entity, [])):
            return True
        if entity == "products" and by_words([candidate], field, described):
            return True
    if tells_trait(candidate, lookup.match, described):
        return True
    return bool(described.get("recent") or described.get("position")) and "dates" in lookup.match


def _fits(entity: str, value: Any, wanted: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, list):  # a record with several (an order's products): one of them fits
        return any(_fits(entity, v, wanted) for v in value)
    if entity == "amounts":
        return abs(float(value) - float(wanted)) < 0.005
    if entity == "dates":
        try:
            return abs((date.fromisoformat(str(value)[:10]) - date.fromisoformat(str(wanted)[:10])).days) \
                <= DATE_TOLERANCE_DAYS
        except ValueError:
            return False
    return str(wanted).casefold() in str(value).casefold() or str(value).casefold() in str(wanted).casefold()
