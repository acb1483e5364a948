"""The annotator's cache by text: a repeated text gets the row it would get afresh, without computing it again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graphs.reasoners.local import entities, router
from service.triage.rows import Annotator

NOW = datetime(2025, 6, 5, 12, 0, tzinfo=UTC)
CATALOGUE = ("Aurora ANC Headphones", "HDMI Cable 2m")


class _Router:
    """A scripted intent model: the intent is the text's first word; counts the texts it is asked about."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def detect_many(self, texts: list[str]) -> list[tuple[list[router.IntentScore], float]]:
        self.asked += texts
        return [([router.IntentScore(t.split()[0], 0.9), router.IntentScore("other", 0.1)], 0.8) for t in texts]


def test_repeated_texts_get_their_rows_from_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["order_status where is order 10023 from last tuesday?", "refund my aurora anc headphnes are broken!!!",
             "order_status where is order 10023 from last tuesday?", "complaint THIS IS RIDICULOUS", "other hi"]
    batches = [texts[:3], texts[1:], texts[::-1]]
    fresh = [Annotator(_Router(), now=NOW, catalogue=CATALOGUE, cache_size=0).annotate([t])[0] for t in texts]

    extracted: list[str] = []
    real = entities.extract_entities

    def counting(text: str, **kwargs: object) -> entities.Entities:
        extracted.append(text)
        return real(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(entities, "extract_entities", counting)
    model = _Router()
    annotator = Annotator(model, now=NOW, catalogue=CATALOGUE)
    rows = [annotator.annotate(batch) for batch in batches]
    by_text = dict(zip(texts, fresh, strict=True))
    assert rows == [[by_text[t] for t in batch] for batch in batches]
    assert sorted(model.asked) == sorted(set(texts)), "each distinct text goes to the intent model once"
    assert sorted(extracted) == sorted(set(texts)), "each distinct text has its entities extracted once"
    rows[0][0]["intent"] = "changed by the caller"
    assert annotator.annotate(texts[:1])[0]["intent"] == "order_status", "callers get copies of the cached rows"
