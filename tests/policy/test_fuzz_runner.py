"""The fuzzer's report of a breach names the scenario that failed, also when a replay passes (a race: hypothesis
calls the failure flaky and prints no falsifying example). The long run on Postgres hit a deadlock that way and
reported '(no example recorded)'."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evals.policy_fuzz import runner
from evals.policy_fuzz.driver import Stats
from evals.policy_fuzz.plans import Scenario
from evals.policy_fuzz.world import Person, World


def _person(n: int) -> Person:
    cid = f"C000{n}"
    return Person(cid, f"{cid.lower()}@example.com", "94107", "4242", (10000 + n,), (39.99,), ("P001",),
                  (f"INV-{n}",), (f"ch_00000{n}",), (f"T-{n}",))


class _Copies:
    def __init__(self, *_: Any, **__: Any) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.fixture
def no_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner without a database: a world of three people, and ``play`` replaced by each test."""
    world = World({p.customer_id: p for p in map(_person, (1, 2, 3))})
    monkeypatch.setattr(runner, "prepare_template", lambda _url: None)
    monkeypatch.setattr(runner, "load_world", lambda _url: world)
    monkeypatch.setattr(runner, "snapshot", lambda _url: {})
    monkeypatch.setattr(runner, "release", lambda _url: None)
    monkeypatch.setattr(runner, "Copies", _Copies)


def test_a_failure_that_does_not_replay_is_reported_with_its_scenario(no_store: None, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    failed: list[Scenario] = []

    def play(_copies: Any, _world: World, _template: Any, scenario: Scenario) -> Stats:
        if len(scenario.turns) > 1 and not failed:  # fails once; its replay passes
            failed.append(scenario)
            raise RuntimeError("deadlock detected")
        return Stats(turns=len(scenario.turns))

    monkeypatch.setattr(runner, "play", play)
    result = runner.fuzz("sqlite:///unused.db", tmp_path, 30, seed=3, max_turns=3, shrink=False)
    assert failed, "no scenario of more than one turn was generated"
    [breach] = result.breaches
    assert "deadlock detected" in breach.detail or "deadlock detected" in breach.example, breach
    assert breach.example.startswith("scenario=Scenario(") and repr(failed[0]) in breach.example, breach.example


def test_a_reproducible_failure_is_reported_as_hypothesis_shrank_it(no_store: None, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def play(_copies: Any, _world: World, _template: Any, scenario: Scenario) -> Stats:
        if len(scenario.turns) > 1:
            raise AssertionError("breach")
        return Stats(turns=len(scenario.turns))

    monkeypatch.setattr(runner, "play", play)
    [breach] = runner.fuzz("sqlite:///unused.db", tmp_path, 30, seed=3, max_turns=3).breaches
    assert breach.example.count("scenario=") == 1, breach.example
    assert breach.example.count("Turn(") == 2, f"not the minimal scenario (two turns): {breach.example}"
