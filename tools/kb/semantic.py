"""Semantic similarity between a query and the help-centre articles (MiniLM sentence embeddings).

Article embeddings are computed once per process for each KB version and kept in memory, keyed by the KB
digest that the store records in ``store_meta`` (so two stores with the same articles share them, and a
changed article set is embedded afresh). Nothing a second worker needs lives only here: it recomputes.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import select

from tools.kb.ranking import head_text
from tools.store import BusinessStore
from tools.store.schema import store_meta

_cache: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
_cache_lock = threading.Lock()


def kb_digest(store: BusinessStore) -> str:
    with store.db.begin() as conn:
        value = conn.execute(select(store_meta.c.value).where(store_meta.c.key == "kb_digest")).scalar_one_or_none()
    return value or "unknown"


def article_vectors(store: BusinessStore, rows: Sequence[Any]) -> np.ndarray:
    """One unit vector per row (title, tags, family and the start of the body), cached by KB digest."""
    from supportgraph.embeddings import embed

    ids = tuple(row.id for row in rows)
    key = kb_digest(store)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == ids:
            return cached[1]
        vectors = embed([f"{head_text(row)}. {row.body[:1200]}" for row in rows]) if rows else np.zeros((0, 384))
        _cache[key] = (ids, vectors)
        return vectors


def cosine_scores(store: BusinessStore, rows: Sequence[Any], query: str) -> list[float]:
    """Cosine similarity of ``query`` with each row (embeddings are unit length, so a dot product)."""
    from supportgraph.embeddings import embed

    if not rows:
        return []
    vectors = article_vectors(store, rows)
    return [float(s) for s in vectors @ embed([query])[0]]
