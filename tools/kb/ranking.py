"""Ranking of help-centre articles: BM25 over words (title, tags and family weigh double) and snippets."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import takewhile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tools.kb.backend import Article

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an and are can do does for how i in is it my of on or the to what when where with you".split()  # noqa: SIM905
)
K1, B = 1.5, 0.75


def tokens(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def head_text(article: Article) -> str:
    """Title, tags and product family of an article: what it is about, in a line."""
    return f"{article.title} {' '.join(article.tags)} {(article.product_family or '').replace('_', ' ')}"


def bm25_scores(articles: Sequence[Article], query: str) -> list[float]:
    """The BM25 score of each article for ``query`` (0.0 when no query word occurs in it)."""
    terms = set(tokens(query))
    docs = [_term_counts(head_text(a), a.body) for a in articles]
    if not docs or not terms:
        return [0.0] * len(articles)
    lengths = [sum(tf.values()) for tf in docs]
    avg = sum(lengths) / len(lengths) or 1.0
    df = {term: sum(1 for tf in docs if term in tf) for term in terms}
    scores = []
    for tf, length in zip(docs, lengths, strict=True):
        score = 0.0
        for term in terms:
            if tf[term]:
                idf = math.log(1 + (len(docs) - df[term] + 0.5) / (df[term] + 0.5))
                score += idf * tf[term] * (K1 + 1) / (tf[term] + K1 * (1 - B + B * length / avg))
        scores.append(score)
    return scores


@lru_cache(maxsize=4096)
def _term_counts(head: str, body: str) -> Counter[str]:
    """An article's words and their counts (its head's count double): the same for every query, so worked out
    once per article text, not once per search (read only: a missing word reads 0 and is not stored)."""
    return Counter(tokens(head) * 2 + tokens(body))


_LIST_ITEM = re.compile(r"^(?:[-*]|\d+[.)])\s+")


def snippet(body: str, terms: set[str], width: int = 240) -> str:
    """The line that shares most words with the query; a line that introduces a list ("We accept the following
    payment methods:") or a table comes with its items or rows, since the answer is in them."""
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]  # headings stay: they end a list
    text = [i for i, ln in enumerate(lines) if not ln.startswith("#")]
    if not text:
        return ""
    at = max(text, key=lambda i: len(terms & set(tokens(lines[i]))))
    best = lines[at]
    following = lines[at + 1:]
    if following and following[0].startswith("|"):  # a table right after the line: its rows, past header and rule
        rows = [[c.strip().replace("**", "") for c in ln.strip("|").split("|")]
                for ln in takewhile(lambda ln: ln.startswith("|"), following)][2:]
        best = "\n".join([best, *(f"- {r[0]}: {', '.join(r[1:])}" for r in rows)])
        width *= 3
    elif best.endswith(":"):
        items = []
        for line in following:
            if not _LIST_ITEM.match(line):
                break
            items.append("- " + _LIST_ITEM.sub("", line).replace("**", ""))
        best = "\n".join([best, *items])
        width *= 3
    return best if len(best) <= width else best[: width - 1].rstrip() + "…"
