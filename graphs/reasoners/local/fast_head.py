"""The router's fast path: distilled static vectors and hashed word n-grams, one linear model, trained on
augmented examples.

Features of a (masked) message: its averaged static token vector (``static_embedder``), scaled by
``STATIC_SCALE``, beside its hashed word uni- and bi-grams (l2-normalised counts in ``HASH_FEATURES`` buckets).
The averaged vector carries meaning for words never seen in training; the n-grams carry the exact phrases of the
training examples, which the average blurs. One multinomial logistic regression learns on the training split and
``AUGMENT_PER_TEXT`` label-preserving variants of each training example (``augment``: greetings, sign-offs, order
numbers, names, unrelated clauses, typos, dropped words), so padding around a request stops moving the answer;
one temperature is fitted on the calibration split. The recipe's constants were chosen on the calibration split
(and on augmented variants of it), never on the test split or on evaluation data. Inference is a table look-up,
a hash and two small matrix products: well under a millisecond per message in batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from graphs.reasoners.local.augment import augment
from graphs.reasoners.local.examples import CALIBRATION, TRAIN, Example, in_split
from graphs.reasoners.local.router import STATIC, Head, calibrated_softmax, mask, save_npz
from graphs.reasoners.local.static_embedder import StaticEmbedder, load_static_embedder
from graphs.reasoners.local.training import fit_temperature

# Bump (with router.RECIPE's fingerprint) when anything below changes, so cached weights are not reused.
FAST_RECIPE = "static-x2-words12-h16-aug8-c50-2"
STATIC_SCALE = 2.0
HASH_FEATURES = 2**16
AUGMENT_PER_TEXT = 8
AUGMENT_SEED = 0
FAST_C = 50.0
_HASHER = HashingVectorizer(n_features=HASH_FEATURES, ngram_range=(1, 2), alternate_sign=False, norm="l2",
                            dtype=np.float32)  # float32 like the weights: a float64 product would copy them


@dataclass(frozen=True)
class FastFeatures:
    static: np.ndarray  # (n, dim) unit-length averaged token vectors, zero rows for texts with no known token
    words: sparse.csr_matrix  # (n, HASH_FEATURES) hashed word uni/bi-grams

    def known(self) -> np.ndarray:
        """Per text, whether any of its tokens has a static vector (else the fast path knows nothing of it)."""
        return np.asarray(self.static.any(axis=1))

    def matrix(self) -> sparse.csr_matrix:
        """Both kinds side by side, as the regression sees them."""
        return sparse.hstack([sparse.csr_matrix(self.static * STATIC_SCALE), self.words]).tocsr()


def fast_features(embedder: StaticEmbedder, texts: list[str]) -> FastFeatures:
    masked = [mask(t) for t in texts]
    return FastFeatures(embedder.embed(masked), _HASHER.transform(masked).tocsr())


class FastRouter(Head[FastFeatures]):
    """Calibrated intent probabilities from the fast features; thread-safe (no mutable state at inference)."""

    features = STATIC

    def __init__(self, classes: list[str], static_coef: np.ndarray, word_coef: np.ndarray, intercept: np.ndarray,
                 temperature: float, embedder: StaticEmbedder) -> None:
        self.classes = classes
        # Transposed and C-ordered, as the products below want them (anything else is copied on every call).
        self.static_coef = np.ascontiguousarray((static_coef * STATIC_SCALE).T, dtype=np.float32)  # (dim, classes)
        self.word_coef = np.ascontiguousarray(word_coef.T, dtype=np.float32)  # (HASH_FEATURES, classes)
        self.intercept = intercept.astype(np.float32)
        self.temperature = temperature
        self.embedder = embedder

    def vectors(self, texts: list[str]) -> FastFeatures:
        return fast_features(self.embedder, texts)

    def logits(self, features: FastFeatures) -> np.ndarray:
        return np.asarray(features.static @ self.static_coef + features.words @ self.word_coef + self.intercept)

    def probabilities(self, features: FastFeatures) -> np.ndarray:
        return calibrated_softmax(self.logits(features), self.temperature)

    def to_file(self, path: Path) -> None:
        save_npz(path, classes=np.array(self.classes), static_coef=(self.static_coef.T / STATIC_SCALE),
                 word_coef=self.word_coef.T.astype(np.float16), intercept=self.intercept,
                 temperature=np.array(self.temperature), recipe=np.array(FAST_RECIPE))

    @classmethod
    def from_file(cls, path: Path, embedder: StaticEmbedder) -> FastRouter:
        with np.load(path, allow_pickle=False) as data:
            if str(data["recipe"]) != FAST_RECIPE:
                raise ValueError(f"{path} holds another recipe")
            return cls([str(c) for c in data["classes"]], data["static_coef"], data["word_coef"].astype(np.float32),
                       data["intercept"], float(data["temperature"]), embedder)


def train_fast(examples: list[Example], embedder: StaticEmbedder) -> FastRouter:
    """Fit the regression on the training split and its augmented variants, the temperature on calibration."""
    train = in_split(examples, TRAIN)
    texts = [e.text for e in train]
    labels = [e.intent for e in train]
    for example, variants in zip(train, augment(texts, AUGMENT_PER_TEXT, seed=AUGMENT_SEED), strict=True):
        texts += variants
        labels += [example.intent] * len(variants)
    # One BLAS thread: the problem is small, and on a busy 2-core machine multi-threaded BLAS spins ~10x slower.
    with threadpool_limits(1):
        clf = LogisticRegression(C=FAST_C, max_iter=3000)
        clf.fit(fast_features(embedder, texts).matrix(), labels)
    dim = embedder.table.shape[1]
    coef = clf.coef_.astype(np.float32)
    # Stored with the word weights in float16 (to_file); use the same values now as a later process will.
    router = FastRouter([str(c) for c in clf.classes_], coef[:, :dim], coef[:, dim:].astype(np.float16)
                        .astype(np.float32), clf.intercept_.astype(np.float32), 1.0, embedder)
    held = in_split(examples, CALIBRATION)
    if held:
        logits = router.logits(router.vectors([e.text for e in held]))
        router.temperature = fit_temperature(logits, np.array([router.classes.index(e.intent) for e in held]))
    return router


def load_fast_head(cache_dir: Path, examples: list[Example], key: str) -> FastRouter:
    """The fast head from ``cache_dir`` (file named by ``key``, the examples' and recipe's fingerprint), else
    trained now and cached (atomically; a damaged file is rebuilt)."""
    embedder = load_static_embedder(cache_dir)
    path = cache_dir / f"intent-router-fast-{key}.npz"
    if path.exists():
        try:
            return FastRouter.from_file(path, embedder)
        except (OSError, ValueError, KeyError):
            pass  # a damaged or stale cache file is rebuilt below
    fast = train_fast(examples, embedder)
    fast.to_file(path)
    return fast
