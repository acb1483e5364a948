"""search_articles: hybrid search over the help-centre articles: BM25 on words blended with embeddings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import brief
from tools.kb.backend import kb_backend
from tools.kb.ranking import bm25_scores, snippet, tokens
from tools.kb.semantic import cosine_scores
from tools.store import BusinessStore
from tools.store.kb_files import steps_of


class SearchArticlesArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    query: Annotated[str, brief(500)] = Field(
        min_length=2, max_length=500, description="What the customer needs help with, in words."
    )
    limit: int = Field(3, ge=1, le=10, description="How many articles (at most 10).")
    mode: Literal["hybrid", "semantic", "keyword"] = Field(
        "hybrid", description="hybrid: words and meaning (default); semantic: meaning only; keyword: words only."
    )


# Relevance = KEYWORD_WEIGHT x (BM25 / best BM25) + (1 - KEYWORD_WEIGHT) x cosine similarity.
KEYWORD_WEIGHT = 0.4
MIN_COSINE = 0.3  # below this an article only matches on shared words (MiniLM: unrelated texts score < 0.2)


def search_articles(store: BusinessStore, args: SearchArticlesArgs, ctx: ToolContext) -> ToolResult:
    kb = kb_backend(store)
    rows = kb.articles()
    bm25 = bm25_scores(rows, args.query) if args.mode != "semantic" else [0.0] * len(rows)
    cosine = cosine_scores(kb.version(), rows, args.query) if args.mode != "keyword" else [0.0] * len(rows)
    best = max(bm25, default=0.0) or 1.0
    scored = []
    for row, words, meaning in zip(rows, bm25, cosine, strict=True):
        if args.mode == "keyword":
            relevance, found = words / best, words > 0
        elif args.mode == "semantic":
            relevance, found = max(meaning, 0.0), meaning >= MIN_COSINE
        else:
            relevance = KEYWORD_WEIGHT * words / best + (1 - KEYWORD_WEIGHT) * max(meaning, 0.0)
            found = words > 0 or meaning >= MIN_COSINE
        if found:
            scored.append((relevance, words, meaning, row))
    scored.sort(key=lambda s: (-s[0], s[3].article_id))
    terms = set(tokens(args.query))
    results = []
    for relevance, words, meaning, row in scored[: args.limit]:
        item: dict[str, Any] = {
            "id": row.article_id,
            "title": row.title,
            "score": round(relevance, 3),
            "relevance": round(relevance, 3),
            "bm25": round(words, 3),
            "semantic": round(meaning, 3),
            "product_family": row.product_family,
            "snippet": snippet(row.body, terms),
        }
        steps = steps_of(row.body)
        if steps:
            item["steps"] = steps
        else:
            item["body"] = row.body
        results.append(item)
    return ToolResult.success({"articles": results, "count": len(results), "mode": args.mode})


tool = SupportTool(
    name="search_articles",
    system="kb",
    description=(
        "Search the help-centre articles (policies, how-tos, troubleshooting) by words and meaning. Returns "
        "the best matches with keyword (bm25), semantic and blended relevance scores, a snippet and either "
        "the numbered troubleshooting steps or the article body."
    ),
    args_schema=SearchArticlesArgs,
    fn=search_articles,
    requires_verified_customer=False,
)
