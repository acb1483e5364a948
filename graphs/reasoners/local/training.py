"""Training the MiniLM head: the regression (averaged over a grid of regularisation strengths), its temperature
(on the calibration split), and the on-disk cache that lets later processes skip training (``router.fingerprint``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from graphs.reasoners.local.examples import CALIBRATION, TRAIN, Example, in_split, load_examples
from graphs.reasoners.local.router import C_GRID, MINILM, STATIC, Embedder, IntentRouter, fingerprint

if TYPE_CHECKING:
    from graphs.reasoners.local.fast_head import FastRouter


def train_router(examples: list[Example], *, features: str = MINILM, embedder: Embedder | None = None,
                 grid: tuple[float, ...] = C_GRID) -> IntentRouter:
    """Fit the regression on the training split once per strength of ``grid`` and average the fits, then the
    temperature on the calibration split; the test split is never looked at.

    Averaging the fits (their weights and intercepts: the mean of their logits, so still one linear model, no
    slower to run) instead of choosing one C by cross-validation: the choice flipped between neighbouring C when
    a few examples changed, and with it the readings of borderline messages. The average moves a little when an
    example is added; a chosen C jumps (``docs/intent-routing.md``, "Stable retrains").
    """
    train = in_split(examples, TRAIN)
    held = in_split(examples, CALIBRATION)
    router = IntentRouter([], np.zeros((0, 0)), np.zeros(0), 1.0, features=features, embedder=embedder)
    x_train = router.vectors([e.text for e in train])
    y_train = [e.intent for e in train]
    coefs, intercepts = [], []
    # One BLAS thread: these problems are small, and on a busy 2-core machine multi-threaded BLAS spins ~10x slower.
    with threadpool_limits(1):
        for c in grid:
            clf = LogisticRegression(C=c, max_iter=3000)
            clf.fit(x_train, y_train)
            coefs.append(clf.coef_)
            intercepts.append(clf.intercept_)
    router.classes = [str(c) for c in clf.classes_]
    router.coef = np.mean(coefs, axis=0).astype(np.float32)
    router.intercept = np.mean(intercepts, axis=0).astype(np.float32)
    if held:
        x_held = router.vectors([e.text for e in held])
        y_held = np.array([router.classes.index(e.intent) for e in held])
        router.temperature = fit_temperature(x_held @ router.coef.T + router.intercept, y_held)
    return router


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of the calibration split's labels."""

    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(labels)), labels].mean())

    return float(minimize_scalar(nll, bounds=(0.05, 10.0), method="bounded").x)



def load_head(features: str, cache_dir: Path, examples: list[Example] | None = None) -> IntentRouter | FastRouter:
    """One path's trained head (``MINILM``: an ``IntentRouter``; ``STATIC``: the fast path's ``FastRouter``):
    from the on-disk cache when the examples and recipe are unchanged, else trained and cached."""
    examples = examples if examples is not None else load_examples()
    if features == STATIC:
        # inside: fast_head imports this module
        from graphs.reasoners.local.fast_head import load_fast_head

        return load_fast_head(cache_dir, examples, fingerprint(examples, STATIC))
    if features != MINILM:
        raise ValueError(f"unknown router features {features!r}")
    return load_minilm_head(cache_dir, examples)


def load_minilm_head(cache_dir: Path, examples: list[Example]) -> IntentRouter:
    """The MiniLM head from the cache when the examples and recipe are unchanged, else trained and cached."""
    path = cache_dir / f"intent-router-{fingerprint(examples, MINILM)}.npz"
    if path.exists():
        try:
            return IntentRouter.from_file(path)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file is rebuilt below
    router = train_router(examples)
    router.to_file(path)
    return router
