"""Selective answering: which turns the agent should answer alone, from their confidence and whether they were right.

A turn's label comes from an automatic rule over the scenario's expectations (:func:`turn_labels`); there is no
hand labelling. The risk–coverage curve sorts the turns by confidence: at threshold t the agent answers alone the
turns with confidence ≥ t (coverage: their share) and the risk is the error rate among them. The threshold for a
target risk is the lowest one whose risk stays within the target — the most turns answered alone at that risk.
The same is done per conversation (a conversation is answered alone when every turn is, i.e. its lowest turn
confidence ≥ t; it is right when the trial passed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from evals.intents import expected_calibration_error
from graphs.support.confidence import DIRECTION, SIGNALS

TARGET_RISK = 0.05
# Intents that never contradict a scenario's expectations: a greeting, thanks, a bare answer read as small talk.
NEUTRAL_INTENTS = {"out_of_scope"}


def turn_labels(turns: Sequence[dict[str, Any]], *, passed: bool, expected_intents: Sequence[str],
                expected_escalation: bool) -> list[bool | None]:
    """Whether the agent's action and reply were right in each turn (None: a resumed review, no new turn).

    The rule, automatic from the scenario's expectations (its limits are in docs/confidence.md):
    - every turn of a passing trial is right;
    - in a failing trial a turn is wrong when it handed over although the scenario expects no hand-off, when it
      acted on intents none of which the scenario expects (a misreading) while the scenario names its intents,
      or when it is the last turn played (where the end state the expectations judge was reached);
    - every other turn of a failing trial is right.
    """
    labels: list[bool | None] = []
    expected = set(expected_intents)
    played = [n for n, t in enumerate(turns) if t.get("confidence") is not None and not _is_resume(turns, n)]
    for n, turn in enumerate(turns):
        if n not in played:
            labels.append(None)
            continue
        if passed:
            labels.append(True)
            continue
        intents = set(turn.get("intents") or [])
        misread = bool(expected) and bool(intents) and not intents & expected and not intents <= NEUTRAL_INTENTS
        unwanted_handoff = turn.get("route") == "human_review" and not expected_escalation
        labels.append(not (misread or unwanted_handoff or n == played[-1]))
    return labels


def _is_resume(turns: Sequence[dict[str, Any]], n: int) -> bool:
    return n > 0 and bool(turns[n - 1].get("review_actions")) and turns[n]["message"] == turns[n - 1]["message"]


def risk_coverage(confidence: Sequence[float], right: Sequence[bool]) -> list[dict[str, float]]:
    """The curve: one point per distinct confidence, from the strictest threshold to answering everything."""
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(right, dtype=bool)
    points = []
    for t in sorted(set(conf.tolist()), reverse=True):
        answered = conf >= t
        n = int(answered.sum())
        points.append({"threshold": round(float(t), 4), "coverage": n / len(conf), "answered": n,
                       "risk": float(1.0 - ok[answered].mean())})
    return points


def threshold_for(points: list[dict[str, float]], target_risk: float = TARGET_RISK) -> dict[str, float] | None:
    """The point with the most coverage whose risk is within ``target_risk`` (None: no threshold reaches it)."""
    within = [p for p in points if p["risk"] <= target_risk + 1e-12]
    return max(within, key=lambda p: (p["coverage"], p["threshold"])) if within else None


def at_threshold(confidence: Sequence[float], right: Sequence[bool], threshold: float) -> dict[str, float | None]:
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(right, dtype=bool)
    answered = conf >= threshold
    n = int(answered.sum())
    return {"threshold": threshold, "coverage": n / len(conf) if len(conf) else 0.0,
            "risk": float(1.0 - ok[answered].mean()) if n else None}


def separation(confidence: Sequence[float], right: Sequence[bool],
               signals: Sequence[dict[str, float]] | None = None) -> dict[str, Any] | None:
    """How well the confidence, and each signal alone, tell right turns from wrong ones: the area under the ROC
    curve (0.5 is chance, 1 perfect). A signal's AUC is taken in the direction its meaning says (a higher
    ``repair`` should mean a wrong turn more likely), so below 0.5 it points the wrong way on these turns; a signal
    that is the same on every turn is left out. None when the turns are all right or all wrong."""
    ok = np.asarray(right, dtype=int)
    if len(set(ok.tolist())) < 2:
        return None
    out: dict[str, Any] = {"n": len(ok), "wrong": int(len(ok) - ok.sum()),
                           "confidence": float(roc_auc_score(ok, np.asarray(confidence, dtype=float))),
                           "signals": {}}
    for name in SIGNALS:
        values = np.array([DIRECTION[name] * float(s.get(name, 0.0)) for s in signals or []])
        if len(values) == len(ok) and len(set(values.tolist())) > 1:
            out["signals"][name] = float(roc_auc_score(ok, values))
    return out


def selective_figures(turn_conf: Sequence[float], turn_right: Sequence[bool], conv_conf: Sequence[float],
                      conv_right: Sequence[bool], *, routed_alone: Sequence[bool] | None = None,
                      turn_signals: Sequence[dict[str, float]] | None = None,
                      target_risk: float = TARGET_RISK) -> dict[str, Any]:
    """Risk–coverage per turn and per conversation, the threshold for ``target_risk`` and the ECE of each, and
    how well the confidence and each signal separate right from wrong turns (AUC)."""
    out: dict[str, Any] = {"target_risk": target_risk,
                           "separation": separation(turn_conf, turn_right, turn_signals)}
    for name, conf, right in (("per_turn", turn_conf, turn_right), ("per_conversation", conv_conf, conv_right)):
        if not len(conf):
            out[name] = None
            continue
        curve = risk_coverage(conf, right)
        chosen = threshold_for(curve, target_risk)
        out[name] = {
            "n": len(conf), "right": int(sum(right)),
            "expected_calibration_error": expected_calibration_error(np.asarray(conf, dtype=float),
                                                                     np.asarray(right, dtype=bool)),
            "curve": curve,
            "chosen": chosen,
            # The error rate when the agent answers everything, and at 60 % coverage (the target point).
            "risk_at_full_coverage": curve[-1]["risk"],
            "risk_at_60_coverage": next((p["risk"] for p in curve if p["coverage"] >= 0.6), None),
        }
    if routed_alone is not None and len(turn_conf):
        alone = np.asarray(routed_alone, dtype=bool)
        ok = np.asarray(turn_right, dtype=bool)
        out["per_turn"]["as_routed"] = {"coverage": float(alone.mean()),
                                        "risk": float(1.0 - ok[alone].mean()) if alone.any() else None}
    return out
