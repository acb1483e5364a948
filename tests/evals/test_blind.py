"""The blind scenario set: its dev/test split is by hash, and the default scenario run never plays it."""

from __future__ import annotations

import hashlib

from evals.scenario_files import BLIND_DIR, load_scenarios
from evals.scenario_format import SCENARIOS_DIR


def _half(scenario_id: str) -> str:
    return "dev" if int(hashlib.sha256(scenario_id.encode()).hexdigest()[0], 16) < 8 else "test"


def test_every_blind_scenario_sits_in_its_hash_half() -> None:
    least = {"dev": 60, "test": 60, "9": 40, "10": 40, "11": 40, "12": 40, "13": 40, "14": 40, "15": 40, "16": 40}
    for batch in ("", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16"):
        for folder in (f"dev{batch}", f"test{batch}"):
            scenarios = load_scenarios(BLIND_DIR / folder)
            assert len(scenarios) >= least.get(batch, least.get(folder, 50))
            assert {_half(s.id) for s in scenarios} == {folder.rstrip("0123456789")}


def test_blind_ids_are_unique() -> None:
    ids = [s.id for s in load_scenarios(BLIND_DIR)]
    assert len(ids) == len(set(ids)) >= 1000


def test_default_run_leaves_the_blind_set_out() -> None:
    own = {s.id for s in load_scenarios()}
    blind = {s.id for s in load_scenarios(BLIND_DIR)}
    assert len(blind) >= 150
    assert not own & blind
    assert {s.id for s in load_scenarios(SCENARIOS_DIR)} >= blind  # named by path, it is played
