"""Details the customer gives as someone else's: "his email is ...", "her zip is ...", "my husband's account
(...)". Only the verified customer's own account is discussed (policy 1): another person's details verify nobody,
whatever the customer holds, so they never fill the identity the agent checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Someone else's, just before the value in the same sentence: a third person's possessive, or a person of the
# customer's ("my ex's", "my husband's", "my son's").
_PEOPLE = (r"husband|wife|partner|ex|ex-husband|ex-wife|ex-partner|boyfriend|girlfriend|son|daughter|kid|child|"
           r"mum|mom|mother|dad|father|brother|sister|friend|neighbou?r|colleague|boss|flatmate|roommate")
_OTHERS = re.compile(rf"\b(his|her|their|(my|the) ({_PEOPLE})'?s|(of|for|belongs to) (my|the) ({_PEOPLE}))\b",
                     re.IGNORECASE)
_OWN = re.compile(r"\b(my|mine|i|i'm|me|our)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;]\s")
_REACH = 48  # characters before the value that may say whose it is


def others_details(text: str, identity: Mapping[str, Any]) -> set[str]:
    """The identity slots (email, customer_id, zip_code, card_last4) whose value the text gives as another
    person's: a third person's possessive is the last word of whose before the value."""
    out = set()
    lowered = text.lower()
    for slot, value in identity.items():
        at = lowered.find(str(value).lower()) if value is not None else -1
        if at < 0:
            continue
        before = lowered[max(0, at - _REACH):at]
        ends = list(_SENTENCE_END.finditer(before))
        before = before[ends[-1].end():] if ends else before
        others = list(_OTHERS.finditer(before))
        own = [m for m in _OWN.finditer(before) if not others or m.start() > others[-1].end()]
        if others and not own:
            out.add(slot)
    return out


# The customer says what they ask about is not theirs: "it's my husband's", "not mine", "someone else's order".
_NOT_MINE = re.compile(r"\b(not (mine|my order|my account)|isn'?t mine|someone else'?s|somebody else'?s)\b",
                       re.IGNORECASE)


def says_not_theirs(text: str) -> bool:
    """Does the customer give what they ask about as someone else's ("can you check my wife's order 48822?", "it's
    not mine, it's my son's")? Only then is the records' "not found on your account" the answer to them."""
    return _OTHERS.search(text) is not None or _NOT_MINE.search(text) is not None
