"""The intent router: held-out accuracy, multi-intent detection, calibrated probabilities."""

from __future__ import annotations

import numpy as np

from graphs.reasoners.local.embedder import embed
from graphs.reasoners.local.router import load_examples, load_router

MIN_HELD_OUT_ACCURACY = 0.85


def test_held_out_accuracy() -> None:
    held = [e for e in load_examples() if e.held_out]
    assert len(held) >= 100, f"only {len(held)} held-out examples"
    router = load_router()
    ranked = router.classify([e.text for e in held])
    correct = sum(r[0].intent == e.intent for r, e in zip(ranked, held, strict=True))
    accuracy = correct / len(held)
    print(f"\nintent router held-out accuracy: {accuracy:.3f} ({correct}/{len(held)})")
    assert accuracy >= MIN_HELD_OUT_ACCURACY, f"held-out accuracy {accuracy:.3f} < {MIN_HELD_OUT_ACCURACY}"


def test_two_intents_in_one_message() -> None:
    intents, margin = load_router().detect("cancel my order, and my password doesn't work either")
    names = [i.intent for i in intents]
    assert sorted(names) == ["cancel_order", "recover_password"], f"detected {intents}"
    assert 0.0 <= margin <= 1.0, margin
    single, _ = load_router().detect("where is my order?")
    assert [i.intent for i in single] == ["track_order"], single


def test_probabilities_sum_to_one() -> None:
    router = load_router()
    texts = ["where is my order?", "I want my money back", "asdf qwerty", "cancel my order and reset my password"]
    probs = router.probabilities(embed(texts))
    assert probs.shape == (len(texts), len(router.classes)), probs.shape
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5), probs.sum(axis=1)
    assert (probs >= 0).all(), "negative probability"
    for scores in router.classify(texts):
        assert abs(sum(s.confidence for s in scores) - 1.0) < 1e-5, scores
        assert [s.confidence for s in scores] == sorted((s.confidence for s in scores), reverse=True)
    assert router.temperature > 0, router.temperature
