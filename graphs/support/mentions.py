"""Which records a customer's words point at: the words they want and the ones they rule out.

Customers name products by a word of the name ("the headphones one", "the keyboard"), not the catalogue's full
name, and they often say what they do NOT mean in the same breath ("the keyboard, not the mouse", "the mouse is
fine", "not fussed about the little speaker"). Among a few candidate records (a customer's orders, an order's
items) a word that tells one from the others is enough, with typos tolerated (rapidfuzz). A word's polarity is
that of its last mention: later words correct earlier ones ("the mouse — hang on, the keyboard, not the mouse").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from rapidfuzz import fuzz

WANTED, UNWANTED = "wanted_words", "unwanted_words"
_WORD = re.compile(r"[a-z0-9]+")
# A clause ends at punctuation, a dash between spaces, or a contrast ("but", "however", "though").
_CLAUSE = re.compile(r"[.!?;,:()\n]+|\s[-–—]+\s|\b(?:but|however|although|though|whereas)\b", re.IGNORECASE)
# A clause that rules out what it names ("not the mouse", "the mouse is fine", "the case is lovely", "keep the
# case", "apart from the charger", "not fussed about the speaker", "scratch the earbuds bit"); a negated state
# ("the cable wasn't in the box") rules nothing out, nor does "keep" that means "go on" ("the earbuds keep cutting
# out"). What "stays" at the clause's end is kept ("the charger and case stay"); a state it stays in is no keeping
# ("it won't stay connected").
_RULES_OUT = re.compile(
    r"\bnot (the|that|this|those|these|my|a|an|fussed|bothered|worried)\b|\b(is|are|'s|'re|was|were) "
    r"((really|totally|absolutely|perfectly|just) )?(fine|ok|okay|good|great|perfect|lovely|nice|brilliant|alright|"
    r"all right)\b|\b(happy|pleased|satisfied|delighted) with\b|\blove (the|my|that|this)\b|"
    r"\bkeep(ing)?\b(?! (on )?\w+ing\b)|\b(hang|hold)(ing)? on to\b|\b(except|apart from|other than|besides)\b|"
    r"\b(don't|do not) (care|mind) about\b|\b(scratch|forget( about)?|never ?mind( about)?|ignore|disregard|leave out)"
    r" (the|that|my)\b|\b(stays?|staying|remains?)\W*$", re.IGNORECASE)
_SAME_WORD = 85  # fuzz.ratio for two words of four letters or more to count as the same word (a typo)


# A size as a catalogue name writes it: "55 inch", "55-inch", '55"' are its "55in".
_SIZE = re.compile(r"\b(\d{1,3})\s*(?:-\s*)?(?:inch(?:es)?\b|in\b|\"|'')", re.IGNORECASE)


def _clauses(text: str) -> Iterator[tuple[list[str], bool]]:
    """Each clause's words (two letters or more), and whether the clause keeps what it names (rules nothing out)."""
    for clause in _CLAUSE.split(_SIZE.sub(r"\1in", text)):
        yield [w for w in _WORD.findall(clause.lower()) if len(w) >= 2], _RULES_OUT.search(clause) is None


def word_polarity(text: str) -> dict[str, list[str]]:
    """The words of ``text`` the customer wants and those they rule out (each word by its last mention)."""
    polarity: dict[str, bool] = {}
    for words, positive in _clauses(text):
        for word in words:
            polarity.pop(word, None)
            polarity[word] = positive
    return {WANTED: [w for w, p in polarity.items() if p], UNWANTED: [w for w, p in polarity.items() if not p]}


def _words(value: Any) -> set[str]:
    names = value if isinstance(value, list) else [value]
    return {w for name in names if isinstance(name, str) for w in _WORD.findall(name.lower()) if len(w) >= 2}


def _same(a: str, b: str) -> bool:
    if a == b or a.rstrip("s") == b.rstrip("s"):
        return True
    return min(len(a), len(b)) >= 4 and fuzz.ratio(a, b) >= _SAME_WORD


def _said(words: Iterable[str], said: Sequence[str]) -> bool:
    return any(_same(w, s) for w in words for s in said)


def by_words(candidates: list[dict[str, Any]], field: str, described: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """The candidates whose ``field`` (a name, or a list of names) has a word the customer wants that tells it
    from the other candidates (a word last mentioned in a clause that rules it out is not wanted). Empty when the
    words fit none."""
    wanted = described.get(WANTED, [])
    if not wanted:
        return []
    own = [_words(c.get(field)) for c in candidates]
    shared = set.intersection(*own) if len(own) > 1 else set()
    unwanted = described.get(UNWANTED, [])
    kept = []
    for candidate, words in zip(candidates, own, strict=True):
        telling = words - shared
        # a record the customer rules out by more of its words than they want of it is not meant ("cancel the
        # laptop one, keep the mouse and sleeve order": the Laptop Sleeve's order)
        said = sum(any(_same(w, s) for s in wanted) for w in telling)
        if said and said >= sum(any(_same(w, s) for s in unwanted) for w in telling):
            kept.append(candidate)
    return kept


def ruled_out(names: Sequence[str], text: str) -> list[str]:
    """Of the product ``names`` a message mentions, those its last mention rules out: "not the mouse", or "a
    mouse and a laptop sleeve. The sleeve is lovely, but the mouse ..." (the sleeve: named first in a plain list,
    then ruled out). A name's mention is a clause with a word that tells it from the other names."""
    own = [_words(n) for n in names]
    shared = set.intersection(*own) if len(own) > 1 else set()
    last: dict[str, bool] = {}
    for said, positive in _clauses(text):
        for name, words in zip(names, own, strict=True):
            if _said(words - shared, said):
                last[name] = positive
    return [n for n in names if last.get(n) is False]
