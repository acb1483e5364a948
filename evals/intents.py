"""Intent-routing evaluation: accuracy, macro-F1, per-intent recall, confusions and calibration error.

Runs on the project's own held-out split, or on a labelled CSV/JSONL such as the public Bitext dev set
(../shared/data/bitext-dev), which is used for evaluation only — never for training.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from graphs.reasoners.local.router import Example, IntentRouter, load_examples

BITEXT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bitext-dev"


@dataclass
class IntentReport:
    dataset: str
    n: int
    accuracy: float
    macro_f1: float
    expected_calibration_error: float
    per_intent_recall: dict[str, float] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)


def load_labelled(path: Path) -> list[Example]:
    """Examples from a CSV (columns utterance/text and intent) or a JSONL file ({"text", "intent"})."""
    if path.is_dir():
        candidates = sorted(path.glob("*.csv")) + sorted(path.glob("*.jsonl"))
        if not candidates:
            raise FileNotFoundError(f"no .csv or .jsonl file in {path}")
        path = candidates[0]
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
        return [Example(text=r["text"], intent=r["intent"]) for r in rows]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        column = "utterance" if reader.fieldnames and "utterance" in reader.fieldnames else "text"
        return [Example(text=row[column], intent=row["intent"]) for row in reader if row.get(column)]


def held_out_examples() -> list[Example]:
    """The project's own examples that the router never trained on."""
    return [e for e in load_examples() if e.held_out]


def expected_calibration_error(confidences: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for low, high in pairwise(edges):
        mask = (confidences > low) & (confidences <= high)
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidences[mask].mean())
    return float(total)


def evaluate(router: IntentRouter, examples: list[Example], *, dataset: str, batch: int = 512) -> IntentReport:
    """Score the router's top intent against the labels."""
    from graphs.reasoners.local.embedder import embed

    predicted: list[str] = []
    confidences: list[float] = []
    for start in range(0, len(examples), batch):
        probs = router.probabilities(embed([e.text for e in examples[start:start + batch]]))
        best = probs.argmax(axis=1)
        predicted += [router.classes[i] for i in best]
        confidences += [float(p[i]) for p, i in zip(probs, best, strict=True)]
    gold = [e.intent for e in examples]
    correct = np.array([p == g for p, g in zip(predicted, gold, strict=True)])
    recall = {
        intent: float(np.mean([p == intent for p, g in zip(predicted, gold, strict=True) if g == intent]))
        for intent in sorted(set(gold))
    }
    confusions = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    return IntentReport(
        dataset=dataset,
        n=len(examples),
        accuracy=float(correct.mean()),
        macro_f1=float(f1_score(gold, predicted, labels=sorted(set(gold)), average="macro", zero_division=0)),
        expected_calibration_error=expected_calibration_error(np.array(confidences), correct),
        per_intent_recall=recall,
        confusions=[(g, p, n) for (g, p), n in confusions.most_common(10)],
    )
