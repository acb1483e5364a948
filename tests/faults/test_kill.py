"""kill -9 of real `supportgraph review resume` / `send` processes, concurrent sends from several processes,
and a Postgres restart mid-turn; the invariants are checked on the store (evals/faults.py).

A few trials of each here; `supportgraph bench faults --trials N` runs many more.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.faults import Databases, Trial, concurrent_sends, resume_kill, send_kill
from evals.faults_pg import Cluster, pg_restart, throwaway_postgres

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Databases:
    """A seeded template database (the tests' Postgres server, or SQLite), made once per module and kind (no
    trial writes to it), and a fresh copy per trial."""
    kind = "sqlite" if request.param == "sqlite" else str(request.getfixturevalue("pg_admin_url"))
    return Databases(kind, tmp_path_factory.mktemp("fault-dbs"))


def _held(trial: Trial) -> None:
    assert not trial.breaches, f"{trial.scenario} at {trial.fault} ({trial.outcome}): {trial.breaches}"


@pytest.mark.parametrize("fault", ["claim:1", "store:1"])
def test_a_killed_resume_is_finished_or_given_back(databases: Databases, fault: str) -> None:
    trial = resume_kill(databases.fresh(), fault)
    assert trial.outcome == "killed", trial
    _held(trial)


def test_a_send_killed_after_its_refund_is_completed_on_retry(databases: Databases) -> None:
    trial = send_kill(databases.fresh(), "store:1")
    assert trial.outcome == "killed", trial
    _held(trial)


def test_sends_from_several_processes_at_once_are_all_kept(databases: Databases) -> None:
    _held(concurrent_sends(databases.fresh(), "3 at once"))


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    try:
        with throwaway_postgres() as started:
            yield started
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def cluster_databases(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Databases:
    """The seeded template on the throwaway cluster, made once; a fresh copy per trial."""
    return Databases(cluster.admin_url, tmp_path_factory.mktemp("cluster-dbs"))


@pytest.mark.postgres
@pytest.mark.parametrize("point", ["store:1", "checkpoint:4"])
def test_a_postgres_restart_mid_turn_is_no_traceback_and_the_retry_completes_it(
        cluster: Cluster, cluster_databases: Databases, tmp_path: Path, point: str) -> None:
    trial = pg_restart(cluster, cluster_databases.fresh(), point, tmp_path)
    assert trial.outcome.startswith("restarted at pause"), trial
    _held(trial)
