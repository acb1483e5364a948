"""The calibration map, fitted on first-contact turns (evals/first_contact.py).

The signal weights are fitted on every worked-on dev turn (many turns: they carry the ranking of right and wrong
turns). The probability those weights give is then mapped, sigmoid(a + b · z) over the model's linear score z, with
``a`` and ``b`` fitted on the first-contact turns only: the turns the code played before it was worked on from
them, the only ones whose error rate is that of text the agent has never met. Two numbers are all a few hundred
turns can fit; both are pulled towards the worked-on fit (a = 0, b = 1) by a Gaussian prior of strength
``PRIOR`` and ``b`` is kept above 0 (a surer turn never scores lower). The map composes with the linear model, so
the written model keeps its form: bias' = a + b · bias, weight' = b · weight. The conversation map gets the same
recalibration on the first-contact conversations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.optimize import minimize
from sklearn.metrics import roc_auc_score

from evals.intents import expected_calibration_error
from evals.selective import risk_coverage
from graphs.support import conversation_map
from graphs.support.confidence import SIGNALS, ConfidenceModel

if TYPE_CHECKING:
    from evals.confidence_fit import LabelledTurn

# The prior's strength: a pull of this many (unit-variance) pseudo-observations towards a = 0, b = 1. With 142
# first-contact turns of one batch it moves the fit by a few hundredths; with none it leaves the worked-on fit.
PRIOR = 2.0
MIN_SLOPE = 0.05


def platt(z: Sequence[float] | np.ndarray, y: Sequence[bool] | np.ndarray, prior: float = PRIOR, *,
          weight: Sequence[float] | np.ndarray | None = None, slope: float | None = None) -> tuple[float, float]:
    """(a, b) of sigmoid(a + b · z) fitted to the labels ``y`` by penalised maximum likelihood; (0, 1) without
    labels of both kinds. ``weight``: each turn's weight in the likelihood (1 each unless given); ``slope``: b held
    at this value and only a fitted."""
    z_ = np.asarray(z, dtype=float)
    y_ = np.asarray(y, dtype=float)
    w_ = np.ones_like(z_) if weight is None else np.asarray(weight, dtype=float)
    if len(z_) == 0 or len(set(y_[w_ > 0].tolist())) < 2:
        return 0.0, 1.0 if slope is None else slope

    def loss(ab: np.ndarray) -> tuple[float, np.ndarray]:
        a, b = ab
        t = a + b * z_
        nll = float(np.sum(w_ * (np.logaddexp(0.0, t) - y_ * t)))
        r = w_ * (1.0 / (1.0 + np.exp(-t)) - y_)
        grad = np.array([np.sum(r) + prior * a, np.sum(r * z_) + prior * (b - 1.0)])
        return nll + prior / 2 * (a * a + (b - 1.0) ** 2), grad

    bounds = [(None, None), (MIN_SLOPE, None) if slope is None else (slope, slope)]
    res = minimize(loss, np.array([0.0, 1.0 if slope is None else slope]), jac=True, method="L-BFGS-B",
                   bounds=bounds)
    return float(res.x[0]), float(res.x[1])


def logit(p: Sequence[float] | np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))


def apply(a: float, b: float, z: Sequence[float] | np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(a + b * np.asarray(z, dtype=float))))


def linear(model: ConfidenceModel, turns: Sequence[LabelledTurn]) -> np.ndarray:
    """The model's linear score (the logit of its confidence) for each turn."""
    return np.array([model.bias + sum(model.weights.get(n, 0.0) * t.signals.get(n, 0.0) for n in SIGNALS)
                     for t in turns])


def _conversations(turns: Sequence[LabelledTurn]) -> list[list[int]]:
    groups: dict[str, list[int]] = {}
    for n, t in enumerate(turns):
        if t.conversation and t.conversation_right is not None:
            groups.setdefault(t.conversation, []).append(n)
    return list(groups.values())


def conversation_logits(conversation: dict[str, float], turns: Sequence[LabelledTurn],
                        p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each conversation's map logit from its turns' probabilities ``p``, and whether it passed."""
    groups = _conversations(turns)
    scores = [conversation_map.score(conversation, [float(p[i]) for i in idx], [turns[i].signals for i in idx])
              for idx in groups]
    return logit([s if s is not None else 0.5 for s in scores]), np.array(
        [bool(turns[idx[0]].conversation_right) for idx in groups])


def compose(model: ConfidenceModel, turn_ab: tuple[float, float],
            conversation_ab: tuple[float, float]) -> ConfidenceModel:
    """The model with both maps folded in: sigmoid(a + b · z) of a linear z is linear again."""
    (a, b), (ca, cb) = turn_ab, conversation_ab
    conversation = {k: (ca + cb * v if k == "bias" else cb * v) for k, v in model.conversation.items()}
    conversation.setdefault("bias", ca)
    return replace(model, bias=a + b * model.bias, weights={k: b * v for k, v in model.weights.items()},
                   conversation=conversation)


def recalibrate(model: ConfidenceModel, first: Sequence[LabelledTurn]) -> ConfidenceModel:
    """``model`` with its turn map and its conversation map refitted on the first-contact turns ``first``."""
    y = [t.correct for t in first]
    turn_ab = platt(linear(model, first), y)
    p = apply(*turn_ab, linear(model, first))
    conversation_ab = platt(*conversation_logits(model.conversation, first, p)) if _conversations(first) else (0, 1)
    return compose(model, turn_ab, conversation_ab)


def held_out(refit: Callable[[list[LabelledTurn]], ConfidenceModel], first: Sequence[LabelledTurn]) -> dict[str, Any]:
    """How the recalibrated model does on first-contact turns it never saw: each first-contact half predicted by
    the model whose weights ``refit`` fits without it, recalibrated on the other halves (with one half, each writer
    by the model fitted and recalibrated without that writer). The figures a new batch can be expected to show:
    turn ECE, AUC and risk at 60 % coverage, conversation ECE and AUC, pooled and per held-out group."""
    from evals.confidence_fit import calibration_floor, group_of

    folders = sorted({t.folder for t in first})
    key = (lambda t: t.folder) if len(folders) > 1 else group_of
    groups = sorted({key(t) for t in first})
    if len(groups) < 2:
        return {}
    turn_p: list[float] = []
    turn_y: list[bool] = []
    conv_p: list[float] = []
    conv_y: list[bool] = []
    per_group: dict[str, dict[str, float]] = {}
    for g in groups:
        rest = [t for t in first if key(t) != g]
        part = [t for t in first if key(t) == g]
        fitted = recalibrate(refit(part), rest)
        p = apply(0.0, 1.0, linear(fitted, part))
        zc, yc = conversation_logits(fitted.conversation, part, p)
        pc = apply(0.0, 1.0, zc)
        y = np.array([t.correct for t in part])
        # A batch of ~140 turns shows a calibration error of ~0.065 by chance alone, however well calibrated the
        # score is (median over outcomes drawn from its own probabilities): judge the half's ECE against it.
        per_group[g.rsplit("/", 1)[-1]] = {"turn_ece": round(expected_calibration_error(p, y), 4),
                                           "turn_ece_floor": round(calibration_floor(p, len(p)), 4),
                                           "conversation_ece": round(expected_calibration_error(pc, yc), 4),
                                           "conversation_ece_floor": round(calibration_floor(pc, len(pc)), 4)}
        turn_p += p.tolist()
        turn_y += y.tolist()
        conv_p += pc.tolist()
        conv_y += yc.tolist()
    curve = risk_coverage(turn_p, turn_y)
    return {"held_out_by": "folder" if len(folders) > 1 else "writer", "turns": len(turn_y),
            "turn_ece": round(expected_calibration_error(np.array(turn_p), np.array(turn_y)), 4),
            "turn_auc": round(float(roc_auc_score(turn_y, turn_p)), 4),
            "turn_risk_at_60": round(next(q["risk"] for q in curve if q["coverage"] >= 0.6), 4),
            "conversations": len(conv_y),
            "conversation_ece": round(expected_calibration_error(np.array(conv_p), np.array(conv_y)), 4),
            "conversation_auc": round(float(roc_auc_score(conv_y, conv_p)), 4) if len(set(conv_y)) > 1 else None,
            "per_group": per_group}
