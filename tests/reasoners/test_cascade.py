"""The shipped router's fast path (static vectors distilled from MiniLM) and the cascade that defers to MiniLM."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from graphs.reasoners.local.cascade import THRESHOLD_GRID, CascadeRouter, choose_threshold, combine, fit_weights
from graphs.reasoners.local.examples import TEST, in_split, load_examples
from graphs.reasoners.local.fast_head import FastFeatures, FastRouter, load_fast_head
from graphs.reasoners.local.router import STATIC, IntentRouter, load_router, split_clauses
from graphs.reasoners.local.static_embedder import load_static_embedder, table_path
from graphs.reasoners.local.training import load_head


def test_static_vectors_are_distilled_once_and_cached() -> None:
    load_router()
    cache_dir = router_cache()
    assert table_path(cache_dir).is_file(), "the distilled table was not cached"
    embedder = load_static_embedder(cache_dir)
    assert embedder is load_static_embedder(cache_dir), "the process-wide static embedder was built twice"
    vectors = embedder.embed(["where is my order?", "WHERE IS MY ORDER?", "", "返金してください"])
    assert vectors.shape == (4, 384), vectors.shape
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-4)
    assert np.allclose(vectors[0], vectors[1], atol=1e-5), "the uncased tokenizer must ignore case"
    assert not vectors[2].any() and not vectors[3].any(), "no known token must give a zero vector"
    # A zero vector leaves the fast head unsure, so such messages go to MiniLM.
    assert load_router().route(["返金してください"])[1].all()


def test_a_cached_head_loads_with_the_same_weights() -> None:
    router = load_router()
    reloaded = load_head(STATIC, router_cache())
    assert isinstance(reloaded, FastRouter) and reloaded.classes == router.fast.classes
    assert np.allclose(reloaded.static_coef, router.fast.static_coef, atol=1e-6)
    assert np.array_equal(reloaded.word_coef, router.fast.word_coef)
    assert reloaded.temperature == router.fast.temperature
    texts = ["hi there, where is my order #12345? thanks", "cancel it"]
    assert np.allclose(reloaded.text_probabilities(texts), router.fast.text_probabilities(texts), atol=1e-6)


def test_a_damaged_fast_head_file_is_rebuilt(tmp_path: Path) -> None:
    import shutil

    load_router()
    shutil.copy(table_path(router_cache()), tmp_path / table_path(router_cache()).name)
    few = [e for e in load_examples() if e.intent in {"track_order", "get_refund", "recover_password"}]
    path = tmp_path / "intent-router-fast-k.npz"
    path.write_bytes(b"not an npz file")
    rebuilt = load_fast_head(tmp_path, few, "k")
    assert rebuilt.classes == ["get_refund", "recover_password", "track_order"]
    again = FastRouter.from_file(path, rebuilt.embedder)
    assert np.array_equal(again.word_coef, rebuilt.word_coef) and again.temperature == rebuilt.temperature
    assert again.classify(["where is my parcel"])[0][0].intent == "track_order"


def test_padding_around_a_request_does_not_change_the_fast_answer() -> None:
    fast = load_router().fast
    plain = ["where is my order", "I want my money back", "how do I reset my password"]
    padded = [f"hi team, {t} (order 12345) thanks - Maria" for t in plain]
    assert [r[0].intent for r in fast.classify(plain)] == [r[0].intent for r in fast.classify(padded)]


def test_static_path_alone_is_a_usable_classifier() -> None:
    held = in_split(load_examples(), TEST)
    fast = load_router().fast
    ranked = fast.classify([e.text for e in held])
    accuracy = sum(r[0].intent == e.intent for r, e in zip(ranked, held, strict=True)) / len(held)
    print(f"\nstatic fast path test-split accuracy: {accuracy:.3f}")
    assert accuracy >= 0.8, accuracy


def test_cascade_defers_exactly_the_unsure_texts() -> None:
    router = load_router()
    texts = ["where is my order?", "返金してください", "hmm so about that thing from before", "reset my password"]
    fast = router.fast.text_probabilities(texts)
    full = router.full.text_probabilities(texts)
    probs, deferred = router.route(texts)
    known = np.array([True, False, True, True])  # the second has no token the fast path knows
    assert list(deferred) == list((fast.max(axis=1) < router.threshold) | ~known)
    assert not deferred[0] and deferred[1], (fast.max(axis=1), router.threshold)
    both = combine(fast, full, router.weights)
    assert np.allclose(probs[deferred], both[deferred], atol=1e-5)
    assert np.allclose(probs[~deferred], fast[~deferred], atol=1e-6)
    always = CascadeRouter(router.fast, router.full, threshold=1.01, weights=router.weights)
    assert np.allclose(always.text_probabilities(texts), both, atol=1e-5)
    only_minilm = CascadeRouter(router.fast, router.full, threshold=1.01, weights=(0.0, 1.0))
    assert np.allclose(only_minilm.text_probabilities(texts), full, atol=1e-5)
    never = CascadeRouter(router.fast, router.full, threshold=0.0)
    assert np.allclose(never.text_probabilities(texts)[known], fast[known], atol=1e-6)
    assert router.route([])[0].shape == (0, len(router.classes))


def test_the_threshold_is_the_lowest_that_keeps_accuracy() -> None:
    labels = np.array([0, 1, 0, 1])
    full = np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.4, 0.6]])
    # The fast head is wrong only on the third text, at confidence 0.6: any threshold above 0.6 fixes it.
    fast = np.array([[0.97, 0.03], [0.02, 0.98], [0.4, 0.6], [0.04, 0.96]])
    assert choose_threshold(fast, full, labels, tolerance=0.0) == 0.61
    assert choose_threshold(fast, full, labels, tolerance=0.3) == THRESHOLD_GRID[0]


def test_the_combination_weights_follow_the_head_that_is_right() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 300)
    right = np.full((300, 3), 0.1)
    right[np.arange(300), labels] = 0.8  # always right, fairly sure
    noise = rng.dirichlet(np.ones(3), 300)  # knows nothing
    weights = fit_weights(noise, right, labels)
    assert weights[1] > 3 * weights[0], weights
    swapped = fit_weights(right, noise, labels)
    assert swapped[0] > 3 * swapped[1], swapped
    both = combine(noise, right, weights)
    assert np.allclose(both.sum(axis=1), 1.0, atol=1e-5) and (both.argmax(axis=1) == labels).mean() > 0.95


def test_heads_must_agree_on_intents() -> None:
    router = load_router()
    full = router.full
    renamed = IntentRouter([f"x_{c}" for c in full.classes], full.coef, full.intercept, full.temperature)
    with pytest.raises(ValueError, match="same intents"):
        CascadeRouter(router.fast, renamed, 0.5)


def router_cache() -> Path:
    from foundation.settings import get_settings

    return get_settings().home / "cache"


class _Scripted:
    """A head whose probabilities are looked up by text: [p(track_order), p(get_refund)]."""

    def __init__(self, table: dict[str, tuple[float, float]]) -> None:
        self.classes = ["get_refund", "track_order"]
        self.table = table

    def text_probabilities(self, texts: list[str]) -> np.ndarray:
        return np.array([[self.table[t][1], self.table[t][0]] for t in texts])


def test_the_threshold_is_fitted_on_the_shifted_calibration_half_not_its_test_half() -> None:
    from typing import Any, cast

    from graphs.reasoners.local.cascade import fit_threshold
    from graphs.reasoners.local.examples import CALIBRATION, Example

    def pick(n: int, split: str, shifted: bool, tag: str) -> list[Example]:
        found = (Example(f"{tag} {i}", "get_refund", shifted=shifted) for i in range(1000))
        return [e for e in found if e.split == split][:n]

    calibration = pick(40, CALIBRATION, False, "plain")  # the fast head is sure and right
    shifted_cal = pick(10, CALIBRATION, True, "shifted")  # sure-ish (0.70) and wrong; MiniLM right
    shifted_test = pick(10, TEST, True, "test")  # very sure (0.95) and wrong: must not move the threshold
    fast = _Scripted({**{e.text: (0.02, 0.98) for e in calibration}, **{e.text: (0.70, 0.30) for e in shifted_cal},
                      **{e.text: (0.95, 0.05) for e in shifted_test}})
    full = _Scripted({e.text: (0.1, 0.9) for e in calibration + shifted_cal + shifted_test})
    heads: tuple[Any, Any] = (cast(Any, fast), cast(Any, full))
    assert fit_threshold(*heads, calibration)[0] == THRESHOLD_GRID[0]
    with_shift = fit_threshold(*heads, calibration, shifted_cal + shifted_test)[0]
    assert 0.70 < with_shift < 0.95, with_shift


class ScriptedFast(FastRouter):
    """A fast head whose probabilities are scripted per text (every text has a known token)."""

    def __init__(self, classes: list[str], script: dict[str, list[float]]) -> None:
        self.classes, self.script, self.texts = classes, script, list(script)

    def vectors(self, texts: list[str]) -> FastFeatures:
        rows = np.array([[self.texts.index(t) + 1.0] for t in texts], dtype=np.float32)
        return FastFeatures(rows, sparse.csr_matrix((len(texts), 1), dtype=np.float32))

    def probabilities(self, features: FastFeatures) -> np.ndarray:
        return np.array([self.script[self.texts[int(i) - 1]] for i in features.static[:, 0]], dtype=np.float32)


class ScriptedFull(IntentRouter):
    """A MiniLM head with scripted probabilities that records the texts it was asked about."""

    def __init__(self, classes: list[str], script: dict[str, list[float]]) -> None:
        super().__init__(classes, np.zeros((0, 0)), np.zeros(0), 1.0)
        self.script, self.seen = script, []

    def text_probabilities(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        return np.array([self.script[t] for t in texts], dtype=np.float32)


def test_an_unsure_clause_goes_to_minilm_only_when_it_could_add_an_intent() -> None:
    classes = ["cancel_order", "out_of_scope", "recover_password"]
    could = "cancel my order please. my login thing is broken"
    cannot = "cancel my order please. it is about the thing"
    whole, could_clause, cannot_clause = "cancel my order please", "my login thing is broken", "it is about the thing"
    assert split_clauses(could) == [whole, could_clause] and split_clauses(cannot) == [whole, cannot_clause]
    fast = {could: [0.9, 0.05, 0.05], cannot: [0.9, 0.05, 0.05], whole: [0.95, 0.03, 0.02],
            could_clause: [0.4, 0.3, 0.3],    # unsure, 0.3 on another intent: MiniLM may name it
            cannot_clause: [0.5, 0.4, 0.1]}   # unsure, but nothing beyond cancel_order and out_of_scope
    full = {could_clause: [0.05, 0.05, 0.9], cannot_clause: [0.1, 0.1, 0.8],
            **{t: fast[t] for t in (could, cannot, whole)}}
    minilm = ScriptedFull(classes, full)
    # Weights (0, 1): a deferred text gets MiniLM's probabilities, so the test reads them directly.
    router = CascadeRouter(ScriptedFast(classes, fast), minilm, threshold=0.6, weights=(0.0, 1.0))
    found = [[i.intent for i in intents] for intents, _ in router.detect_many([could, cannot])]
    assert found == [["cancel_order", "recover_password"], ["cancel_order"]], found
    assert minilm.seen == [could_clause], minilm.seen
    # A clause twice in one batch goes to MiniLM once.
    minilm.seen = []
    again = [[i.intent for i in intents] for intents, _ in router.detect_many([could, could])]
    assert again == found[:1] * 2 and minilm.seen == [could_clause], (again, minilm.seen)
    # The conversation's router spares nothing: every clause goes to MiniLM, and MiniLM has the last word.
    minilm.seen = []
    found = [[i.intent for i in intents] for intents, _ in router.thorough().detect_many([could, cannot])]
    assert sorted(minilm.seen) == sorted([could, cannot, whole, could_clause, cannot_clause]), minilm.seen
    # MiniLM names recover_password for "it is about the thing", but a clause that asks for nothing and reports no
    # problem is backstory (graphs/reasoners/local/segments.py): it adds no intent.
    assert found == [["cancel_order", "recover_password"], ["cancel_order"]], found


def test_a_message_read_twice_in_a_turn_is_scored_once() -> None:
    """understand reads the customer's message (detect) and assess reads it again (classify, the router's
    disagreement): the second reading is the first one's answer, not a second pass through both heads."""
    classes = ["cancel_order", "out_of_scope", "recover_password"]
    text, other = "cancel my order please", "reset my password"
    fast_script = {text: [0.9, 0.05, 0.05], other: [0.1, 0.1, 0.8]}
    minilm = ScriptedFull(classes, {text: [0.8, 0.1, 0.1], other: [0.1, 0.1, 0.8]})
    fast = ScriptedFast(classes, fast_script)
    asked: list[str] = []
    vectors = fast.vectors
    fast.vectors = lambda texts: asked.extend(texts) or vectors(texts)  # type: ignore[method-assign]
    router = CascadeRouter(fast, minilm, threshold=0.6, weights=(0.5, 0.5)).thorough()
    (main, *_), _margin = router.detect(text)
    scores = router.classify([text])[0]
    assert main.intent == scores[0].intent == "cancel_order"
    assert math.isclose(main.confidence, scores[0].confidence, rel_tol=1e-6)
    assert asked == [text] and minilm.seen == [text], (asked, minilm.seen)
    probs, _ = router.route([text])
    with pytest.raises(ValueError, match="read-only"):
        probs[0, 0] = 1.0  # the kept answer cannot be changed by a caller
    # A batch is scored as before, and another text is read afresh.
    assert np.allclose(router.text_probabilities([text, other])[0], probs[0])
    router.classify([other])
    assert asked == [text, text, other, other] and minilm.seen == [text, text, other, other], (asked, minilm.seen)
