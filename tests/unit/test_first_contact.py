"""First-contact turns calibrate the confidence model: the worked-on dev turns are right more often than text the
code was never worked on from, and a model calibrated on them alone is optimistic on new text."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from evals.confidence_calibration import apply, linear, platt
from evals.confidence_fit import LabelledTurn, fit
from evals.first_contact import load, record, write


def _batch(n: int, base: float, writer: str, folder: str, seed: int) -> list[LabelledTurn]:
    """Conversations of 1-3 turns whose turns go right with probability base + 0.5 * pattern_recognition."""
    rng = random.Random(seed)
    turns = []
    for c in range(n):
        k = rng.randint(1, 3)
        patterns = [rng.random() for _ in range(k)]
        rights = [rng.random() < min(0.98, base + 0.5 * p) for p in patterns]
        for i, (p, r) in enumerate(zip(patterns, rights, strict=True)):
            turns.append(LabelledTurn(f"{writer}-c{c}#{i}", "x", "x", {"pattern_recognition": p, "margin": p}, r,
                                      f"{writer}-c{c}/1", all(rights), folder))
    return turns


def test_platt_recovers_a_shift_and_keeps_the_slope_positive() -> None:
    rng = np.random.default_rng(3)
    z = rng.normal(1.5, 1.0, 600)
    y = rng.random(600) < 1 / (1 + np.exp(-(z - 1.0)))
    a, b = platt(z, y)
    assert a == pytest.approx(-1.0, abs=0.35) and b == pytest.approx(1.0, abs=0.3)
    a, b = platt(z, ~y)  # a score that points the wrong way gets the smallest slope, never a negative one
    assert b > 0


def test_first_contact_turns_calibrate_the_worked_on_fit() -> None:
    """Worked-on turns go right 85 % of the time, first-contact ones 60 %: fitted on the worked-on turns alone the
    model is optimistic on first contact; calibrated on first-contact turns its mean confidence there matches."""
    worked = [t for w in range(4) for t in _batch(60, 0.45, f"w{w}", f"evals/scenarios/blind/dev{w}", w)]
    first = [t for w in range(4, 8) for t in _batch(30, 0.2, f"w{w}", f"evals/scenarios/blind/dev{w // 2}", w)]
    right = np.mean([t.correct for t in first])
    alone = fit(worked).model
    assert np.mean(apply(0.0, 1.0, linear(alone, first))) > right + 0.1
    calibrated = fit(worked, first_contact=first).model
    assert np.mean(apply(0.0, 1.0, linear(calibrated, first))) == pytest.approx(right, abs=0.05)
    held = calibrated.fitted["first_contact"]["held_out"]
    assert held["turns"] == len(first) and held["turn_ece"] < 0.12, held
    assert calibrated.weights["pattern_recognition"] > 0


def test_records_round_trip_and_are_written_once(tmp_path: Path) -> None:
    turns = _batch(5, 0.3, "w1", "evals/scenarios/blind/dev9", 1)
    out = write(turns, tmp_path / "dev9.jsonl", commit="abc")
    again = load([out])
    assert [t.correct for t in again] == [t.correct for t in turns] and {t.commit for t in again} == {"abc"}
    with pytest.raises(ValueError, match="recorded once"):
        record(Path("evals/scenarios/blind/dev9"), tmp_path)


def test_a_test_half_is_never_recorded(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="never used for fitting"):
        record(Path("evals/scenarios/blind/test"), tmp_path)


def test_records_keep_what_was_said(tmp_path: Path) -> None:
    """A record keeps the customer's message, the agent's replies and the intents read, so that reply-side signals
    (the same reply twice, a help article as the answer) can be studied on first contact later."""
    turn = LabelledTurn("w1-a#0", "right", "wrong", {"margin": 0.4}, False, "w1-a/1", False,
                        "evals/scenarios/blind/dev9", message="where's my stuff", replies=("Order 10001 shipped.",),
                        intents=("track_order",))
    (again,) = load([write([turn], tmp_path / "dev9.jsonl", commit="abc")])
    assert (again.message, list(again.replies), list(again.intents)) == (
        "where's my stuff", ["Order 10001 shipped."], ["track_order"])
