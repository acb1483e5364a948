"""Troubleshooting guides for the parts of a customer's message: which part is about which product, and which
guide a part describes when it names no product ("my camera says memory card error")."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from tools.kb.ranking import head_text, tokens

if TYPE_CHECKING:
    from tools.kb.backend import Article

# A message's parts: its sentences and clauses ("…no signal, and my headphones won't pair").
_PART_BREAK = re.compile(r"\s*(?:[.!?;:\n]+|,|\s(?:and|but|while|plus|also)\s)\s*", re.IGNORECASE)
# Words that say something is wrong without saying what ("won't", "still not"): no guide is chosen by them.
_VAGUE = frozenset("won t not no don doesn isn aren can cannot will keep still anymore again just".split())  # noqa: SIM905
# A part names no product yet describes a guide when it shares this many of the guide's words.
MIN_SHARED_WORDS = 2


def split_parts(text: str) -> list[str]:
    """The sentences and clauses of ``text`` that have words in them, in order."""
    return [p for p in _PART_BREAK.split(text) if re.search(r"\w", p)]


def names_product(part: str, product: str) -> bool:
    """Whether ``part`` mentions ``product`` (a name or family as given): most of its words, typos allowed."""
    words = [w for w in re.findall(r"[a-z0-9]+", product.casefold().replace("_", " ")) if len(w) > 1]
    lowered = part.casefold()
    present = sum(1 for w in words if fuzz.partial_ratio(w, lowered) >= 85)
    return bool(words) and present / len(words) >= 0.6


def symptom_words(text: str) -> set[str]:
    """The words of ``text`` that can pick a guide (stemmed, without stop words and vague ones)."""
    return {w for w in tokens(text) if len(w) > 1 and w not in _VAGUE}


def shared_words(words: Iterable[str], guide: Article) -> int:
    """How many of ``words`` the guide's title, tags and family contain ("charge" finds "charging")."""
    head = symptom_words(head_text(guide))
    return sum(1 for w in set(words) if any(_same_word(w, h) for h in head))


def _same_word(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


def best_guide(product: str, problem: str, message: str, guides: Sequence[Article]) -> Article:
    """The guide about the product (sharing most words of its name); of those the one about its own problem,
    then about the whole message ("I have a Sentry doorbell. It won't pair."); the oldest of equals."""
    said = [symptom_words(text) for text in (product, problem, message)]
    return max(guides, key=lambda g: (*(shared_words(words, g) for words in said), -int(g.article_id[3:])))


def described_guide(part: str, guides: Sequence[Article]) -> Article | None:
    """The one guide that a part naming no product describes (at least MIN_SHARED_WORDS of its words, more than
    any other guide), or None."""
    words = symptom_words(part)
    scored = sorted(((shared_words(words, g), g) for g in guides), key=lambda sg: -sg[0])
    if not scored or scored[0][0] < MIN_SHARED_WORDS or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]
