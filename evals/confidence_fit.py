"""Fit the confidence model on labelled turns: ``supportgraph fit confidence``.

The labelled turns are the turns of the blind DEV half (evals/scenarios/blind/dev, conversations written by
people who never saw the agent), each scenario played as ``supportgraph eval scenarios`` plays it. A turn is
right when the agent's action and reply for it were right, labelled by the automatic rule of
:func:`evals.selective.turn_labels` from the scenario's expectations (no hand labels; the rule's limits are in
docs/confidence.md). The blind test half is never fitted on: a path under it is refused. A sign-constrained
logistic regression over the turn's signals predicts the label; its cross-validated calibration error is
reported next to the current model's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict

from evals import confidence_calibration as calibration
from evals.intents import expected_calibration_error
from evals.scenario_files import load_scenarios
from evals.scenario_runner import run_scenarios
from evals.selective import risk_coverage, separation, threshold_for
from graphs.support import conversation_map
from graphs.support.confidence import DIRECTION, SIGNALS, ConfidenceModel, load_model

DEV = Path(__file__).parent / "scenarios" / "blind" / "dev"


def dev_halves() -> list[Path]:
    """Every blind dev half (blind/dev, blind/dev3, blind/dev4 …): what ``supportgraph fit confidence`` fits on
    by default."""
    return sorted(p for p in DEV.parent.glob("dev*") if p.is_dir())

FITTED_ON = "blind dev turns, labelled by evals/selective.py's rule (evals/confidence_fit.py)"


@dataclass(frozen=True)
class LabelledTurn:
    text: str
    gold: str
    predicted: str
    signals: dict[str, float]
    correct: bool
    conversation: str = ""  # the scenario the turn belongs to ("" for a turn played alone)
    conversation_right: bool | None = None  # whether that conversation passed
    folder: str = ""  # the scenario folder it was played from (evals/scenarios/blind/dev4)
    commit: str = ""  # the commit it was played on (first-contact records, evals/first_contact.py)
    # What was said: the customer's message, the agent's replies and the intents it read (first-contact records
    # keep them so that reply-side signals can be studied on them later; the fit does not read them).
    message: str = ""
    replies: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()


@dataclass(frozen=True)
class FitReport:
    model: ConfidenceModel
    n: int
    positives: int
    cv_ece: float
    cv_brier: float
    current_ece: float
    current_brier: float
    # Separation of right from wrong turns (AUC): the fitted model's cross-validated probabilities, the current
    # model's scores and each signal alone (evals/selective.py ``separation``).
    cv_separation: dict[str, Any] | None = None
    current_separation: dict[str, Any] | None = None
    # Selective answering on the cross-validated probabilities: the threshold for the target risk (None: none
    # reaches it) and the risk when the most confident 60 % are answered alone.
    cv_chosen: dict[str, float] | None = None
    cv_risk_at_60: float | None = None
    cv_risk_all: float | None = None


def collect_turns(path: Path = DEV) -> list[LabelledTurn]:
    """Play every scenario under ``path`` once and return its turns with their signals and labels.

    Under ``blind/`` only the dev halves (``dev``, ``dev2``…) may be fitted on; the test halves and the fresh
    batches are refused."""
    parts = path.resolve().parts
    if "blind" in parts and not any(p.startswith("dev") for p in parts[parts.index("blind") + 1:][:1]):
        raise ValueError("only the blind dev halves are fitted on: the blind test half is never used for fitting")
    run = run_scenarios(load_scenarios(path))
    folder = _relative(path)
    return [LabelledTurn(f"{r.scenario_id}#{t['turn']}", "right", "right" if t["right"] else "wrong",
                         dict(t["signals"]), bool(t["right"]), f"{r.scenario_id}/{r.trial}", r.passed, folder,
                         message=t.get("message", ""), replies=tuple(t.get("replies", ())),
                         intents=tuple(t.get("intents", ())))
            for r in run.results for t in r.turns if t["signals"]]


# A blind scenario's id starts with its writer ("w16-…"): the folds hold out writers, not only conversations.
_WRITER = re.compile(r"^(w\d+)-")


def group_of(turn: LabelledTurn) -> str:
    """The unit cross-validation holds out: the scenario's writer when its id names one (the agent meets new
    writers, not new conversations of the writers it was fitted on), else the conversation, else the turn."""
    key = turn.conversation or turn.text
    match = _WRITER.match(key)
    return match.group(1) if match else key


# The direction each signal may move confidence in. A fitted weight of the other sign is an artefact of few
# examples (more tool failures must never make the agent surer), so that signal is dropped and the rest refitted.
EXPECTED_SIGN = DIRECTION


# The regularisation strengths tried; the one with the lowest cross-validated Brier score is kept.
C_GRID = (0.3, 1.0, 3.0, 10.0)


def fit(worked_on: list[LabelledTurn], *, c: float | None = None,
        first_contact: Sequence[LabelledTurn] = (), half_life: float | None = calibration.HALF_LIFE,
        newest_intercept: bool = calibration.NEWEST_INTERCEPT) -> FitReport:
    """Sign-constrained logistic regression of correctness on the signals; metrics from 5-fold CV, the folds split
    by conversation (a conversation's turns are not independent). ``c``: the regularisation strength, else the
    best of ``C_GRID`` by cross-validated Brier score.

    ``first_contact``: turns played before the code was worked on from them (evals/first_contact.py). They join
    the weights' fit (the ranking), and then alone fit the calibration of the turn map and of the conversation map
    (evals/confidence_calibration.py): the worked-on turns are right more often than unseen text is. ``half_life``:
    in the maps a batch that many batches older than the newest weighs half as much (None: all the same);
    ``newest_intercept``: the maps' intercepts from the newest first-contact batch alone, their slopes from all."""
    turns = [*worked_on, *first_contact]
    y = np.array([t.correct for t in turns], dtype=int)
    if len(set(y)) < 2:
        raise ValueError("the labelled turns are all correct or all wrong; nothing to fit")
    current = load_model()
    # A signal that never varies in the labelled turns (model_disagreement, when they were played by the local
    # reasoner) carries no information to fit: it keeps the current model's weight as a prior.
    constant = [n for n in SIGNALS if len({t.signals.get(n, 0.0) for t in turns}) < 2]
    folds = _folds(turns, y)
    fits = {strength: _fit_at(turns, y, [n for n in SIGNALS if n not in constant], strength, folds)
            for strength in ((c,) if c is not None else C_GRID)}
    c = min(fits, key=lambda strength: brier_score_loss(y, fits[strength][2]))
    used, clf, cv = fits[c]
    fitted = dict(zip(used, (float(w) for w in clf.coef_[0]), strict=True))
    # The intercept absorbs constant signals at their observed value; a prior weight must then start from 0.
    bias = float(clf.intercept_[0]) - sum(current.weights.get(n, 0.0) * turns[0].signals.get(n, 0.0)
                                          for n in constant)
    now_scores = np.array([current.score(t.signals) for t in turns])
    right = y.astype(bool).tolist()
    signals = [t.signals for t in turns]
    curve = risk_coverage(cv.tolist(), right)
    chosen = threshold_for(curve)
    conversation, conversation_quality = _fit_conversations(turns, cv)
    model = ConfidenceModel(
        conversation=conversation,
        clarify_below=current.clarify_below if current.clarify_below < 1.0 else 0.5,
        bias=bias,
        weights={name: fitted.get(name, current.weights.get(name, 0.0) if name in constant else 0.0)
                 for name in SIGNALS},
        fitted={
            "on": FITTED_ON,
            "turns": len(turns), "correct": int(y.sum()), "regularisation_c": c,
            "cv_folds": "5, stratified, a writer's conversations in one fold",
            "dropped_for_wrong_sign": [n for n in SIGNALS if n not in used and n not in constant],
            "kept_from_prior": constant,
            "cv_expected_calibration_error": round(expected_calibration_error(cv, y.astype(bool)), 4),
            "cv_brier": round(float(brier_score_loss(y, cv)), 4),
            "cv_auc": round(float(roc_auc_score(y, cv)), 4),
            "cv_threshold_for_5pc_risk": None if chosen is None else
            {"threshold": chosen["threshold"], "coverage": round(chosen["coverage"], 4)},
            **conversation_quality,
            "date": datetime.now(UTC).date().isoformat(),
        },
    )
    if first_contact:
        model = _first_contact_calibration(model, turns, y, used, c, bias - float(clf.intercept_[0]),
                                           list(first_contact), half_life, newest_intercept)
    return FitReport(model, len(turns), int(y.sum()), expected_calibration_error(cv, y.astype(bool)),
                     float(brier_score_loss(y, cv)), expected_calibration_error(now_scores, y.astype(bool)),
                     float(brier_score_loss(y, now_scores)),
                     cv_separation=separation(cv.tolist(), right, signals),
                     current_separation=separation(now_scores.tolist(), right, signals),
                     cv_chosen=chosen, cv_risk_at_60=next((p["risk"] for p in curve if p["coverage"] >= 0.6), None),
                     cv_risk_all=curve[-1]["risk"])


def _first_contact_calibration(model: ConfidenceModel, turns: list[LabelledTurn], y: np.ndarray, used: list[str],
                               c: float, offset: float, first: list[LabelledTurn],
                               half_life: float | None, newest_intercept: bool) -> ConfidenceModel:
    """``model`` recalibrated on the first-contact turns, with what a batch never seen can expect of it: each
    first-contact half (or writer, with one half) predicted by weights fitted without it and maps recalibrated on
    the other halves (``held_out``), and each half after the oldest by maps recalibrated on the older halves only
    (``forward``: the next batch, played on newer code). ``offset``: what the model's bias adds to the
    regression's intercept (constant signals)."""
    prior = set(model.fitted.get("kept_from_prior", []))

    def weights_without(held: list[LabelledTurn]) -> ConfidenceModel:
        # without the held-out writers' turns, first-contact and worked-on alike (the same conversations)
        out = {group_of(t) for t in held}
        keep = [n for n, t in enumerate(turns) if group_of(t) not in out]
        x = np.array([[turns[n].signals.get(name, 0.0) for name in used] for n in keep])
        clf = LogisticRegression(C=c, max_iter=1000).fit(x, y[keep])
        fitted = dict(zip(used, (float(w) for w in clf.coef_[0]), strict=True))
        return replace(model, bias=float(clf.intercept_[0]) + offset,
                       weights={n: fitted.get(n, model.weights[n] if n in prior else 0.0) for n in SIGNALS})

    expected = calibration.held_out(weights_without, first, half_life, newest_intercept)
    final = calibration.recalibrate(model, first, half_life, newest_intercept)
    return replace(final, fitted={**model.fitted, "first_contact": {
        "halves": sorted({t.folder.rsplit("/", 1)[-1] for t in first}), "turns": len(first),
        "correct": sum(t.correct for t in first), "commits": sorted({t.commit for t in first} - {""}),
        "map": "sigmoid(a + b * logit) of the turn and of the conversation score, fitted on these turns alone"
               + ("" if half_life is None else f", a batch {half_life:g} older than the newest weighing half")
               + (", the intercepts on the newest batch alone" if newest_intercept else ""),
        "half_life": half_life, "newest_intercept": newest_intercept,
        "held_out": expected, "forward": calibration.forward(weights_without, first, half_life, newest_intercept)}})


def _folds(turns: list[LabelledTurn], y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Five stratified folds, a writer's conversations all in one (``group_of``; by turn when the turns carry no
    conversations)."""
    n = min(5, int(min(y.sum(), len(y) - y.sum())))
    groups = [group_of(t) for t in turns]
    n = min(n, len(set(groups)))
    if len(set(groups)) == len(turns):
        return list(StratifiedKFold(n_splits=n, shuffle=True, random_state=7).split(np.zeros(len(y)), y))
    return list(StratifiedGroupKFold(n_splits=n, shuffle=True, random_state=7).split(np.zeros(len(y)), y, groups))


def _fit_at(turns: list[LabelledTurn], y: np.ndarray, used: list[str], c: float,
            folds: list[tuple[np.ndarray, np.ndarray]]) -> tuple[list[str], LogisticRegression, np.ndarray]:
    """The signals kept (a weight against its signal's meaning is dropped and the rest refitted), the model on all
    turns and its cross-validated probabilities, at regularisation strength ``c``."""
    while True:
        x = np.array([[t.signals.get(name, 0.0) for name in used] for t in turns])
        clf = LogisticRegression(C=c, max_iter=1000).fit(x, y)
        wrong = [n for n, w in zip(used, clf.coef_[0], strict=True) if w * EXPECTED_SIGN[n] < 0]
        if not wrong:
            break
        used = [n for n in used if n not in wrong]
    cv = cross_val_predict(LogisticRegression(C=c, max_iter=1000), x, y, cv=folds, method="predict_proba")[:, 1]
    return used, clf, cv


# Seeds of the repeated 5-fold splits the conversation map's features and strength are chosen on (260 conversations
# are few: one split's Brier score moves by more than a feature adds).
CONVERSATION_SEEDS = range(5)
# A feature joins the conversation map when it lowers the cross-validated Brier score by at least this much.
MIN_GAIN = 0.002
# The features the map may use: each rises with the turns' confidences and is fitted with a weight of at least 0,
# so the conversation's confidence never falls when a turn's rises. The number of turns is not offered: its weight
# followed the writers' habits (chatty writers' long conversations passing) and did not hold on new writers.
# ``settled`` (the last reply does not ask the customer: graphs/support/conversation_map.py) is offered beside them.
CANDIDATES = ("product", "lowest", "last", "settled")
# The feature the map starts from: a conversation passes iff its last turn is right (evals/selective.py's rule:
# the last turn is where the end state is reached), so its confidence is the last turn's, recalibrated; the others
# join it when they lower the Brier score. Chosen freely, ``settled`` alone won on the pooled worked-on and
# first-contact conversations but ranked the next batch's conversations worse (docs/confidence.md "Per conversation").
FIRST_FEATURE = "last"
# The size of a held-out batch (blind dev5: 69 conversations) the calibration-error floor is reported for.
FLOOR_CONVERSATIONS = 60


def _fit_conversations(turns: list[LabelledTurn], cv: np.ndarray) -> tuple[dict[str, float], dict[str, Any]]:
    """Fit the conversation map (graphs/support/conversation_map.py) on each conversation's cross-validated turn
    probabilities against whether it passed; identity when the turns carry no conversations.

    A logistic regression over ``CANDIDATES``, chosen forward from the best single one: a feature is kept when it
    lowers the Brier score (mean over repeated 5-fold splits that hold out writers, ``group_of``) by ``MIN_GAIN``
    with every weight at least 0 (product and lowest together weigh the product negatively: the number of turns
    again, in disguise), with the strength of ``C_GRID`` that scores best. Reported beside it: the product-only
    map (sigmoid(a · logit(Π p) + b)), the calibration error per folder, and the floor: the median calibration
    error a perfectly calibrated map would show on ``FLOOR_CONVERSATIONS`` conversations (outcomes drawn from its
    own probabilities), below which no held-out batch of that size can be expected to go."""
    groups: dict[str, list[int]] = {}
    for n, t in enumerate(turns):
        if t.conversation and t.conversation_right is not None:
            groups.setdefault(t.conversation, []).append(n)
    passed = np.array([bool(turns[idx[0]].conversation_right) for idx in groups.values()], dtype=int)
    if len(groups) < 10 or len(set(passed)) < 2:
        return dict(conversation_map.IDENTITY), {}
    rows = [conversation_map.features([float(cv[i]) for i in idx], [turns[i].signals for i in idx])
            for idx in groups.values()]
    # a feature the same in every conversation (``settled`` where no replies are known) says nothing: not offered
    offered = tuple(k for k in CANDIDATES if len({r[k] for r in rows}) > 1)
    table = np.array([[r[k] for k in offered] for r in rows])
    scale = table.std(axis=0) + 1e-9  # fitted on standardised features (one strength suits all), written unscaled
    writers = [group_of(turns[idx[0]]) for idx in groups.values()]
    n_splits = min(5, int(min(passed.sum(), len(passed) - passed.sum())), len(set(writers)))
    splits = [list(StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
                   .split(table, passed, writers)) for seed in CONVERSATION_SEEDS]

    def columns(names: list[str]) -> list[int]:
        return [offered.index(n) for n in names]

    def cv_of(names: list[str], c: float) -> list[np.ndarray]:
        x = table[:, columns(names)] / scale[columns(names)]
        return [cross_val_predict(LogisticRegression(C=c, max_iter=1000), x, passed, cv=folds,
                                  method="predict_proba")[:, 1] for folds in splits]

    def brier(names: list[str]) -> tuple[float, float]:
        scored = {c: float(np.mean([brier_score_loss(passed, p) for p in cv_of(names, c)])) for c in C_GRID}
        best = min(scored, key=lambda c: scored[c])
        return scored[best], best

    def monotone(names: list[str], c: float) -> bool:
        clf = LogisticRegression(C=c, max_iter=1000).fit(table[:, columns(names)] / scale[columns(names)], passed)
        return bool((clf.coef_[0] >= 0).all())

    first = FIRST_FEATURE if FIRST_FEATURE in offered else min(offered, key=lambda n: brier([n])[0])
    chosen = [first]
    score, c = brier([first])
    while len(chosen) < len(offered):
        tried = {n: brier([*chosen, n]) for n in offered if n not in chosen}
        tried = {n: v for n, v in tried.items() if monotone([*chosen, n], v[1])}
        if not tried:
            break
        name = min(tried, key=lambda n: tried[n][0])
        if tried[name][0] > score - MIN_GAIN:
            break
        chosen.append(name)
        score, c = tried[name]
    idx = columns(chosen)
    clf = LogisticRegression(C=c, max_iter=1000).fit(table[:, idx] / scale[idx], passed)
    fitted_cv = cv_of(chosen, c)[0]
    product_cv = cross_val_predict(LogisticRegression(C=1e4, max_iter=1000), table[:, [offered.index("product")]],
                                   passed, cv=splits[0],
                                   method="predict_proba")[:, 1]
    folders = [turns[idx_[0]].folder for idx_ in groups.values()]
    per_folder = {f.rsplit("/", 1)[-1]: round(expected_calibration_error(
        fitted_cv[[g == f for g in folders]], passed[[g == f for g in folders]].astype(bool)), 4)
        for f in sorted(set(folders)) if f}
    quality = {"conversations": len(groups), "conversations_passed": int(passed.sum()),
               "conversation_features": chosen, "conversation_regularisation_c": c,
               "conversation_cv_folds": "5, stratified, a writer's conversations in one fold",
               "cv_conversation_calibration_error": round(
                   expected_calibration_error(fitted_cv, passed.astype(bool)), 4),
               "cv_conversation_auc": round(float(roc_auc_score(passed, fitted_cv)), 4),
               "cv_conversation_brier": round(float(brier_score_loss(passed, fitted_cv)), 4),
               "cv_conversation_calibration_error_per_folder": per_folder,
               f"conversation_calibration_error_floor_{FLOOR_CONVERSATIONS}": round(
                   calibration_floor(fitted_cv, FLOOR_CONVERSATIONS), 4),
               "cv_conversation_calibration_error_product_only": round(
                   expected_calibration_error(product_cv, passed.astype(bool)), 4),
               "cv_conversation_auc_product_only": round(float(roc_auc_score(passed, product_cv)), 4),
               "cv_conversation_brier_product_only": round(float(brier_score_loss(passed, product_cv)), 4)}
    weights = {n: float(w / scale[i]) for n, w, i in zip(chosen, clf.coef_[0], idx, strict=True)}
    return {"bias": float(clf.intercept_[0]), **weights}, quality


def calibration_floor(probabilities: np.ndarray, n: int, draws: int = 400, seed: int = 11) -> float:
    """The median calibration error (10 bins) of ``n`` of these probabilities scored against outcomes drawn from
    themselves: what a perfectly calibrated score shows on a sample of ``n`` by chance alone."""
    rng = np.random.default_rng(seed)
    errors = []
    for _ in range(draws):
        p = rng.choice(probabilities, size=n, replace=True)
        errors.append(expected_calibration_error(p, rng.random(n) < p))
    return float(np.median(errors))


def fit_confidence(write_to: Path | None = None, paths: Sequence[Path] = (DEV,),
                   first_contact: Sequence[LabelledTurn] | None = None,
                   half_life: float | None = calibration.HALF_LIFE,
                   newest_intercept: bool = calibration.NEWEST_INTERCEPT) -> FitReport:
    """Fit on the turns of the scenarios under ``paths`` (the blind dev halves) played now, calibrated on the
    recorded first-contact turns (every file of evals/confidence/first_contact unless given), and write the model
    if asked."""
    from evals.first_contact import load

    report = fit([t for path in paths for t in collect_turns(path)],
                 first_contact=load() if first_contact is None else first_contact, half_life=half_life,
                 newest_intercept=newest_intercept)
    folders = sorted({_relative(p) for p in paths})
    report = replace(report, model=replace(report.model, fitted={**report.model.fitted, "folders": folders}))
    if write_to is not None:
        write_to.write_text(report.model.to_yaml(), "utf-8")
        load_model.cache_clear()
    return report


def _relative(path: Path) -> str:
    """The folder as the project names it (evals/scenarios/blind/dev), wherever the checkout is."""
    parts = path.resolve().parts
    return "/".join(parts[parts.index("evals"):]) if "evals" in parts else str(path)
