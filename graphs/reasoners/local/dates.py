"""Dates in a customer's words: "today", "last Tuesday", "3 days ago", "2025-06-01", "June 3rd", and days
remembered only roughly ("a few days ago"), resolved against the run's clock with dateparser
(graphs/reasoners/local/entities.py)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache

_DATE = re.compile(
    r"\b(?:today|yesterday|tomorrow|last (?:mon|tues|wednes|thurs|fri|satur|sun)day|last week|last month|"
    r"(?:\d+|a|one|two|three|four|five|six|seven) (?:days?|weeks?|months?) ago|"
    r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?|"
    r"\d{1,2}(?:st|nd|rd|th)? (?:of )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*)\b",
    re.IGNORECASE,
)
# Days remembered only roughly ("a few days ago", "a couple of days back", "the other day"): that many days before
# today, which the lookups' date tolerance widens (graphs/support/descriptions.py).
_ROUGH_DAYS = re.compile(
    r"\b(?:(?:a )?(?P<n>few|couple(?: of)?|several|\d+|one|two|three|four|five|six|seven) days? (?:ago|back)|"
    r"the other day|earlier this week)\b", re.IGNORECASE)
_ROUGH_COUNT = {"few": 3, "couple": 2, "couple of": 2, "several": 4, "one": 1, "two": 2, "three": 3, "four": 4,
                "five": 5, "six": 6, "seven": 7}
# every digit-free alternative of _DATE and _ROUGH_DAYS has one
_DAY_WORDS = ("today", "yesterday", "tomorrow", "last", "ago", "back", "other day", "this week")


def may_name_a_day(text: str) -> bool:
    """Whether ``_DATE`` may match ``text`` though it has no digit: only by its words (any case, so ASCII only)."""
    if not text.isascii():
        return True
    lowered = text.lower()
    return any(word in lowered for word in _DAY_WORDS)


def parse_dates(text: str, now: datetime) -> list[str]:
    base = now.replace(tzinfo=None)
    out = [d for m in _DATE.finditer(text) if (d := _parse_date(m.group(0).lower(), base)) is not None]
    for m in _ROUGH_DAYS.finditer(text):
        n = (m.group("n") or "few").lower()
        out.append((base - timedelta(days=int(n) if n.isdigit() else _ROUGH_COUNT[n])).date().isoformat())
    return list(dict.fromkeys(out))


@lru_cache(maxsize=4096)
def _parse_date(phrase: str, base: datetime) -> str | None:
    """One date phrase resolved against ``base`` (cached: dateparser takes ~10 ms, and phrases repeat)."""
    # inside: dateparser is slow to import; only date phrases need it
    import dateparser

    parsed = dateparser.parse(phrase, settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"})
    return parsed.date().isoformat() if parsed is not None else None
