"""Product names a message mentions: fuzzy matching against the store's catalogue, tolerating typos and partial
names (``match_products``; entity extraction's ``products``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

from rapidfuzz import fuzz, process


def match_products(text: str, catalogue: Sequence[str], *, threshold: float = 85.0) -> list[str]:
    """Catalogue product names the text mentions, tolerating typos and partial names, in the order mentioned.

    A name needs most of its words in the text. Words of the text belong to the name that accounts for them best:
    "Nimbus Smart Speaker" leaves no room for "Nimbus Mini Speaker", whose "mini" is missing. Names that match the
    same words equally ("Lumen 4K TV" for its 43, 55 and 65 inch sizes) give that product line once, in the
    catalogue's words, since the text does not say which of them it is.
    """
    if not catalogue:
        return []
    lowered = text.lower()
    tokens = list(_WORD.finditer(lowered))
    # Only names with enough words that may be in the text (an exact substring test, see _Catalogue) are scored:
    # the others cannot give a mention, so leaving them out of the fuzzy filter changes nothing.
    names = _catalogue(tuple(catalogue)).shortlist(lowered, [m.group() for m in tokens])
    if not names:
        return []
    # partial_token_set_ratio scores a single shared word highly: a cheap filter only, so no limit on the hits.
    # (Ties come out in the choices' order, which the shortlist keeps: the hits' order is the whole catalogue's.)
    hits = process.extract(lowered, [n.lowered for n in names], scorer=fuzz.partial_token_set_ratio,
                           limit=None, score_cutoff=threshold)
    words = [m.span() for m in tokens]
    mentions = [m for _, _, index in hits if (m := _mention(names[index], lowered, words)) is not None]
    kept = [m for m in mentions if not any(_outdone(m, other) for other in mentions)]
    kept = [m for m in kept if not _borrowed(m, kept)]
    lines: dict[frozenset[int], list[_Mention]] = {}
    for m in kept:
        lines.setdefault(m.at, []).append(m)
    found = [(sorted(at), same[0].name if len(same) == 1 else _line_name(same)) for at, same in lines.items()]
    return list(dict.fromkeys(name for _, name in sorted(found)))


_WORD = re.compile(r"[a-z0-9]+")
_WORD_SCORE = 85  # partial_ratio a name's word needs against the text to count as found
# A name's word found in a text word it fills less than this share of is only a part of that word ("buds" in
# "earbuds"); a typo or a plural still fills most of it.
_WHOLE_WORD = 0.75


class _Name(NamedTuple):
    """A catalogue name as match_products reads it."""

    name: str
    lowered: str
    own: tuple[str, ...]  # its words of two letters or more, in its spelling
    needles: tuple[str, ...]  # the same words lower-cased
    needed: int  # how many of its words must be found for a mention (0: it has none)


def _pieces(word: str) -> tuple[str, ...]:
    """Disjoint pieces of ``word``: every text ``fuzz.partial_ratio(word, text) >= 85`` holds one (text longer).

    That score is the Indel ratio 100 * (1 - e / (m + l)) of the m-letter word against a window of the text of
    l <= m letters, e the insertions and deletions between them; so e <= 0.15 * (m + l) <= 0.3 * m. An edit
    breaks at most one piece, and there are more pieces than edits: one piece stays whole, in the window.
    """
    parts = 3 * len(word) // 10 + 1
    size, extra = divmod(len(word), parts)
    bounds = [i * size + min(i, extra) for i in range(parts + 1)]
    return tuple(word[a:b] for a, b in pairwise(bounds))


class _Catalogue:
    """A catalogue's names, and which of them a text may mention (``shortlist``).

    Every word of every name has a bit; a text's bits are those of the words one of whose ``_pieces`` it holds.
    Pieces are letters and digits, so a piece in the text lies inside one of its ``_WORD`` tokens: the bits are
    worked out once per distinct token and OR-ed.
    """

    def __init__(self, catalogue: tuple[str, ...]) -> None:
        self.names: list[tuple[_Name, int]] = []
        self.piece_bits: dict[str, int] = {}
        bit = 0
        for name in catalogue:
            own = tuple(w for w in re.findall(r"[A-Za-z0-9]+", name) if len(w) > 1)
            needles = tuple(w.lower() for w in own)
            # the fewest words _mention accepts, computed as it tests them
            needed = next(k for k in range(len(own) + 1) if k / len(own) >= 0.6) if own else 0
            mask = 0
            for needle in needles:
                for piece in _pieces(needle):
                    self.piece_bits[piece] = self.piece_bits.get(piece, 0) | 1 << bit
                mask |= 1 << bit
                bit += 1
            self.names.append((_Name(name, name.lower(), own, needles, needed), mask))
        self.every_word = (1 << bit) - 1
        self.longest = max((len(n) for name, _ in self.names for n in name.needles), default=0)
        self.sizes = sorted({len(p) for p in self.piece_bits})
        self.tokens: dict[str, int] = {}

    def shortlist(self, text: str, tokens: Sequence[str]) -> list[_Name]:
        """The names, in catalogue order, of which enough words may score ``_WORD_SCORE`` against ``text``.

        A word at least as long as the text is not tested (partial_ratio then aligns the text inside the word).
        """
        found = self.every_word if len(text) <= self.longest else 0
        if not found:
            for token in tokens:
                bits = self.tokens.get(token)
                found |= bits if bits is not None else self._token_bits(token)
        return [name for name, mask in self.names if name.needed and (found & mask).bit_count() >= name.needed]

    def _token_bits(self, token: str) -> int:
        bits = 0
        for size in self.sizes:
            for start in range(len(token) - size + 1):
                bits |= self.piece_bits.get(token[start:start + size], 0)
        if len(self.tokens) >= 50_000:  # a bound for endless streams of distinct tokens (order numbers, ids)
            self.tokens.clear()
        self.tokens[token] = bits
        return bits


@lru_cache(maxsize=16)
def _catalogue(catalogue: tuple[str, ...]) -> _Catalogue:
    return _Catalogue(catalogue)


class _Mention(NamedTuple):
    name: str
    matched: tuple[str, ...]  # the name's words found in the text, in the name's order and spelling
    total: int  # how many words the name has
    at: frozenset[int]  # indexes of the text's words they were found at
    inside: frozenset[int] = frozenset()  # those of them where a name's word is only a part of a longer word


def _mention(name: _Name, text: str, words: Sequence[tuple[int, int]]) -> _Mention | None:
    """Where the text mentions the catalogue name: most of the name's words (of two letters or more)."""
    own = name.own
    matched: list[str] = []
    at: set[int] = set()
    inside: set[int] = set()
    for word, needle in zip(own, name.needles, strict=True):
        if needle.isdigit() and not re.search(rf"(?<!\d){needle}(?!\d)", text):
            continue  # a size or model number is a number of its own: "14" is not in "97214" (a ZIP code)
        found = fuzz.partial_ratio_alignment(needle, text)
        if found is not None and found.score >= _WORD_SCORE:
            matched.append(word)
            spans = {i for i, (start, end) in enumerate(words) if start < found.dest_end and found.dest_start < end}
            at |= spans
            inside |= {i for i in spans if _part_of(needle, i, text, words)}
    if not own or len(matched) / len(own) < 0.6:
        return None
    return _Mention(name.name, tuple(matched), len(own), frozenset(at), frozenset(inside))


def _part_of(needle: str, at: int, text: str, words: Sequence[tuple[int, int]]) -> bool:
    """Is the name's word, found in the text's word ``at``, only a part of it ("buds" of "earbuds"), and said
    nowhere as a word of its own? Not a size or a model number ("14" of "14in")."""
    start, end = words[at]
    if not needle.isalpha() or len(needle) >= _WHOLE_WORD * (end - start):
        return False
    return not any(fuzz.ratio(needle, text[a:b]) >= _WORD_SCORE for a, b in words)


def _borrowed(mention: _Mention, mentions: Sequence[_Mention]) -> bool:
    """Whether ``mention`` is made of a part of a word another mention reads whole: "buds" of "earbuds" in "the sport
    earbuds ... won't charge in the case" is Aurora Sport Earbuds' word, so "case" alone is a part of those earbuds,
    not the Pixel Buds Case. Without the borrowed words, too few of the name's words are left to mention it."""
    taken = {i for other in mentions if other is not mention for i in other.at - other.inside}
    borrowed = mention.inside & taken
    if not borrowed:
        return False
    left = len(mention.at - borrowed)
    return left / mention.total < 0.6


def _outdone(mention: _Mention, other: _Mention) -> bool:
    """Whether ``other`` accounts for every text word ``mention`` was found at, and for more of its own name."""
    return other is not mention and mention.at <= other.at and (
        len(other.matched) / other.total > len(mention.matched) / mention.total
        or (mention.at < other.at and len(other.matched) > len(mention.matched)))


def _line_name(same: Sequence[_Mention]) -> str:
    """The words several catalogue names share where the text mentions them, e.g. "Lumen 4K TV"."""
    return " ".join(same[0].matched)
