"""Typos mended against the words the project's own examples use ("Camcel order 12001", "Unsubscrieb me").

A word of five letters or more that is no English word we know (a whole word of MiniLM's WordPiece vocabulary, or
a word of the examples, or either with an -s, -ed or -ing ending) is replaced by the most frequent example word
within one edit of it (two for words of eight letters or more; a swap of two neighbouring letters is one edit: Damerau-
Levenshtein, rapidfuzz). Words of a value (an email, an id: any token with a digit or an @) and capitalised words
inside a sentence (names, places, brands) are left alone, and so is a word within reach of no example word or of
several equally frequent ones.
Words of other languages are no typos: a word of the router's glossary (gloss.py: "nicht", "donde", "carte") is
never mended, and a message using two or more of them is written partly in another language, whose other words
("cours", "tombent") are not mended into English ones either.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from importlib import resources

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from foundation.minilm_onnx import model_dir
from graphs.reasoners.local.gloss import foreign_words, glossary_words

_WORD = re.compile(r"[A-Za-z][a-z']*")
_VALUE = re.compile(r"\S*[@\d]\S*")  # an email, an id, an amount: a word inside one is part of a value
_LETTERS = re.compile(r"[a-z]+")
MIN_LENGTH = 5
LONG = 8  # from this length two edits may be mended


@lru_cache(maxsize=1)
def vocabulary() -> tuple[frozenset[str], tuple[str, ...], tuple[int, ...]]:
    """The words we know (see the module's docstring), and the examples' words by frequency (most frequent
    first) with their counts."""
    text = resources.files("graphs.reasoners.local").joinpath("data", "intent_examples.jsonl").read_text("utf-8")
    counts = Counter(w for line in text.splitlines() if line.strip()
                     for w in _LETTERS.findall(json.loads(line)["text"].lower()) if len(w) >= 3)
    ranked = counts.most_common()
    pieces = json.loads((model_dir() / "tokenizer.json").read_text("utf-8"))["model"]["vocab"]
    known = frozenset(counts) | {w for w in pieces if w.isalpha() and w.islower()} | glossary_words()
    return known, tuple(w for w, _ in ranked), tuple(c for _, c in ranked)


def _known(word: str, known: frozenset[str]) -> bool:
    stems = [word]
    for ending, back in (("s", ""), ("es", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"), ("ly", "")):
        if word.endswith(ending):
            stems.append(word[: -len(ending)] + back)
    if word.endswith("nt"):  # "havent", "couldnt": a contraction without its apostrophe
        stems += [word[:-2], word[:-3]]
    return any(s in known for s in stems)


def _mend(word: str) -> str | None:
    known, ranked, counts = vocabulary()
    lowered = word.lower()
    if len(lowered) < MIN_LENGTH or "'" in lowered or _known(lowered, known):
        return None
    reach = 2 if len(lowered) >= LONG else 1
    hits = process.extract(lowered, ranked, scorer=DamerauLevenshtein.distance, score_cutoff=reach, limit=3)
    if not hits:
        return None
    best = min(d for _, d, _ in hits)
    closest = [(w, counts[i]) for w, d, i in hits if d == best]
    if len(closest) > 1 and closest[0][1] == closest[1][1]:
        return None  # two words equally likely: not a typo we can mend
    return max(closest, key=lambda wc: wc[1])[0]


def mend_typos(text: str) -> str:
    """``text`` with its typos mended (see the module's docstring)."""
    if len(foreign_words(text)) >= 2:
        return text  # partly in another language: its words are no English typos
    out = []
    at = 0
    values = [v.span() for v in _VALUE.finditer(text)]
    for m in _WORD.finditer(text):
        word = m.group()
        start = m.start()
        if any(a <= start < b for a, b in values):
            continue  # "priya.raman@example.com": the name before the @ is the email's
        sentence_start = not text[:start].strip() or text[:start].rstrip()[-1] in ".!?"
        neighbours = text[max(0, start - 1):m.end() + 1]
        if (word[0].isupper() and not sentence_start) or "@" in neighbours or any(c.isdigit() for c in neighbours):
            continue
        mended = _mend(word)
        if mended is not None:
            out.append(text[at:start])
            out.append(mended.capitalize() if word[0].isupper() else mended)
            at = m.end()
    out.append(text[at:])
    return "".join(out)
