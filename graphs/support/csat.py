"""Customer satisfaction (CSAT): read a 1–5 rating off a customer's message and store it in the audit log.

When a conversation reaches a resolved outcome, the reply asks for a rating (``prompts/replies/csat_ask.j2``).
The customer's next message, if it is a rating ("5", "4/5", "five stars", "great, 5"), is stored as one
``csat`` audit event ``{"score", "comment", "source"}`` and acknowledged instead of being understood as a new
request; anything else continues the conversation as usual. ``SupportService.rate`` stores a rating given
outside the conversation (a survey link, an agent desktop) the same way. A thread's latest rating counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from foundation.audit import AuditLog
from foundation.redact import redact

CSAT_EVENT = "csat"
MIN_SCORE, MAX_SCORE = 1, 5
MAX_COMMENT_CHARS = 2000
# A bare number is a rating only in a short message; "I have 2 more questions" is not one.
MAX_WORDS_AROUND_BARE_SCORE = 5

_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_NUMBER = r"(?P<n>[1-5]|one|two|three|four|five)"
# "4/5", "4 out of 5", "4 of 5", "5 stars", "five stars", "★★★★★"
_SCALED = re.compile(rf"(?<![\w$#])(?<!\d\.){_NUMBER}\s*(?:/\s*5|out\s+of\s+(?:5|five)|of\s+(?:5|five)|stars?)"
                     r"(?!\w|\.\d)", re.I)
_BARE = re.compile(rf"(?<![\w$#])(?<!\d\.){_NUMBER}(?![\w%]|\.\d)", re.I)
_STARS = re.compile(r"^[\s★⭐]*$")
_DIGITS = re.compile(r"\d")

Source = Literal["conversation", "api"]


@dataclass(frozen=True)
class Rating:
    score: int
    comment: str | None


def rating_of(text: str) -> Rating | None:
    """The 1–5 rating a message gives, with the rest of the message as its comment; None if it gives none.

    A message is a rating when it states one score on the 1–5 scale explicitly ("4/5", "4 out of 5",
    "five stars", a row of stars), or when a bare score opens or closes a short message ("5", "great, 5",
    "5 - thanks!"). Messages with other numbers in them (order ids, amounts) are not ratings.
    """
    clean = text.strip()
    if not clean or len(clean) > MAX_COMMENT_CHARS:
        return None
    if _STARS.match(clean) and 1 <= (stars := sum(clean.count(c) for c in "★⭐")) <= MAX_SCORE:
        return Rating(stars, None)
    scaled = list(_SCALED.finditer(clean))
    if len(scaled) == 1:
        match = scaled[0]
    elif scaled:
        return None
    else:
        bare = list(_BARE.finditer(clean))
        if len(bare) != 1:
            return None
        match = bare[0]
        before, after = clean[: match.start()], clean[match.end():]
        words = len(re.findall(r"[A-Za-z']+", before + " " + after))
        at_edge = not re.search(r"\w", before) or not re.search(r"\w", after)
        if not at_edge or words > MAX_WORDS_AROUND_BARE_SCORE:
            return None
    rest = (clean[: match.start()] + " " + clean[match.end():]).strip()
    if _DIGITS.search(rest):
        return None  # "5 items in order 10003": the number is not a score
    raw = match.group("n").lower()
    score = int(raw) if raw.isdigit() else _WORDS[raw]
    comment = re.sub(r"^[\s,.;:!\-–—]+|[\s,.;:\-–—]+$", "", rest)
    return Rating(score, comment or None)


def check_score(score: object) -> int:
    """A score given through the API: an integer from 1 to 5, else ValueError saying so."""
    if isinstance(score, bool) or not isinstance(score, int | str):
        raise ValueError(f"a CSAT score is a whole number from {MIN_SCORE} to {MAX_SCORE}")
    try:
        value = int(str(score).strip())
    except ValueError:
        raise ValueError(f"a CSAT score is a whole number from {MIN_SCORE} to {MAX_SCORE}, not {score!r}") from None
    if not MIN_SCORE <= value <= MAX_SCORE:
        raise ValueError(f"a CSAT score is a whole number from {MIN_SCORE} to {MAX_SCORE}, not {value}")
    return value


def record_rating(audit: AuditLog, thread_id: str, turn: int, rating: Rating, *, source: Source,
                  at: datetime) -> None:
    """Store a rating as a ``csat`` audit event (the comment as the audit log keeps text: redacted)."""
    comment = redact(rating.comment)[:MAX_COMMENT_CHARS] if rating.comment else None
    audit.record(thread_id, turn, CSAT_EVENT, {"score": rating.score, "comment": comment, "source": source}, at=at)
