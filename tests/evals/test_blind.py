"""The blind scenario set: its dev/test split is by hash, and the default scenario run never plays it."""

from __future__ import annotations

import hashlib

from evals.scenario_files import BLIND_DIR, load_scenarios
from evals.scenario_format import SCENARIOS_DIR


def _half(scenario_id: str) -> str:
    return "dev" if int(hashlib.sha256(scenario_id.encode()).hexdigest()[0], 16) < 8 else "test"


def test_every_blind_scenario_sits_in_its_hash_half() -> None:
    for folder, least in (("dev", 60), ("test", 60), ("dev3", 50), ("test3", 50),
                          ("dev4", 50), ("test4", 50), ("dev5", 50), ("test5", 50), ("dev6", 50), ("test6", 50),
                          ("dev7", 50), ("test7", 50), ("dev8", 50), ("test8", 50), ("dev9", 40), ("test9", 40)):
        scenarios = load_scenarios(BLIND_DIR / folder)
        assert len(scenarios) >= least
        assert {_half(s.id) for s in scenarios} == {folder.rstrip("3456789")}


def test_blind_ids_are_unique() -> None:
    ids = [s.id for s in load_scenarios(BLIND_DIR)]
    assert len(ids) == len(set(ids)) >= 1000


def test_default_run_leaves_the_blind_set_out() -> None:
    own = {s.id for s in load_scenarios()}
    blind = {s.id for s in load_scenarios(BLIND_DIR)}
    assert len(blind) >= 150
    assert not own & blind
    assert {s.id for s in load_scenarios(SCENARIOS_DIR)} >= blind  # named by path, it is played
