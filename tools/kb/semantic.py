"""Semantic similarity between a query and the help-centre articles (MiniLM sentence embeddings).

The float32 graph's vectors (sentence-transformers' own; ``MIN_COSINE`` and the ranking were chosen on them), not
the intent router's int8 ones: articles are embedded once per process and a query is one text, so int8's saving
does not matter here, and it moved the top article for 6 % of the examples used as queries.
Article embeddings are computed once per process for each KB version and kept in memory, keyed by
``KbBackend.version()`` (so two stores with the same articles share them, and a changed article set is
embedded afresh). Nothing a second worker needs lives only here: it recomputes.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from foundation.embeddings import embed
from tools.kb.backend import Article, kb_backend
from tools.kb.ranking import bm25_scores, head_text

if TYPE_CHECKING:
    from tools.store import BusinessStore

_cache: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
_cache_lock = threading.Lock()


def article_vectors(version: str, articles: Sequence[Article]) -> np.ndarray:
    """One unit vector per article (title, tags, family and the start of the body), cached by KB version."""
    ids = tuple(a.article_id for a in articles)
    with _cache_lock:
        cached = _cache.get(version)
        if cached is not None and cached[0] == ids:
            return cached[1]
        vectors = (
            embed([f"{head_text(a)}. {a.body[:1200]}" for a in articles], precision="fp32")
            if articles
            else np.zeros((0, 384))
        )
        _cache[version] = (ids, vectors)
        return vectors


def cosine_scores(version: str, articles: Sequence[Article], query: str) -> list[float]:
    """Cosine similarity of ``query`` with each article (embeddings are unit length, so a dot product)."""
    if not articles:
        return []
    vectors = article_vectors(version, articles)
    return [float(s) for s in vectors @ embed([query], precision="fp32")[0]]


def warm_articles(store: BusinessStore) -> int:
    """Embed the knowledge base's articles now (a worker's start), not in the first customer turn that searches
    them (~2 s of CPU, during which every search of the process waits on the lock above); returns how many."""
    kb = kb_backend(store)
    rows = kb.articles()
    article_vectors(kb.version(), rows)
    embed(["warm up"], precision="fp32")  # the float32 encoder a query runs on
    bm25_scores(rows, "warm up")  # and each article's word counts (ranking._term_counts)
    return len(rows)
