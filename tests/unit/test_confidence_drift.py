"""The calibration holds on the next batch: the code improves from batch to batch, and maps fitted on every
first-contact batch alike under-state the newer code; the intercepts fitted on the newest batch, or the newer
batches weighing more (a half-life in batches, the default), follow it; when the batches' rates swing (writers
differ), the newest batch alone carries its swing to the next and the half-life does not
(evals/confidence_calibration.py ``maps``, ``recency``, ``forward``)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from evals.confidence_calibration import (
    apply,
    batch_of,
    conversation_logits,
    forward,
    linear,
    platt,
    recalibrate,
    recency,
)
from evals.confidence_fit import LabelledTurn, fit
from evals.intents import expected_calibration_error
from graphs.support.confidence import ConfidenceModel

# The code gets right what it got wrong: each batch's turns go right more often at the same signals.
STEP = 0.45


def _batch(k: int, n: int = 150, seed: int = 0, level: float | None = None) -> list[LabelledTurn]:
    """Batch ``k``'s first-contact turns: conversations of 1-3 turns, right with probability
    sigmoid(level + 3 · (pattern_recognition - 0.5)), the level STEP · k - 1.5 unless given."""
    level = STEP * k - 1.5 if level is None else level
    rng = random.Random(seed * 100 + k)
    turns: list[LabelledTurn] = []
    c = 0
    while len(turns) < n:
        size = rng.randint(1, 3)
        xs = [rng.random() for _ in range(size)]
        rights = [rng.random() < 1 / (1 + np.exp(-(level + 3 * (x - 0.5)))) for x in xs]
        turns += [LabelledTurn(f"w{k}-c{c}#{i}", "x", "x", {"pattern_recognition": x}, r, f"w{k}{seed}-c{c}/1",
                               all(rights), f"evals/scenarios/blind/dev{k}") for i, (x, r) in enumerate(zip(
                                   xs, rights, strict=True))]
        c += 1
    return turns


MODEL = ConfidenceModel(bias=-1.5, weights={"pattern_recognition": 3.0})


def test_a_batch_a_half_life_older_weighs_half() -> None:
    turns = [*_batch(3, 10), *_batch(5, 10), *_batch(7, 10)]
    w = recency(turns, 2.0)
    assert {round(float(x), 3) for x in w} == {1.0, 0.5, 0.25}
    assert set(recency(turns, None).tolist()) == {1.0}
    assert batch_of("evals/scenarios/blind/para10") == 10 and batch_of("evals/scenarios/blind/dev") == 1


def test_weighted_platt_ignores_turns_of_weight_zero_and_can_hold_the_slope() -> None:
    rng = np.random.default_rng(5)
    z = rng.normal(0.5, 1.0, 800)
    y = rng.random(800) < 1 / (1 + np.exp(-(z + 1.0)))
    noise = rng.random(800) < 0.5
    a, b = platt(np.r_[z, z], np.r_[y, noise], weight=np.r_[np.ones(800), np.zeros(800)])
    assert a == pytest.approx(1.0, abs=0.3) and b == pytest.approx(1.0, abs=0.3)
    assert platt(z, y, slope=0.7)[1] == pytest.approx(0.7)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_newest_intercept_holds_on_the_next_batch_where_the_pooled_map_under_states_it(seed: int) -> None:
    """Batches 1-5 fit the maps, batch 6 is scored: pooled, the map sits at the batches' average code and
    under-states batch 6 by far more than chance; with the intercept of batch 5 (the default), or weighted to the
    newer batches (the default), it stays near batch 6's rate, turn by turn and conversation by conversation."""
    older = [t for k in range(1, 6) for t in _batch(k, seed=seed)]
    nxt = _batch(6, n=600, seed=seed)
    y = np.array([t.correct for t in nxt])
    old = recalibrate(MODEL, older, None, newest_intercept=False)
    pooled = apply(0.0, 1.0, linear(old, nxt))
    assert y.mean() - pooled.mean() > 0.08
    for new in (recalibrate(MODEL, older, newest_intercept=True),
                recalibrate(MODEL, older, 1.0, newest_intercept=False)):
        recent = apply(0.0, 1.0, linear(new, nxt))
        assert abs(y.mean() - recent.mean()) < y.mean() - pooled.mean() - 0.04
        assert expected_calibration_error(recent, y) < expected_calibration_error(pooled, y)
    conversations = [_conversation_ece(m, nxt) for m in (old, recalibrate(MODEL, older, newest_intercept=True))]
    assert conversations[1] < conversations[0]


def _conversation_ece(model: ConfidenceModel, turns: list[LabelledTurn]) -> float:
    zc, yc = conversation_logits(model.conversation, turns, apply(0.0, 1.0, linear(model, turns)))
    return expected_calibration_error(apply(0.0, 1.0, zc), yc)


def test_the_fit_reports_how_its_calibration_holds_on_the_next_batch() -> None:
    """``fit`` records the half-life and each batch after the oldest predicted from the older batches only."""
    worked = [t for k in range(1, 4) for t in _batch(k, 60, seed=9)]
    first = [t for k in range(1, 5) for t in _batch(k, 90, seed=3)]
    report = fit(worked, c=1.0, first_contact=first, half_life=1.0)
    fc = report.model.fitted["first_contact"]
    assert fc["half_life"] == 1.0 and fc["newest_intercept"] is False
    assert set(fc["forward"]["per_group"]) == {"dev2", "dev3", "dev4"}
    assert fc["forward"]["turns"] == sum(batch_of(t.folder) > 1 for t in first)
    assert forward(lambda part: MODEL, first[:90]) == {}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_when_batch_rates_swing_the_half_life_holds_where_the_newest_batch_carries_its_swing(seed: int) -> None:
    """Batches whose writers make the agent right more or less often in turn (first contact of dev12-dev15: 82, 74,
    83, 73 % of turns): the newest batch's intercept carries its high rate to the low batch after it, the maps of
    the default fit (every batch's intercept, a half-life of 2 batches) sit near the next batch's rate."""
    levels = {k: 0.4 + (0.9 if k % 2 else -0.9) for k in range(1, 7)}
    older = [t for k in range(1, 6) for t in _batch(k, seed=seed, level=levels[k])]
    nxt = _batch(6, n=600, seed=seed, level=levels[6])
    y = np.array([t.correct for t in nxt])
    report = fit([t for k in range(1, 4) for t in _batch(k, 60, seed=seed + 7, level=levels[k])], c=1.0,
                 first_contact=older)
    assert report.model.fitted["first_contact"]["half_life"] == 2.0
    default = apply(0.0, 1.0, linear(recalibrate(report.model, older, 2.0, newest_intercept=False), nxt))
    newest = apply(0.0, 1.0, linear(recalibrate(report.model, older, newest_intercept=True), nxt))
    assert abs(default.mean() - y.mean()) < abs(newest.mean() - y.mean()) - 0.05
    assert expected_calibration_error(default, y) < expected_calibration_error(newest, y)
