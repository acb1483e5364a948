"""A reply that corrects part of a value given before: "*gmail", "i meant holt not hlot", "gmail not gmial".

Customers fix a typo by retyping only the word they got wrong. The word is matched against the pieces of the
values the conversation holds (an email's name and domain words): a piece a few typing edits away from it, and
no other piece as close, is replaced. The result is the whole value again, as if the customer had retyped it.
Only a short reply with a correction cue (a "*", "i meant", "not ...") or a bare word is read this way: a longer
message is a message of its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rapidfuzz.distance import DamerauLevenshtein

# A reply this short may be a correction of one word; a longer one says something else.
MAX_WORDS = 6
# A piece and its correction differ by at most this many typing edits (a swap of two letters is one), and the
# piece keeps at least this many letters.
MAX_EDITS = 2
MIN_LETTERS = 3
_CUE = re.compile(r"\*|\b(?:i meant|meant|i mean|typo|not|sorry|oops|should be|it'?s)\b", re.IGNORECASE)
_PIECES = re.compile(r"[a-z0-9]+")
_NOT_A_WORD_FIX = frozenset({"omg", "lol", "sorry", "oops", "typo", "meant", "mean", "not", "should", "its",
                             "it's", "the", "that", "was", "wrong", "email", "mail", "address", "haha", "ugh"})


def repaired_values(text: str, values: Mapping[str, str]) -> dict[str, str]:
    """The values (by slot name) this reply corrects, rewritten with its word; empty if it corrects none.

    ``values`` are what the conversation holds for the slots it may correct (e.g. {"email": "a.holt@gmial.com"}).
    """
    words = re.findall(r"[A-Za-z0-9']+", text)
    if not words or len(words) > MAX_WORDS or (len(words) > 1 and not _CUE.search(text)) or "@" in text:
        return {}
    candidates = [w.lower() for w in words if len(w) >= MIN_LETTERS and w.lower() not in _NOT_A_WORD_FIX]
    out: dict[str, str] = {}
    for slot, value in values.items():
        if not isinstance(value, str) or not value:
            continue
        fixes = [(piece, word) for word in candidates for piece in dict.fromkeys(_PIECES.findall(value.lower()))
                 if piece != word and len(piece) >= MIN_LETTERS and _close(piece, word)]
        pieces = {piece for piece, _ in fixes}
        if len(pieces) != 1 or len({word for _, word in fixes}) != 1 or any(
                word in _PIECES.findall(value.lower()) for _, word in fixes):
            continue  # none, or no single piece it corrects
        piece, word = fixes[0]
        out[slot] = _replace_piece(value.lower(), piece, word)
    return out


def _close(piece: str, word: str) -> bool:
    edits = DamerauLevenshtein.distance(piece, word)
    return edits <= min(MAX_EDITS, max(1, len(piece) // 3)) and piece[0] == word[0]


def _replace_piece(value: str, piece: str, word: str) -> str:
    return re.sub(rf"(?<![a-z0-9]){re.escape(piece)}(?![a-z0-9])", word, value)
