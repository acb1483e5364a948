"""Fitting the confidence model on labelled turns gives calibrated probabilities and a loadable model."""

from __future__ import annotations

import math
import random

import yaml
from pytest import approx

from evals.confidence_fit import LabelledTurn, fit
from graphs.support.confidence import SIGNALS, ConfidenceModel, load_model


def _turns(n: int = 600, seed: int = 3) -> list[LabelledTurn]:
    """Synthetic turns where correctness depends on pattern recognition and margin, as in real routing."""
    rng = random.Random(seed)
    turns = []
    for i in range(n):
        pattern = rng.random()
        margin = max(0.0, pattern - rng.random() * 0.5)
        signals = {"pattern_recognition": pattern, "margin": margin, "data_completeness": rng.random(),
                   "complexity": rng.random() * 0.5, "sentiment": -rng.random() * 0.3, "tool_failures": 0.0}
        correct = rng.random() < 0.15 + 0.8 * pattern
        turns.append(LabelledTurn(f"t{i}", "x", "x" if correct else "y", signals, correct))
    return turns


def test_fit_learns_the_signals_that_matter_and_is_calibrated() -> None:
    report = fit(_turns())
    assert report.model.weights["pattern_recognition"] > 1.0, report.model.weights
    assert report.cv_ece < 0.08, f"cross-validated ECE {report.cv_ece:.3f}"
    assert set(report.model.weights) == set(SIGNALS)
    low = report.model.score({**dict.fromkeys(SIGNALS, 0.0), "pattern_recognition": 0.1})
    high = report.model.score({**dict.fromkeys(SIGNALS, 0.0), "pattern_recognition": 0.95, "margin": 0.9})
    assert low < 0.4 < 0.8 < high, (low, high)


def test_model_round_trips_through_yaml() -> None:
    model = fit(_turns()).model
    raw = yaml.safe_load(model.to_yaml())
    again = ConfidenceModel(raw["bias"], raw["weights"], raw["fitted"])
    signals = dict.fromkeys(SIGNALS, 0.5)
    assert abs(again.score(signals) - model.score(signals)) < 1e-3


def test_the_shipped_model_is_a_fitted_one() -> None:
    model = load_model()
    assert model.fitted.get("turns", 0) >= 100, "confidence.yaml should come from `supportgraph fit confidence`"
    assert "blind dev" in model.fitted["on"], "fitted on the blind dev half, never on the test half"
    assert model.fitted["cv_expected_calibration_error"] <= 0.10, model.fitted
    assert 0.0 < model.clarify_below < 1.0, model


def test_no_signal_moves_confidence_the_wrong_way() -> None:
    from evals.confidence_fit import EXPECTED_SIGN

    for name, weight in load_model().weights.items():
        assert weight * EXPECTED_SIGN[name] >= 0, f"{name} has weight {weight:+.2f} against its meaning"
    turns = _turns()
    for t in turns[:50]:  # make failures look predictive of success: the fit must not learn that
        t.signals["tool_failures"] = 1.0 if t.correct else 0.0
    assert fit(turns).model.weights["tool_failures"] == 0.0


def test_the_blind_test_half_is_never_fitted_on(tmp_path: object) -> None:
    from pathlib import Path

    import pytest

    from evals.confidence_fit import collect_turns

    with pytest.raises(ValueError, match="never used for fitting"):
        collect_turns(Path("evals/scenarios/blind/test"))


def test_cross_validation_keeps_a_conversations_turns_in_one_fold() -> None:
    import numpy as np

    from evals.confidence_fit import _folds

    turns = [LabelledTurn(t.text, t.gold, t.predicted, t.signals, t.correct, f"c{n // 3}")
             for n, t in enumerate(_turns(120))]
    y = np.array([t.correct for t in turns], dtype=int)
    for _, held in _folds(turns, y):
        held_conversations = {turns[i].conversation for i in held}
        assert all(turns[i].conversation not in held_conversations for i in set(range(len(turns))) - set(held))
    report = fit(turns)
    assert report.model.fitted["regularisation_c"] in (0.3, 1.0, 3.0, 10.0)


def _conversations(n: int = 200, seed: int = 5) -> list[LabelledTurn]:
    """Synthetic conversations of 1-4 turns whose outcome is decided by their last turn (where the end state is
    reached), however sure the turns before it were: the product of the turns' confidences mixes those in."""
    rng = random.Random(seed)
    turns = []
    for c in range(n):
        patterns = [rng.random() for _ in range(rng.randint(1, 4))]
        right = rng.random() < patterns[-1]
        for k, pattern in enumerate(patterns):
            correct = right if k == len(patterns) - 1 else rng.random() < pattern
            signals = {"pattern_recognition": pattern, "margin": pattern, "repair": 0.0}
            turns.append(LabelledTurn(f"c{c}#{k}", "x", "x", signals, correct, f"c{c}", right))
    return turns


def test_the_conversation_map_is_fitted_on_more_than_the_product() -> None:
    """The conversation's confidence is a fitted function of its turns (graphs/support/conversation_map.py):
    it predicts conversations better than a recalibrated product of the turns' confidences."""
    model = fit(_conversations()).model
    fitted = model.fitted
    assert fitted["cv_conversation_brier"] < fitted["cv_conversation_brier_product_only"] - 0.01, fitted
    assert model.conversation.get("last", 0.0) > 0, model.conversation
    raw = yaml.safe_load(model.to_yaml())
    again = ConfidenceModel(raw["bias"], raw["weights"], conversation=raw["conversation"])
    assert again.conversation_score([0.9, 0.6]) == approx(model.conversation_score([0.9, 0.6]), abs=1e-3)


def test_the_old_conversation_map_still_reads() -> None:
    from graphs.support.conversation_map import from_yaml

    old = ConfidenceModel(0.0, {}, conversation=from_yaml({"a": 0.5, "b": 0.2}))
    p = 0.9 * 0.8
    z = 0.5 * math.log(p / (1 - p)) + 0.2
    assert old.conversation_score([0.9, 0.8]) == approx(1 / (1 + math.exp(-z)))


def test_the_fit_is_deterministic() -> None:
    """The same labelled turns give the same model file, to the digit."""
    turns = _conversations(80)
    assert fit(turns).model.to_yaml() == fit(turns).model.to_yaml()


def test_the_fit_takes_every_dev_half_and_no_test_half_by_default() -> None:
    from evals.confidence_fit import dev_halves

    names = {p.name for p in dev_halves()}
    assert {"dev", "dev3", "dev4"} <= names, names
    assert all(n.startswith("dev") for n in names), names


def _by_writers(n: int = 240, seed: int = 9) -> list[LabelledTurn]:
    """Synthetic conversations of eight writers ("w1-…" ids); a writer's long conversations pass more often than
    their turns' confidences say (a habit of the writer, not something a turn's signals show)."""
    rng = random.Random(seed)
    turns = []
    for c in range(n):
        writer = f"w{c % 8 + 1}"
        patterns = [rng.random() for _ in range(rng.randint(1, 4))]
        right = rng.random() < min(1.0, 0.5 * min(patterns) + 0.15 * len(patterns))
        for k, pattern in enumerate(patterns):
            correct = right or rng.random() < pattern
            signals = {"pattern_recognition": pattern, "margin": pattern, "repair": 0.0}
            turns.append(LabelledTurn(f"{writer}-c{c}#{k}", "x", "x", signals, correct, f"{writer}-c{c}/1", right,
                                      f"evals/scenarios/blind/dev{c % 2 + 3}"))
    return turns


def test_cross_validation_holds_out_writers() -> None:
    """The agent meets new writers: a writer's conversations are all in one fold, so the CV figures estimate
    calibration on writers the fit never saw."""
    import numpy as np

    from evals.confidence_fit import _folds, group_of

    turns = _by_writers()
    y = np.array([t.correct for t in turns], dtype=int)
    for _, held in _folds(turns, y):
        writers = {group_of(turns[i]) for i in held}
        assert all(group_of(turns[i]) not in writers for i in set(range(len(turns))) - set(held))


def test_the_conversation_map_rises_with_every_turn_and_ignores_the_turn_count() -> None:
    """The map is fitted over features that rise with the turns' confidences, each with a weight of at least 0:
    a conversation's confidence never falls when a turn's rises, and a writer's habit of long conversations
    (which did not hold on new writers) is not learned from the number of turns."""
    model = fit(_by_writers()).model
    assert set(model.conversation) - {"bias"} <= {"product", "lowest", "last", "settled"}, model.conversation
    assert all(w >= 0 for k, w in model.conversation.items() if k != "bias"), model.conversation
    base = [0.7, 0.6, 0.8]
    for k in range(len(base)):
        higher = [p + 0.15 if n == k else p for n, p in enumerate(base)]
        assert model.conversation_score(higher) >= model.conversation_score(base), (k, model.conversation)
    per_folder = model.fitted["cv_conversation_calibration_error_per_folder"]
    assert set(per_folder) == {"dev3", "dev4"}, per_folder


def test_the_calibration_floor_is_what_chance_alone_gives() -> None:
    """A perfectly calibrated score on 60 conversations still shows a calibration error of about 0.1 (its
    outcomes drawn from its own probabilities); on thousands it goes to 0: the floor a held-out batch is read
    against."""
    import numpy as np

    from evals.confidence_fit import calibration_floor

    probabilities = np.random.default_rng(1).uniform(0.3, 0.9, size=500)
    small, large = calibration_floor(probabilities, 60), calibration_floor(probabilities, 5000, draws=50)
    assert 0.06 < small < 0.16, small
    assert large < 0.03, large
