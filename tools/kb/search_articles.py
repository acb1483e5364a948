"""search_articles: BM25 keyword search over the help-centre articles (title and tags weigh double)."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from tools.base import SupportTool, ToolContext, ToolResult
from tools.store import BusinessStore
from tools.store.kb_files import steps_of
from tools.store.schema import kb_articles

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "can",
        "do",
        "does",
        "for",
        "how",
        "i",
        "in",
        "is",
        "it",
        "my",
        "of",
        "on",
        "or",
        "the",
        "to",
        "what",
        "when",
        "where",
        "with",
        "you",
    ]
)
K1, B = 1.5, 0.75


def tokens(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _document(row: Any) -> list[str]:
    head = f"{row.title} {' '.join(json.loads(row.tags))} {(row.product_family or '').replace('_', ' ')}"
    return tokens(head) * 2 + tokens(row.body)


def snippet(body: str, terms: set[str], width: int = 240) -> str:
    lines = [ln.strip() for ln in body.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    best = max(lines, key=lambda ln: len(terms & set(tokens(ln))), default="")
    return best if len(best) <= width else best[: width - 1].rstrip() + "…"


class SearchArticlesArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    query: str = Field(
        min_length=2, max_length=500, description="What the customer needs help with, in words."
    )
    limit: int = Field(3, ge=1, le=10, description="How many articles (at most 10).")


def search_articles(store: BusinessStore, args: SearchArticlesArgs, ctx: ToolContext) -> ToolResult:
    with store.db.begin() as conn:
        rows = conn.execute(select(kb_articles).order_by(kb_articles.c.id)).all()
    query = set(tokens(args.query))
    docs = [(row, Counter(_document(row))) for row in rows]
    if not docs or not query:
        return ToolResult.success({"articles": [], "count": 0})
    lengths = [sum(tf.values()) for _, tf in docs]
    avg = sum(lengths) / len(lengths) or 1.0
    scored = []
    for (row, tf), length in zip(docs, lengths, strict=True):
        score = 0.0
        for term in query:
            df = sum(1 for _, other in docs if term in other)
            if tf[term]:
                idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
                score += idf * tf[term] * (K1 + 1) / (tf[term] + K1 * (1 - B + B * length / avg))
        if score > 0:
            scored.append((score, row))
    scored.sort(key=lambda pair: (-pair[0], pair[1].id))
    results = []
    for score, row in scored[: args.limit]:
        item: dict[str, Any] = {
            "id": row.id,
            "title": row.title,
            "score": round(score, 3),
            "product_family": row.product_family,
            "snippet": snippet(row.body, query),
        }
        steps = steps_of(row.body)
        if steps:
            item["steps"] = steps
        else:
            item["body"] = row.body
        results.append(item)
    return ToolResult.success({"articles": results, "count": len(results)})


tool = SupportTool(
    name="search_articles",
    system="kb",
    description=(
        "Search the help-centre articles (policies, how-tos, troubleshooting) by keywords. Returns the best "
        "matches with a snippet and either the numbered troubleshooting steps or the article body."
    ),
    args_schema=SearchArticlesArgs,
    fn=search_articles,
    requires_verified_customer=False,
)
