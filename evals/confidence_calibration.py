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

import re
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
# The maps' half-life in batches: a first-contact batch this many batches older than the newest weighs half as much
# (None: every batch the same). The code improves from batch to batch and a map fitted on older code under-states
# newer code (docs/confidence.md "Calibration that holds on the next batch"); the rate of right turns also swings
# between batches by their writers (dev12-dev15 at first contact: 82, 74, 83, 73 %), and a map on the newest batch
# alone carries its swing to the next one. Session 19 (forward over batches 7-15 and the para halves): a half-life
# of 2 batches, the intercepts on every batch so weighed (docs/confidence.md "Calibration when batches swing").
HALF_LIFE: float | None = 2.0
# The maps' intercepts from the newest first-contact batch alone, their slopes from every batch (session 15's
# choice, forward over batches 7-11, while each batch's rate rose): off since session 19, see HALF_LIFE.
NEWEST_INTERCEPT = False
_NUMBER = re.compile(r"(\d+)$")


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


def batch_of(folder: str) -> int:
    """The batch a half belongs to, from its folder's number (blind/dev7, blind/para7 → 7; blind/dev → 1)."""
    match = _NUMBER.search(folder.rstrip("/").rsplit("/", 1)[-1])
    return int(match.group(1)) if match else 1


def recency(turns: Sequence[LabelledTurn], half_life: float | None) -> np.ndarray:
    """Each turn's weight in the maps: 0.5 ** (age / half_life), its age the number of batches between its half
    and the newest half of ``turns`` (every turn 1 when ``half_life`` is None)."""
    batches = np.array([batch_of(t.folder) for t in turns], dtype=float)
    if half_life is None or not len(batches):
        return np.ones(len(batches))
    return np.power(0.5, (batches.max() - batches) / half_life)


def maps(model: ConfidenceModel, first: Sequence[LabelledTurn], half_life: float | None = None,
         newest_intercept: bool = NEWEST_INTERCEPT) -> tuple[tuple[float, float], tuple[float, float]]:
    """The turn map and the conversation map (a, b of sigmoid(a + b · z)) fitted on the first-contact turns
    ``first``, an older batch's turns weighing less by ``half_life`` (``recency``; a conversation weighs as its
    turns). ``newest_intercept``: each map's slope from those turns, its intercept refitted with that slope on the
    newest batch alone: how often the agent is right is the newest code's, how the score ranks turns is all
    batches'."""
    y = np.array([t.correct for t in first])
    w = recency(first, half_life)
    z = linear(model, first)
    newest = np.array([batch_of(t.folder) for t in first]) == max((batch_of(t.folder) for t in first), default=0)
    turn_ab = platt(z, y, weight=w)
    if newest_intercept:
        turn_ab = platt(z[newest], y[newest], slope=turn_ab[1])
    groups = _conversations(first)
    if not groups:
        return turn_ab, (0.0, 1.0)
    zc, yc = conversation_logits(model.conversation, first, apply(*turn_ab, z))
    conversation_ab = platt(zc, yc, weight=[w[idx[0]] for idx in groups])
    if newest_intercept:
        last = np.array([bool(newest[idx[0]]) for idx in groups])
        conversation_ab = platt(zc[last], yc[last], slope=conversation_ab[1])
    return turn_ab, conversation_ab


def recalibrate(model: ConfidenceModel, first: Sequence[LabelledTurn], half_life: float | None = None,
                newest_intercept: bool = NEWEST_INTERCEPT) -> ConfidenceModel:
    """``model`` with its turn map and its conversation map refitted on the first-contact turns ``first``
    (``maps``)."""
    return compose(model, *maps(model, first, half_life, newest_intercept))


Refit = Callable[[list["LabelledTurn"]], ConfidenceModel]


def held_out(refit: Refit, first: Sequence[LabelledTurn], half_life: float | None = None,
             newest_intercept: bool = NEWEST_INTERCEPT) -> dict[str, Any]:
    """How the recalibrated model does on first-contact turns it never saw: each first-contact half predicted by
    the model whose weights ``refit`` fits without it, recalibrated on the other halves (with one half, each writer
    by the model fitted and recalibrated without that writer). The figures a new batch can be expected to show:
    turn ECE, AUC and risk at 60 % coverage, conversation ECE and AUC, pooled and per held-out group."""
    from evals.confidence_fit import group_of

    folders = sorted({t.folder for t in first})
    key = (lambda t: t.folder) if len(folders) > 1 else group_of
    groups = sorted({key(t) for t in first})
    if len(groups) < 2:
        return {}
    predicted = [(g, [t for t in first if key(t) == g], [t for t in first if key(t) != g]) for g in groups]
    return {"held_out_by": "folder" if len(folders) > 1 else "writer",
            **_predicted(refit, predicted, half_life, newest_intercept)}


def forward(refit: Refit, first: Sequence[LabelledTurn], half_life: float | None = None,
            newest_intercept: bool = NEWEST_INTERCEPT) -> dict[str, Any]:
    """How the calibration holds on the NEXT batch: each first-contact half after the oldest predicted with the
    maps fitted on the older halves only (their code older too: the code keeps improving, and a map fitted on
    older code under-states newer code) and weights ``refit`` fits without it. What the refit of a session can
    expect on the batch after it. Empty with fewer than two batches."""
    batches = sorted({batch_of(t.folder) for t in first})
    if len(batches) < 2:
        return {}
    predicted = [(next(t.folder for t in first if batch_of(t.folder) == k),
                  [t for t in first if batch_of(t.folder) == k], [t for t in first if batch_of(t.folder) < k])
                 for k in batches[1:]]
    return {"predicted_from": "older batches", **_predicted(refit, predicted, half_life, newest_intercept)}


def _predicted(refit: Refit, predicted: list[tuple[str, list[LabelledTurn], list[LabelledTurn]]],
               half_life: float | None, newest_intercept: bool) -> dict[str, Any]:
    """Pooled and per-group figures of each group's turns predicted by weights fitted without them and maps
    recalibrated on the turns given with them."""
    from evals.confidence_fit import calibration_floor

    turn_p: list[float] = []
    turn_y: list[bool] = []
    conv_p: list[float] = []
    conv_y: list[bool] = []
    per_group: dict[str, dict[str, float]] = {}
    for g, part, rest in predicted:
        fitted = recalibrate(refit(part), rest, half_life, newest_intercept)
        p = apply(0.0, 1.0, linear(fitted, part))
        zc, yc = conversation_logits(fitted.conversation, part, p)
        pc = apply(0.0, 1.0, zc)
        y = np.array([t.correct for t in part])
        # A batch of ~140 turns shows a calibration error of ~0.065 by chance alone, however well calibrated the
        # score is (median over outcomes drawn from its own probabilities): judge the half's ECE against it.
        per_group[g.rsplit("/", 1)[-1]] = {"turn_ece": round(expected_calibration_error(p, y), 4),
                                           "turn_ece_floor": round(calibration_floor(p, len(p)), 4),
                                           "conversation_ece": round(expected_calibration_error(pc, yc), 4),
                                           "conversation_ece_floor": round(calibration_floor(pc, len(pc)), 4),
                                           "turn_mean": round(float(p.mean()), 4),
                                           "turn_rate": round(float(y.mean()), 4)}
        turn_p += p.tolist()
        turn_y += y.tolist()
        conv_p += pc.tolist()
        conv_y += yc.tolist()
    curve = risk_coverage(turn_p, turn_y)
    return {"turns": len(turn_y),
            "turn_ece": round(expected_calibration_error(np.array(turn_p), np.array(turn_y)), 4),
            "turn_auc": round(float(roc_auc_score(turn_y, turn_p)), 4),
            "turn_risk_at_60": round(next(q["risk"] for q in curve if q["coverage"] >= 0.6), 4),
            "conversations": len(conv_y),
            "conversation_ece": round(expected_calibration_error(np.array(conv_p), np.array(conv_y)), 4),
            "conversation_auc": round(float(roc_auc_score(conv_y, conv_p)), 4) if len(set(conv_y)) > 1 else None,
            "per_group": per_group}
