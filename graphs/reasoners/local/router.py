"""Intent routing: MiniLM sentence embeddings + a multinomial logistic regression, temperature-calibrated.

Trained on the project's own labelled examples (``data/intent_examples.jsonl``): a deterministic 80/20 split
by text hash; the regression learns on the 80 %, one temperature is fitted on the held-out 20 % so the
probabilities mean what they say. The fitted weights are cached on disk, keyed by a hash of the examples and
the model, so later processes skip training.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression

from graphs.reasoners.local.embedder import MODEL_ID, embed

EXAMPLES_FILE = "intent_examples.jsonl"
_CLAUSE_SPLIT = re.compile(
    r"(?:[.!?;]+\s+|\s*,?\s+(?:and also|also|plus|and then|oh and|another thing|besides that|"
    r"on top of that|as well as)\s+|,\s+and\s+|\s+and\s+(?=(?:my|i|the|can|could|please|how|what|where|why)\b))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Example:
    text: str
    intent: str

    @property
    def held_out(self) -> bool:
        """Deterministic 20 % held-out split, stable across runs and machines."""
        return int(hashlib.sha256(self.text.encode()).hexdigest(), 16) % 5 == 0


@dataclass(frozen=True)
class IntentScore:
    intent: str
    confidence: float


def load_examples(path: Path | None = None) -> list[Example]:
    """The labelled examples shipped with the project (or those at ``path``)."""
    if path is None:
        text = resources.files("graphs.reasoners.local").joinpath("data", EXAMPLES_FILE).read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [Example(text=r["text"], intent=r["intent"]) for r in rows]


class IntentRouter:
    """Calibrated intent probabilities for texts; no state beyond the fitted weights."""

    def __init__(self, classes: list[str], coef: np.ndarray, intercept: np.ndarray, temperature: float) -> None:
        self.classes = classes
        self.coef = coef
        self.intercept = intercept
        self.temperature = temperature

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        logits = (vectors @ self.coef.T + self.intercept) / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def classify(self, texts: list[str]) -> list[list[IntentScore]]:
        """For each text, every intent with its probability, best first."""
        probs = self.probabilities(embed(texts))
        out = []
        for row in probs:
            order = np.argsort(-row)
            out.append([IntentScore(self.classes[i], float(row[i])) for i in order])
        return out

    def detect(self, text: str, *, secondary_threshold: float = 0.55) -> tuple[list[IntentScore], float]:
        """The intents of one message and the margin of the main one.

        The whole message gives the main intent; each clause ("…, and my password doesn't work either") is
        classified too, and a clause that confidently names another intent adds it. Returns the intents
        (main first) and the main intent's margin over the runner-up.
        """
        clauses = [c.strip() for c in _CLAUSE_SPLIT.split(text) if c and len(c.split()) >= 3]
        texts = [text, *clauses] if len(clauses) > 1 else [text]
        ranked = self.classify(texts)
        whole = ranked[0]
        intents = [whole[0]]
        margin = whole[0].confidence - whole[1].confidence
        for clause_scores in ranked[1:]:
            best = clause_scores[0]
            if best.confidence >= secondary_threshold and best.intent not in {i.intent for i in intents}:
                if best.intent == "out_of_scope":
                    continue
                intents.append(best)
        if len(intents) > 1 and intents[0].intent == "out_of_scope":
            intents = intents[1:]
        return intents, margin

    def to_file(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, classes=np.array(self.classes), coef=self.coef, intercept=self.intercept,
                 temperature=np.array(self.temperature))
        tmp.replace(path)

    @classmethod
    def from_file(cls, path: Path) -> IntentRouter:
        with np.load(path, allow_pickle=False) as data:
            return cls([str(c) for c in data["classes"]], data["coef"], data["intercept"],
                       float(data["temperature"]))


def train_router(examples: list[Example]) -> IntentRouter:
    """Fit the regression on the training split and the temperature on the held-out split."""
    train = [e for e in examples if not e.held_out]
    held = [e for e in examples if e.held_out]
    x_train = embed([e.text for e in train])
    clf = LogisticRegression(C=20.0, max_iter=2000)
    clf.fit(x_train, [e.intent for e in train])
    classes = [str(c) for c in clf.classes_]
    router = IntentRouter(classes, clf.coef_.astype(np.float32), clf.intercept_.astype(np.float32), 1.0)
    if held:
        x_held = embed([e.text for e in held])
        y_held = np.array([classes.index(e.intent) for e in held])
        router.temperature = fit_temperature(router, x_held, y_held)
    return router


def fit_temperature(router: IntentRouter, vectors: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of the held-out labels."""
    logits = vectors @ router.coef.T + router.intercept

    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(labels)), labels].mean())

    return float(minimize_scalar(nll, bounds=(0.05, 10.0), method="bounded").x)


def _fingerprint(examples: list[Example]) -> str:
    h = hashlib.sha256(MODEL_ID.encode())
    for e in examples:
        h.update(f"{e.intent}\t{e.text}\n".encode())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def load_router(cache_dir: Path | None = None) -> IntentRouter:
    """The process-wide router: from the on-disk cache when the examples are unchanged, else trained."""
    examples = load_examples()
    if cache_dir is None:
        from supportgraph.settings import get_settings

        cache_dir = get_settings().home / "cache"
    path = cache_dir / f"intent-router-{_fingerprint(examples)}.npz"
    if path.exists():
        try:
            return IntentRouter.from_file(path)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file is rebuilt below
    router = train_router(examples)
    router.to_file(path)
    return router
