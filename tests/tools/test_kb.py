"""Knowledge-base tools and the article files."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, update

from tests.tools.conftest import make_ctx
from tools.base import ToolResult
from tools.kb.sql_kb import SqlKb
from tools.store import BusinessStore
from tools.store.kb_files import ARTICLES_DIR, load_articles, parse_article
from tools.store.schema import kb_articles, store_meta

Call = Callable[..., ToolResult]


@pytest.mark.read_only
def test_search_finds_refund_policy(call: Call) -> None:
    r = call("search_articles", make_ctx(None), query="How do I get my money back for a refund?")
    assert r.ok and r.data is not None
    ids = [a["id"] for a in r.data["articles"]]
    assert "KB-101" in ids[:3]
    top = r.data["articles"][0]
    assert {"id", "title", "score", "snippet"} <= set(top) and ("body" in top or "steps" in top)
    scores = [a["score"] for a in r.data["articles"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.read_only
def test_search_returns_steps_for_troubleshooting(call: Call) -> None:
    r = call("search_articles", make_ctx(None), query="headphones bluetooth pairing", limit=10)
    assert r.data is not None
    article = next(a for a in r.data["articles"] if a["id"] == "KB-103")
    assert article["steps"][0].startswith("Charge the headphones") and len(article["steps"]) == 6
    assert r.data["articles"][0]["id"] == "KB-103"


@pytest.mark.read_only
def test_search_limits_and_no_match(call: Call) -> None:
    assert not call("search_articles", make_ctx(None), query="refund", limit=11).ok
    r = call("search_articles", make_ctx(None), query="zzqxv")
    assert r.ok and r.data == {"articles": [], "count": 0, "mode": "hybrid"}


@pytest.mark.read_only
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


def test_articles_say_what_the_deployments_policy_says(monkeypatch: pytest.MonkeyPatch) -> None:
    from foundation.settings import get_settings

    def refunds_article() -> str:
        return next(a.body for a in load_articles(ARTICLES_DIR) if a.source_file == "returns-and-refunds.md")

    assert not any("{{" in a.body or "{%" in a.body for a in load_articles(ARTICLES_DIR))
    assert "up to $100.00 straight away" in refunds_article() and "within 30 days of delivery" in refunds_article()
    monkeypatch.setenv("SUPPORTGRAPH_REFUND_APPROVAL_LIMIT", "250")
    monkeypatch.setenv("SUPPORTGRAPH_REFUND_WINDOW_DAYS", "45")
    get_settings.cache_clear()
    try:
        body = refunds_article()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert "up to $250.00 straight away" in body and "within 45 days of delivery" in body, body


def test_articles_are_parsed_again_only_when_a_file_changes(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every store opened checks the articles' digest: unchanged files are not rendered and parsed again (the
    policy fuzzer opens a store per example), a changed file is, whatever its size and modification time."""
    import tools.store.kb_files as kb_files

    parsed: list[str] = []
    real = kb_files.parse_article
    monkeypatch.setattr(kb_files, "parse_article", lambda text, name: parsed.append(name) or real(text, name))
    article = tmp_path / "a.md"
    article.write_text("---\nid: KB-1\ntitle: One\n---\nbody one\n")
    (tmp_path / "b.md").write_text("---\nid: KB-2\ntitle: Two\n---\nbody two\n")
    first = load_articles(tmp_path)
    assert [a.body for a in first] == ["body one", "body two"] and parsed == ["a.md", "b.md"]
    assert load_articles(tmp_path) == first and parsed == ["a.md", "b.md"], "unchanged files parsed again"
    stat = article.stat()
    article.write_text("---\nid: KB-1\ntitle: One\n---\nbody 1!!\n")  # same size, same modification time
    os.utime(article, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert [a.body for a in load_articles(tmp_path)] == ["body 1!!", "body two"]


def test_parse_article_rejects_malformed() -> None:
    with pytest.raises(ValueError, match="front matter"):
        parse_article("no front matter", "x.md")
    with pytest.raises(ValueError, match="id"):
        parse_article("---\nid: 12\ntitle: T\n---\nbody", "x.md")
    a = parse_article("---\nid: KB-9\ntitle: T\ntags: one\nproduct_family: null\n---\n1. a\n2. b\n", "x.md")
    assert a.tags == ["one"] and a.product_family is None and a.intents == []


@pytest.mark.read_only
def test_search_modes_blend_keywords_and_meaning(call: Call) -> None:
    # No shared keyword with "Headphones won't pair over Bluetooth", yet the meaning matches.
    semantic = call("search_articles", make_ctx(None), query="my earbuds refuse to connect", mode="semantic")
    assert semantic.ok and semantic.data is not None and semantic.data["articles"][0]["id"] == "KB-103"
    top = semantic.data["articles"][0]
    assert top["bm25"] == 0.0 and top["semantic"] == top["relevance"] > 0.3
    keyword = call("search_articles", make_ctx(None), query="I was charged twice", mode="keyword")
    assert keyword.data is not None and all(a["semantic"] == 0.0 for a in keyword.data["articles"])
    hybrid = call("search_articles", make_ctx(None), query="I was charged twice", limit=2)
    assert hybrid.data is not None and hybrid.data["mode"] == "hybrid"
    assert hybrid.data["articles"][0]["id"] == "KB-111"
    first = hybrid.data["articles"][0]
    assert first["relevance"] == pytest.approx(0.4 * first["bm25"] / first["bm25"] + 0.6 * first["semantic"], abs=2e-3)
    assert not call("search_articles", make_ctx(None), query="refund", mode="fuzzy").ok


@pytest.mark.read_only
def test_troubleshoot_several_products(call: Call) -> None:
    r = call(
        "troubleshoot",
        make_ctx(None),
        products=["Nimbus Smart Speaker", "headphones", "Glow Smart Plug", "Wireless Mouse", "Frobnicator 3000"],
    )
    assert r.ok and r.data is not None
    guides = {g["product"]: g for g in r.data["guides"]}
    assert guides["Nimbus Smart Speaker"]["article_id"] == "KB-130" and guides["Nimbus Smart Speaker"]["steps"]
    assert guides["headphones"]["article_id"] == "KB-103" and len(guides["headphones"]["steps"]) == 6
    assert guides["Glow Smart Plug"]["article_id"] == "KB-133"
    assert guides["Wireless Mouse"]["note"].startswith("There is no troubleshooting guide for accessories")
    assert r.data["unknown"] == ["Frobnicator 3000"]
    assert r.data["note"] == "We sell no product called 'Frobnicator 3000'; ask the customer for its exact name."
    tv = call("troubleshoot", make_ctx(None), products=["tv", "Volt Laptop 14"])
    assert tv.data is not None and [g["article_id"] for g in tv.data["guides"]] == ["KB-131", "KB-128"]
    assert call("troubleshoot", make_ctx(None), products=["Frobnicator"]).error == (
        "Error: we sell no product called 'Frobnicator'; ask the customer for the exact product name."
    )
    assert not call("troubleshoot", make_ctx(None), products=[]).ok
    assert not call("troubleshoot", make_ctx(None), products=["x" * 81]).ok



@pytest.mark.read_only
def test_troubleshoot_gives_each_product_the_guide_of_its_own_problem(call: Call) -> None:
    """A product's guide is the one about it (the Glow Smart Plug's, the Nimbus Smart Speaker's); a product
    without a guide of its own (the doorbell, smart home like both) gets the one for the problem of the clause
    that names it, not of the whole message."""
    r = call("troubleshoot", make_ctx(None), products=["Sentry Video Doorbell", "Nimbus Smart Speaker"],
             problem="My Sentry Video Doorbell won't pair with the home app, and the Nimbus Smart Speaker is offline.")
    assert r.ok and r.data is not None
    assert [(g["product"], g["article_id"]) for g in r.data["guides"]] == [
        ("Sentry Video Doorbell", "KB-133"), ("Nimbus Smart Speaker", "KB-130")], r.data["guides"]
    swapped = call("troubleshoot", make_ctx(None), products=["Sentry Video Doorbell", "Glow Smart Plug"],
                   problem="The Sentry Video Doorbell is offline. The Glow Smart Plug won't pair during setup.")
    assert [g["article_id"] for g in swapped.data["guides"]] == ["KB-130", "KB-133"], swapped.data["guides"]
    named = call("troubleshoot", make_ctx(None), products=["Glow Smart Plug"], problem="The Glow Smart Plug is offline")
    assert [g["article_id"] for g in named.data["guides"]] == ["KB-133"], named.data["guides"]
    later = call("troubleshoot", make_ctx(None), products=["Sentry Video Doorbell"],
                 problem="I have a Sentry Video Doorbell. It won't pair with the home app.")
    assert [(g["product"], g["article_id"]) for g in later.data["guides"]] == [
        ("Sentry Video Doorbell", "KB-133")], later.data["guides"]


@pytest.mark.read_only
def test_troubleshoot_finds_the_guide_of_a_problem_named_without_a_product(call: Call) -> None:
    """A clause that names a kind of product, or only a symptom a guide covers, gets that guide, in the order
    of the message; a clause a guide does not describe ("since we moved", "I want a refund for my phone")
    gets none."""
    r = call("troubleshoot", make_ctx(None), products=["Nimbus Smart Speaker"],
             problem="Since we moved, my phone won't charge, the Nimbus Smart Speaker is offline and my camera "
                     "says memory card error. Help!")
    assert r.ok and r.data is not None
    assert [(g["product"], g["article_id"]) for g in r.data["guides"]] == [
        ("Phone", "KB-129"), ("Nimbus Smart Speaker", "KB-130"), ("Camera", "KB-132")], r.data["guides"]
    assert [g.get("from_problem", False) for g in r.data["guides"]] == [True, False, True], r.data["guides"]
    symptom_only = call("troubleshoot", make_ctx(None), products=["Volt Laptop 14"],
                        problem="The Volt Laptop 14 won't turn on and the memory card shows an error")
    assert [(g["product"], g["article_id"]) for g in symptom_only.data["guides"]] == [
        ("Volt Laptop 14", "KB-128"), ("Camera", "KB-132")], symptom_only.data["guides"]
    unrelated = call("troubleshoot", make_ctx(None), products=["Volt Laptop 14"],
                     problem="My Volt Laptop 14 won't turn on, and I want a refund for my phone.")
    assert [g["article_id"] for g in unrelated.data["guides"]] == ["KB-128"], unrelated.data["guides"]


@pytest.mark.read_only
def test_troubleshoot_gives_a_product_line_and_each_guide_once(call: Call) -> None:
    """A name several sizes share is its family's, not a guess at one size; a product named twice, or a
    clause that repeats a guide already given, adds nothing."""
    line = call("troubleshoot", make_ctx(None), products=["Lumen 4K TV"], problem="My Lumen 4K TV shows no signal")
    assert line.ok and line.data is not None
    assert [(g["product"], g["matched_product"], g["family"], g["article_id"]) for g in line.data["guides"]] == [
        ("Lumen 4K TV", None, "tvs", "KB-131")], line.data["guides"]
    twice = call("troubleshoot", make_ctx(None), products=["Nimbus Smart Speaker", "nimbus smart speaker"],
                 problem="The Nimbus Smart Speaker is offline; my smart speaker says it can't reach the Wi-Fi.")
    assert [g["article_id"] for g in twice.data["guides"]] == ["KB-130"], twice.data["guides"]
    long = call("troubleshoot", make_ctx(None), products=["tv"], problem="no signal\n" + "still nothing. " * 60)
    assert long.ok and long.data["guides"][0]["article_id"] == "KB-131", long.error


def test_articles_are_read_once_per_kb_version(store: BusinessStore) -> None:
    reads: list[str] = []

    def _count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM kb_articles" in statement:
            reads.append(statement)

    kb = SqlKb(store)
    event.listen(store.db.engine, "before_cursor_execute", _count)
    try:
        first = kb.articles()
        assert SqlKb(store).articles() == first and len(reads) == 1  # the second call, a new backend, is cached
        # An article changes the way open_store changes them: the rows and the KB version together.
        with store.db.begin() as conn:
            conn.execute(update(kb_articles).where(kb_articles.c.id == "KB-101").values(title="Refunds, revised"))
            conn.execute(update(store_meta).where(store_meta.c.key == "kb_digest").values(value="edited"))
        changed = kb.articles()
    finally:
        event.remove(store.db.engine, "before_cursor_execute", _count)
    assert len(reads) == 2 and kb.version() == "edited"
    assert next(a.title for a in changed if a.article_id == "KB-101") == "Refunds, revised"


@pytest.mark.read_only
def test_semantic_scores_use_the_float32_vectors(store: BusinessStore) -> None:
    """The KB's cosine cut-off was chosen on sentence-transformers' float32 vectors; the intent router's int8 ones
    would move scores by up to ~0.06 and the top article for some queries."""
    import numpy as np

    from foundation.embeddings import embed
    from tools.kb.ranking import head_text
    from tools.kb.semantic import cosine_scores

    kb = SqlKb(store)
    articles = kb.articles()
    query = "my parcel never arrived, can I get my money back?"
    expected = embed([f"{head_text(a)}. {a.body[:1200]}" for a in articles], precision="fp32") @ embed(
        [query], precision="fp32")[0]
    scores = np.array(cosine_scores(kb.version(), articles, query))
    np.testing.assert_allclose(scores, expected, atol=1e-5)
    int8 = embed([f"{head_text(a)}. {a.body[:1200]}" for a in articles]) @ embed([query])[0]
    assert np.abs(scores - int8).max() > 1e-3  # the two really differ, so this test can tell them apart


def test_bm25_reads_each_article_once_and_scores_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """An article's words are counted once per article text, not once per search (each search read every article
    of the help centre again); a changed article is read afresh."""
    from collections import Counter

    from tools.kb import ranking
    from tools.kb.backend import Article

    articles = [Article(article_id="KB-1", title="Refund policy", body="Refunds are made within 30 days.",
                        tags=("refund",)),
                Article(article_id="KB-2", title="Shipping", body="Orders ship in two days.", tags=("shipping",))]
    ranking._term_counts.cache_clear()  # another test may have counted these texts already
    read: Counter[str] = Counter()
    tokens = ranking.tokens
    monkeypatch.setattr(ranking, "tokens", lambda text: read.update([text]) or tokens(text))
    first = ranking.bm25_scores(articles, "refund for my order")
    assert ranking.bm25_scores(articles, "refund for my order") == first
    assert ranking.bm25_scores(articles, "when do orders ship") != first
    assert read[articles[0].body] == 1 and read[articles[1].body] == 1, read
    assert first[0] > first[1] > 0  # "order" is in both, "refund" only in KB-1
    changed = [articles[0], Article(article_id="KB-2", title="Shipping", body="Orders ship in one day.")]
    ranking.bm25_scores(changed, "refund")
    assert read["Orders ship in one day."] == 1
