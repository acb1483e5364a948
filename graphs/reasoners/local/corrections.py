"""Values taken back in the same breath: the words between a value and the one that corrects it ("12002, no sorry,
I mean 12003"), and the order ids a message keeps once its corrections are read (used by entities.py)."""

from __future__ import annotations

import re
from itertools import pairwise

ORDER_ID_MIN = 10001  # the order-id form (tools/common.py OrderId): a bare number below it is no order id

# What lies between a value and its correction: words that take it back ("— no sorry,", ", wait, it's", " I mean").
SELF_CORRECTION = re.compile(
    r"[\s,;:.!\u2013\u2014-]*(?:(?:no|nope|sorry|oops|wait|actually|correction|i mean|i meant|rather|make that|"
    r"should be|scratch that|not that)\b[\s,;:.!\u2013\u2014-]*)+(?:it'?s\s+|its\s+|it is\s+)?", re.IGNORECASE)


# Between an order id and the one that corrects it: the same words that take a value back, after a "then" or an
# "or" that would otherwise list it ("12002, no, 12003", "12002 then, no wait, order 12003", "12002 or rather
# 12003"); the record's noun may follow. "no." or "no #" before the next id is its number's abbreviation, a list.
_ORDER_CORRECTION = re.compile(rf"[\s,;:.!\u2013\u2014-]*(?:(?:then|or)\b)?(?:{SELF_CORRECTION.pattern})"
                               r"(?:(?:order|number|#)\s*)?", re.IGNORECASE)
_NUMBER_ABBREVIATION = re.compile(r"\W*nos?\s*[.#]\s*", re.IGNORECASE)
_BARE_ID = re.compile(r"(\d{5,6})\b(?![.,/:-]?\d)")


def taken_back(text: str, orders: list[int]) -> list[int]:
    """The order ids without those the message takes back in the same breath ("cancel 12002, no sorry, I mean
    12003": 12003 alone); a correction comes last, and a bare number of an order id's shape right after an order id
    and a correction cue is one ("order 52002, no, 52003")."""
    spots = sorted((m.start(), m.end(), order) for order in orders
                   if (m := re.search(rf"(?<!\d){order}(?!\d)", text)))
    for _, end, _ in list(spots):
        gap = _ORDER_CORRECTION.match(text, end)
        fix = _BARE_ID.match(text, gap.end()) if gap is not None and gap.end() > end else None
        if fix is not None and int(fix.group(1)) >= ORDER_ID_MIN and int(fix.group(1)) not in orders:
            orders = [*orders, int(fix.group(1))]
            spots.append((fix.start(1), fix.end(1), int(fix.group(1))))
    spots.sort()
    dropped = {first for (_, end, first), (start, _, _) in pairwise(spots)
               if _ORDER_CORRECTION.fullmatch(text, end, start)
               and not _NUMBER_ABBREVIATION.fullmatch(text, end, start)}
    return [order for order in orders if order not in dropped]
