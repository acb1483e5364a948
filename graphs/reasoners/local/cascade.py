"""The shipped router: the distilled static-vector head first, MiniLM only for the messages it is unsure of.

The static head is ~50x cheaper than MiniLM but less accurate; its calibrated top probability says when it is
likely wrong. Texts whose fast top probability is below ``threshold`` are re-scored by the MiniLM head too, and
get the two heads' combined answer: a weighted product of their probabilities (``softmax(a·log p_fast +
b·log p_MiniLM)``, the weights fitted by log-likelihood on the calibration data, so they also calibrate). The two
heads see different features and err on different texts; together they beat either alone.

The threshold is chosen on the project's calibration data (never
on a test split or on evaluation data): the calibration split of the examples, written like the training ones,
together with the calibration half of the separately written, differently phrased ``intent_shift.jsonl``, where
the fast head is unsure more often. It is the lowest threshold whose cascade accuracy there is that of both heads
combined on every text (``ACCURACY_TOLERANCE`` 0; it was 1.5 points, threshold 0.62, while MiniLM ran float32).
With MiniLM on int8 (1.6 CPU-ms per text, one per run, against 2.8 batched in float32) the threshold is 0.90 and
triage defers ~4x more messages (bench messages 3 % → 12 %; calibration data 8 % → 22 %), so its MiniLM CPU
roughly doubled: the price of matching the combination. The rule is sensitive: on calibration data 0.88 and 0.90
differ by one text of 787.

The threshold is a throughput budget for batches (bulk triage). One message at a time, as in a conversation,
MiniLM's few milliseconds do not matter: ``thorough()`` is the same router with every text combined.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from graphs.reasoners.local.examples import CALIBRATION, Example, in_split, load_examples
from graphs.reasoners.local.fast_head import FastFeatures, FastRouter, load_fast_head
from graphs.reasoners.local.router import OUT_OF_SCOPE, STATIC, IntentModel, IntentRouter, fingerprint, mask
from graphs.reasoners.local.training import load_minilm_head

THRESHOLD_GRID = tuple(round(0.5 + 0.01 * i, 2) for i in range(50))  # 0.50 … 0.99
ACCURACY_TOLERANCE = 0.0
# An unsure clause goes to MiniLM only when the fast head gives another intent at least this much probability.
# Chosen on 1,500 pairs of calibration-split examples joined into one message (both intents found: 0.881, as when
# every unsure clause is deferred) and the bench's generated messages (unsure clauses deferred: 2,540 → 997 of
# 8,804): 0.15 still deferred 2,166 there; 0.25 lost 1 of the pairs.
CLAUSE_DEFER_MASS = 0.2
# Bump when the deferral rule or the combination changes, so a cached threshold is refitted.
CASCADE_RECIPE = "product-of-heads-match-2"
# One message's reading is kept for the next few asks of the same text: a turn reads its message in understand
# (detect) and again in assess (the router's disagreement, graphs/support/confidence.py).
READINGS_KEPT = 256
Weights = tuple[float, float]


def combine(fast: np.ndarray, full: np.ndarray, weights: Weights) -> np.ndarray:
    """The two heads' probabilities combined: ``softmax(a·log fast + b·log full)``, row-wise."""
    logits = weights[0] * np.log(np.clip(fast, 1e-12, 1.0)) + weights[1] * np.log(np.clip(full, 1e-12, 1.0))
    logits = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float32)


def fit_weights(fast: np.ndarray, full: np.ndarray, labels: np.ndarray) -> Weights:
    """The combination weights that minimise the negative log-likelihood of ``labels`` (calibration data)."""
    if not len(labels):
        return (0.5, 0.5)

    def nll(w: np.ndarray) -> float:
        probs = combine(fast, full, (abs(float(w[0])), abs(float(w[1]))))
        return float(-np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-12, 1.0)).mean())

    found = minimize(nll, np.array([0.5, 0.5]), method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-6})
    return (round(abs(float(found.x[0])), 4), round(abs(float(found.x[1])), 4))


class CascadeRouter(IntentModel):
    """Calibrated intent probabilities: the fast head where it is sure, both heads combined elsewhere."""

    def __init__(self, fast: FastRouter, full: IntentRouter, threshold: float,
                 weights: Weights = (0.5, 0.5), *, spare_clauses: bool = True) -> None:
        if fast.classes != full.classes:
            raise ValueError("the fast and the MiniLM heads must know the same intents")
        self.fast = fast
        self.full = full
        self.threshold = threshold
        self.weights = weights
        self.spare_clauses = spare_clauses  # a clause that cannot add an intent is not worth MiniLM (batches)
        self.classes = full.classes
        self._readings: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._readings_lock = threading.Lock()

    def thorough(self) -> CascadeRouter:
        """The same heads with every text deferred, clauses too: both heads combined on each (the conversation's
        router)."""
        return CascadeRouter(self.fast, self.full, math.inf, self.weights, spare_clauses=False)

    def route(self, texts: list[str], *,
              only: Callable[[np.ndarray], np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The probabilities for ``texts`` and, per text, whether it was deferred to MiniLM. ``only`` (the fast
        probabilities → a bool per text) narrows which of the unsure texts are deferred."""
        if not texts:
            return np.zeros((0, len(self.classes)), dtype=np.float32), np.zeros(0, dtype=bool)
        if only is None and len(texts) == 1:
            return self._route_one(texts[0])
        return self._route(texts, only)

    def _route_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """``route([text])``, kept for the next ``READINGS_KEPT`` texts (read only): the same message is read more
        than once a turn, and its answer is that of a batch of one, so it never depends on which call came first."""
        with self._readings_lock:
            kept = self._readings.get(text)
            if kept is not None:
                self._readings.move_to_end(text)
                return kept
        probs, deferred = self._route([text], None)
        probs.setflags(write=False)
        deferred.setflags(write=False)
        with self._readings_lock:
            self._readings[text] = probs, deferred
            while len(self._readings) > READINGS_KEPT:
                self._readings.popitem(last=False)
        return probs, deferred

    def _route(self, texts: list[str], only: Callable[[np.ndarray], np.ndarray] | None) -> tuple[np.ndarray,
                                                                                                  np.ndarray]:
        vectors = self.fast.vectors(texts)
        probs = self.fast.probabilities(vectors)
        deferred = self.deferred(probs, vectors)
        if only is not None:
            deferred &= only(probs)
        if deferred.any():
            probs = probs.copy()
            full = self.minilm_probabilities([t for t, d in zip(texts, deferred, strict=True) if d])
            probs[deferred] = combine(probs[deferred], full, self.weights)
        return probs, deferred

    def text_probabilities(self, texts: list[str]) -> np.ndarray:
        return self.route(texts)[0]

    def message_and_clause_probabilities(self, texts: list[str], clauses: list[str],
                                         owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Messages as ``route`` scores them; a clause the fast head is unsure of goes to MiniLM only when it could
        add a secondary intent (``may_add_intent``), else its fast probabilities stand (with ``spare_clauses``;
        without, as ``route`` scores them).

        Clauses are short and often unsure: deferring all of them sent ~6x more clauses than messages to MiniLM
        on the bench's messages, most of which cannot change what ``detect_many`` returns.
        """
        whole, _ = self.route(texts)
        if not self.spare_clauses:
            return whole, self.route(clauses)[0]
        mains = whole.argmax(axis=1)[owners]
        return whole, self.route(clauses, only=lambda probs: self.may_add_intent(probs, mains))[0]

    def minilm_probabilities(self, texts: list[str]) -> np.ndarray:
        """The MiniLM head's probabilities, each distinct masked text computed once (a batch repeats signatures,
        greetings and id-only clauses). The same as ``full.text_probabilities``: MiniLM masks the texts itself,
        and its vectors do not depend on the batch a text is in."""
        keys = [mask(t) for t in texts]
        distinct = list(dict.fromkeys(keys))
        if len(distinct) == len(keys):
            return self.full.text_probabilities(texts)
        rows = dict(zip(distinct, self.full.text_probabilities(distinct), strict=True))
        return np.stack([rows[k] for k in keys])

    def may_add_intent(self, fast_probs: np.ndarray, main: np.ndarray) -> np.ndarray:
        """Per clause, whether the fast head gives at least ``CLAUSE_DEFER_MASS`` to an intent other than its
        message's main one (``main``, class indices) and out_of_scope: only such an intent can become a secondary
        one, so a clause without one is not worth a MiniLM call."""
        other = fast_probs.copy()
        other[np.arange(len(other)), main] = 0.0
        if OUT_OF_SCOPE in self.classes:
            other[:, self.classes.index(OUT_OF_SCOPE)] = 0.0
        return np.asarray(other.max(axis=1, initial=0.0) >= CLAUSE_DEFER_MASS)

    def deferred(self, fast_probs: np.ndarray, fast_features: FastFeatures) -> np.ndarray:
        """Which texts go to MiniLM: those the fast head is unsure of, and those with no token it knows (their
        zero vector would leave the answer to the intercepts alone)."""
        return np.asarray((fast_probs.max(axis=1) < self.threshold) | ~fast_features.known())


def choose_threshold(fast: np.ndarray, both: np.ndarray, labels: np.ndarray,
                     tolerance: float = ACCURACY_TOLERANCE) -> float:
    """The lowest threshold whose cascade accuracy is within ``tolerance`` of the combined heads' on every text
    (``both``: the probabilities a deferred text gets)."""
    target = float((both.argmax(axis=1) == labels).mean()) - tolerance
    for threshold in THRESHOLD_GRID:
        deferred = fast.max(axis=1) < threshold
        probs = np.where(deferred[:, None], both, fast)
        if float((probs.argmax(axis=1) == labels).mean()) >= target:
            return threshold
    return THRESHOLD_GRID[-1]


def fit_threshold(fast: FastRouter, full: IntentRouter, examples: list[Example],
                  shifted: list[Example] | None = None) -> tuple[float, Weights]:
    """The combination weights (``fit_weights``) and the deferral threshold (``choose_threshold``), both on the
    calibration split of ``examples`` and of the ``shifted`` ones."""
    held = in_split(examples, CALIBRATION) + in_split(shifted or [], CALIBRATION)
    if not held:
        return THRESHOLD_GRID[-1], (0.5, 0.5)
    texts = [e.text for e in held]
    labels = np.array([full.classes.index(e.intent) for e in held])
    fast_probs, full_probs = fast.text_probabilities(texts), full.text_probabilities(texts)
    weights = fit_weights(fast_probs, full_probs, labels)
    return choose_threshold(fast_probs, combine(fast_probs, full_probs, weights), labels), weights


def load_cascade(cache_dir: Path, examples: list[Example] | None = None,
                 shifted: list[Example] | None = None) -> CascadeRouter:
    """Both heads and the threshold, each from the cache when there, else trained and cached. ``shifted``
    defaults to the shipped ``intent_shift.jsonl`` when ``examples`` is not given, else to none."""
    if examples is None:
        examples = load_examples()
        shifted = load_examples(shifted=True) if shifted is None else shifted
    shifted = shifted or []
    fast = load_fast_head(cache_dir, examples, fingerprint(examples, STATIC))
    full = load_minilm_head(cache_dir, examples)
    keys = [fingerprint(examples, STATIC), fingerprint(examples)] + ([fingerprint(shifted)] if shifted else [])
    key = hashlib.sha256(f"{CASCADE_RECIPE}/{ACCURACY_TOLERANCE}/{'-'.join(keys)}".encode()).hexdigest()[:16]
    path = cache_dir / f"intent-router-cascade-{key}.json"
    try:
        saved = json.loads(path.read_text("utf-8"))
        threshold, weights = float(saved["threshold"]), (float(saved["weights"][0]), float(saved["weights"][1]))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        threshold, weights = fit_threshold(fast, full, examples, shifted)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"threshold": threshold, "weights": list(weights),
                                   "tolerance": ACCURACY_TOLERANCE, "recipe": CASCADE_RECIPE}) + "\n", "utf-8")
        tmp.replace(path)
    return CascadeRouter(fast, full, threshold, weights)
