"""The blind scenario set: its dev/test split is by hash, and the default scenario run never plays it."""

from __future__ import annotations

import hashlib

from evals.scenario_files import BLIND_DIR, load_scenarios
from evals.scenario_format import SCENARIOS_DIR


def _half(scenario_id: str) -> str:
    return "dev" if int(hashlib.sha256(scenario_id.encode()).hexdigest()[0], 16) < 8 else "test"


def test_every_blind_scenario_sits_in_its_hash_half() -> None:
    for half in ("dev", "test"):
        scenarios = load_scenarios(BLIND_DIR / half)
        assert len(scenarios) >= 60
        assert {_half(s.id) for s in scenarios} == {half}


def test_default_run_leaves_the_blind_set_out() -> None:
    own = {s.id for s in load_scenarios()}
    blind = {s.id for s in load_scenarios(BLIND_DIR)}
    assert len(blind) >= 150
    assert not own & blind
    assert {s.id for s in load_scenarios(SCENARIOS_DIR)} >= blind  # named by path, it is played
