"""Knowledge-base tools and the article files."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.tools.conftest import make_ctx
from tools.base import ToolResult
from tools.store.kb_files import ARTICLES_DIR, load_articles, parse_article

Call = Callable[..., ToolResult]


def test_search_finds_refund_policy(call: Call) -> None:
    r = call("search_articles", make_ctx(None), query="How do I get my money back for a refund?")
    assert r.ok and r.data is not None
    ids = [a["id"] for a in r.data["articles"]]
    assert "KB-101" in ids[:3]
    top = r.data["articles"][0]
    assert {"id", "title", "score", "snippet"} <= set(top) and ("body" in top or "steps" in top)
    scores = [a["score"] for a in r.data["articles"]]
    assert scores == sorted(scores, reverse=True)


def test_search_returns_steps_for_troubleshooting(call: Call) -> None:
    r = call("search_articles", make_ctx(None), query="headphones bluetooth pairing", limit=10)
    assert r.data is not None
    article = next(a for a in r.data["articles"] if a["id"] == "KB-103")
    assert article["steps"][0].startswith("Charge the headphones") and len(article["steps"]) == 6
    assert r.data["articles"][0]["id"] == "KB-103"


def test_search_limits_and_no_match(call: Call) -> None:
    assert not call("search_articles", make_ctx(None), query="refund", limit=11).ok
    r = call("search_articles", make_ctx(None), query="zzqxv")
    assert r.ok and r.data == {"articles": [], "count": 0}


def test_get_article(call: Call) -> None:
    r = call("get_article", make_ctx(None), article_id="KB-102")
    assert r.ok and r.data is not None and r.data["title"] == "Tracking your order"
    assert "track_order" in r.data["intents"] and len(r.data["steps"]) == 4
    assert (
        call("get_article", make_ctx(None), article_id="KB-999").error
        == "Error: article KB-999 was not found."
    )
    assert not call("get_article", make_ctx(None), article_id="1; DROP TABLE kb_articles").ok


def test_article_files_parse() -> None:
    articles = load_articles(ARTICLES_DIR)
    ids = {a.id for a in articles}
    assert {"KB-101", "KB-102", "KB-103"} <= ids
    assert len(ids) == len(articles)


def test_parse_article_rejects_malformed() -> None:
    with pytest.raises(ValueError, match="front matter"):
        parse_article("no front matter", "x.md")
    with pytest.raises(ValueError, match="id"):
        parse_article("---\nid: 12\ntitle: T\n---\nbody", "x.md")
    a = parse_article("---\nid: KB-9\ntitle: T\ntags: one\nproduct_family: null\n---\n1. a\n2. b\n", "x.md")
    assert a.tags == ["one"] and a.product_family is None and a.intents == []
