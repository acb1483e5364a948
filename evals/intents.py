"""Intent-routing evaluation: accuracy, macro-F1, per-intent recall, confusions and calibration error.

Runs on the project's own test split (and, for diagnostics, its calibration split), or on a labelled CSV/JSONL
such as the public Bitext dev set (../shared/data/bitext-dev), which is used for evaluation only — never for
training, and never for choosing a recipe, a threshold or a hyper-parameter.

The project's examples are split by text hash into train (80 %: fits the heads), calibration (10 %: fits the
temperatures and the cascade's deferral rule) and test (10 %: only ever reported).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sklearn.metrics import f1_score

from graphs.reasoners.local.cascade import CascadeRouter, combine
from graphs.reasoners.local.examples import CALIBRATION, TEST, Example, in_split, load_examples
from graphs.reasoners.local.router import IntentModel

if TYPE_CHECKING:
    from graphs.reasoners.local.cascade import CascadeRouter

BITEXT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bitext-dev"


@dataclass
class IntentReport:
    dataset: str
    n: int
    accuracy: float
    macro_f1: float
    expected_calibration_error: float
    per_intent_recall: dict[str, float] = field(default_factory=dict)
    per_intent_support: dict[str, int] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    reliability: list[ReliabilityBin] = field(default_factory=list)
    model: str = "cascade"
    deferred_share: float | None = None  # the cascade's share of messages re-scored by MiniLM

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict of every field."""
        return asdict(self)


@dataclass
class ReliabilityBin:
    """One confidence bin of a reliability diagram: how sure the router was vs how often it was right."""

    low: float
    high: float
    count: int
    mean_confidence: float
    accuracy: float


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


def test_examples() -> list[Example]:
    """The project's test split: never used to fit or choose anything, only reported."""
    return in_split(load_examples(), TEST)


def calibration_examples() -> list[Example]:
    """The project's calibration split: fits the temperatures and the cascade's deferral rule, not the heads."""
    return in_split(load_examples(), CALIBRATION)


def shifted_test_examples() -> list[Example]:
    """The test half of the separately written, differently phrased ``intent_shift.jsonl``: only reported."""
    return in_split(load_examples(shifted=True), TEST)


def shifted_calibration_examples() -> list[Example]:
    """The calibration half of ``intent_shift.jsonl``: fits the cascade's deferral threshold."""
    return in_split(load_examples(shifted=True), CALIBRATION)


def varied_held_out_examples() -> list[Example]:
    """``intent_heldout.jsonl``: hand-written messages in many styles (typos, indirect speech, offensive words,
    morphology, colloquial, non-native, rambling), written before the examples of those styles were added and
    never trained on, nor used to fit or choose anything: only reported."""
    return load_examples(heldout=True)


def held_out_examples() -> list[Example]:
    """The project's examples the heads never trained on (calibration and test splits, and the separately
    written shifted set), e.g. to play as turns."""
    return [e for e in load_examples() if e.split in (CALIBRATION, TEST)] + load_examples(shifted=True)


def expected_calibration_error(confidences: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for low, high in pairwise(edges):
        mask = (confidences > low) & (confidences <= high)
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidences[mask].mean())
    return float(total)


def reliability_bins(confidences: np.ndarray, correct: np.ndarray, bins: int = 10) -> list[ReliabilityBin]:
    """The same bins as ``expected_calibration_error``, for a reliability diagram (empty bins left out)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    out = []
    for low, high in pairwise(edges):
        mask = (confidences > low) & (confidences <= high)
        if mask.any():
            out.append(ReliabilityBin(float(low), float(high), int(mask.sum()), float(confidences[mask].mean()),
                                      float(correct[mask].mean())))
    return out


def evaluate(router: IntentModel, examples: list[Example], *, dataset: str, batch: int = 512,
             model: str = "cascade") -> IntentReport:
    """Score the router's top intent against the labels (a cascade also reports its deferred share)."""
    parts = []
    deferred: list[np.ndarray] = []
    for start in range(0, len(examples), batch):
        texts = [e.text for e in examples[start:start + batch]]
        if isinstance(router, CascadeRouter):
            probs, routed = router.route(texts)
            deferred.append(routed)
        else:
            probs = router.text_probabilities(texts)
        parts.append(probs)
    share = float(np.concatenate(deferred).mean()) if deferred else None
    return report_from_probabilities(router.classes, np.concatenate(parts), examples, dataset=dataset, model=model,
                                     deferred_share=share)


def evaluate_paths(router: CascadeRouter, examples: list[Example], *, dataset: str,
                   batch: int = 512) -> dict[str, IntentReport]:
    """Reports for the shipped cascade, its fast (static) path alone, its MiniLM path alone and both heads
    combined on every text (what the cascade gives a deferred text).

    Each text is scored once by each head; the cascade's answer is derived from both exactly as ``route`` does.
    """
    fast_parts, full_parts, deferred_parts = [], [], []
    for start in range(0, len(examples), batch):
        texts = [e.text for e in examples[start:start + batch]]
        vectors = router.fast.vectors(texts)
        fast_parts.append(router.fast.probabilities(vectors))
        deferred_parts.append(router.deferred(fast_parts[-1], vectors))
        full_parts.append(router.full.text_probabilities(texts))
    fast, full = np.concatenate(fast_parts), np.concatenate(full_parts)
    deferred = np.concatenate(deferred_parts)
    both = combine(fast, full, router.weights)
    cascade = np.where(deferred[:, None], both, fast)
    classes = router.classes
    return {
        "cascade": report_from_probabilities(classes, cascade, examples, dataset=dataset, model="cascade",
                                             deferred_share=float(deferred.mean())),
        "fast": report_from_probabilities(classes, fast, examples, dataset=dataset, model="fast"),
        "minilm": report_from_probabilities(classes, full, examples, dataset=dataset, model="minilm"),
        "both": report_from_probabilities(classes, both, examples, dataset=dataset, model="both"),
    }


def report_from_probabilities(classes: list[str], probs: np.ndarray, examples: list[Example], *, dataset: str,
                              model: str, deferred_share: float | None = None) -> IntentReport:
    """Accuracy, macro-F1, recall, confusions and calibration of ``probs`` (one row per example)."""
    best = probs.argmax(axis=1)
    predicted = [classes[i] for i in best]
    confidences = [float(p[i]) for p, i in zip(probs, best, strict=True)]
    gold = [e.intent for e in examples]
    correct = np.array([p == g for p, g in zip(predicted, gold, strict=True)])
    recall = {
        intent: float(np.mean([p == intent for p, g in zip(predicted, gold, strict=True) if g == intent]))
        for intent in sorted(set(gold))
    }
    confusions = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    conf = np.array(confidences)
    return IntentReport(
        dataset=dataset,
        n=len(examples),
        accuracy=float(correct.mean()),
        macro_f1=float(f1_score(gold, predicted, labels=sorted(set(gold)), average="macro", zero_division=0)),
        expected_calibration_error=expected_calibration_error(conf, correct),
        per_intent_recall=recall,
        per_intent_support=dict(sorted(Counter(gold).items())),
        confusions=[(g, p, n) for (g, p), n in confusions.most_common(20)],
        reliability=reliability_bins(conf, correct),
        model=model,
        deferred_share=deferred_share,
    )




def save_reliability_diagram(report: IntentReport, path: Path) -> Path:
    """A PNG reliability diagram: accuracy per confidence bin against the diagonal, with bin sizes below."""
    # inside: matplotlib only for the diagram (Agg before pyplot)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(5.5, 6.5), height_ratios=(3, 1), sharex=True)
    centres = [(b.low + b.high) / 2 for b in report.reliability]
    width = 0.09
    top.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfect calibration")
    top.bar(centres, [b.accuracy for b in report.reliability], width=width, color="#4c72b0", alpha=0.85,
            edgecolor="black", linewidth=0.5, label="accuracy in bin")
    top.plot([b.mean_confidence for b in report.reliability], [b.accuracy for b in report.reliability],
             marker="o", color="#dd8452", linewidth=1, label="(mean confidence, accuracy)")
    top.set_ylim(0, 1)
    top.set_ylabel("accuracy")
    top.set_title(f"{report.dataset} ({report.model}): n={report.n}, accuracy {report.accuracy:.3f}, "
                  f"ECE {report.expected_calibration_error:.3f}", fontsize=9)
    top.legend(loc="upper left", fontsize=8)
    bottom.bar(centres, [b.count for b in report.reliability], width=width, color="#55a868", edgecolor="black",
               linewidth=0.5)
    bottom.set_xlim(0, 1)
    bottom.set_xlabel("confidence of the top intent")
    bottom.set_ylabel("messages")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
