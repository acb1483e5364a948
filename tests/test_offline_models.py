"""tiktoken and the embedding model work with no network access."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_tiktoken_counts_tokens_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import requests

    def no_network(*_: object, **__: object) -> None:
        raise AssertionError("tiktoken tried to download its BPE file")

    monkeypatch.setattr(requests, "get", no_network)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tiktoken"))
    from foundation import tokens

    tokens.encoding.cache_clear()
    try:
        assert tokens.count_tokens("hello world") == 2
        assert tokens.encoding("cl100k_base").encode("hello world") == [15339, 1917]
        assert len(list((tmp_path / "tiktoken").iterdir())) == 2
    finally:
        tokens.encoding.cache_clear()


def test_embedding_model_loads_once_from_the_package() -> None:
    from graphs.reasoners.local.embedder import embed, load_embedder

    assert load_embedder() is load_embedder()
    vectors = embed(["where is my order", "where's my parcel", "what is the capital of France"])
    assert vectors.shape == (3, 384)
    similar, unrelated = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert similar > unrelated + 0.2, (similar, unrelated)
