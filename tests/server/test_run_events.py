"""The sweep of Aegra's stored run events (supportgraph/server/run_events.py), on Postgres with the columns of
Aegra's ``runs`` and ``run_events`` tables it reads: a finished run's events go once it has been finished for the
kept seconds, a run's in progress and a run's just finished stay, a deleted run's go."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from evals.served import stop
from supportgraph.server.run_events import keep_seconds, sweep, sweep_seconds
from tests.pg import create_database, drop_database
from tests.server.helpers import client, customer_message
from tests.server.running import start_server

pytestmark = pytest.mark.postgres


def _sql(url: str, statement: str, params: Any = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(statement, params)
        return cur.fetchall() if cur.description else []


@pytest.fixture
def events(pg_url: str) -> str:
    _sql(pg_url, "CREATE TABLE runs (run_id text PRIMARY KEY, status text, updated_at timestamptz)")
    _sql(pg_url, "CREATE TABLE run_events (id text PRIMARY KEY, run_id text NOT NULL, seq integer NOT NULL, "
                 "event text NOT NULL, data jsonb, created_at timestamptz DEFAULT now())")
    _sql(pg_url, "INSERT INTO runs VALUES ('done-long-ago', 'success', now() - interval '10 minutes'), "
                 "('waiting-long-ago', 'interrupted', now() - interval '10 minutes'), "
                 "('failed-long-ago', 'error', now() - interval '10 minutes'), "
                 "('done-just-now', 'success', now()), "
                 "('running-long', 'running', now() - interval '10 minutes'), "
                 "('pending-long', 'pending', now() - interval '10 minutes')")
    for run in ("done-long-ago", "waiting-long-ago", "failed-long-ago", "done-just-now", "running-long",
                "pending-long", "deleted"):
        for seq in (1, 2):
            _sql(pg_url, "INSERT INTO run_events (id, run_id, seq, event, data, created_at) VALUES "
                         "(%s, %s, %s, 'values', '{}', now() - interval '5 minutes')", (f"{run}_event_{seq}", run, seq))
    # an event of a finished run written a moment ago (its run finished long ago only by a clock's skew)
    _sql(pg_url, "INSERT INTO run_events (id, run_id, seq, event, data) VALUES ('done-long-ago_event_3', "
                 "'done-long-ago', 3, 'end', '{}')")
    return pg_url


async def _sweep(url: str, keep: float) -> int:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        return await sweep(conn, keep)


def test_the_events_of_runs_finished_long_enough_ago_go(events: str) -> None:
    assert asyncio.run(_sweep(events, 60)) == 8
    left = _sql(events, "SELECT id FROM run_events ORDER BY id")
    assert [r[0] for r in left] == ["done-just-now_event_1", "done-just-now_event_2", "done-long-ago_event_3",
                                   "pending-long_event_1", "pending-long_event_2", "running-long_event_1",
                                   "running-long_event_2"]
    assert asyncio.run(_sweep(events, 60)) == 0  # nothing more until time passes


def test_keeping_no_time_leaves_only_runs_in_progress(events: str) -> None:
    asyncio.run(_sweep(events, 0))
    left = {r[0] for r in _sql(events, "SELECT DISTINCT run_id FROM run_events")}
    assert left == {"pending-long", "running-long"}


def test_the_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (keep_seconds(), sweep_seconds()) == (60.0, 30.0)
    monkeypatch.setenv("SUPPORTGRAPH_RUN_EVENTS_KEEP", "5")
    monkeypatch.setenv("SUPPORTGRAPH_RUN_EVENTS_SWEEP", "0.5")
    assert (keep_seconds(), sweep_seconds()) == (5.0, 0.5)
    monkeypatch.setenv("SUPPORTGRAPH_RUN_EVENTS_KEEP", "a minute")
    with pytest.raises(ValueError, match="SUPPORTGRAPH_RUN_EVENTS_KEEP"):
        keep_seconds()


def test_serve_sweeps_the_events_of_its_finished_runs(pg_admin_url: str, server_keys: tuple[Path, dict[str, str]],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A real server whose workers keep no events once a run is over: a streamed run's events are gone soon
    after it finished (Aegra 0.6 alone keeps them an hour)."""
    monkeypatch.setenv("SUPPORTGRAPH_RUN_EVENTS_KEEP", "0")
    monkeypatch.setenv("SUPPORTGRAPH_RUN_EVENTS_SWEEP", "0.3")
    path, keys = server_keys
    url = create_database(pg_admin_url)
    server = start_server(url, path)
    try:
        maya = client(server.base_url, keys["maya"])
        thread = maya.threads.create()["thread_id"]
        chunks = list(maya.runs.stream(thread, "support", input=customer_message("Where is my order 10003?")))
        assert any(c.event == "values" for c in chunks), chunks
        runs = [r[0] for r in _sql(url, "SELECT run_id FROM runs WHERE thread_id = %s AND status = 'success'",
                                   (thread,))]
        assert len(runs) == 1
        deadline, left = time.monotonic() + 30, None
        while time.monotonic() < deadline:
            left = _sql(url, "SELECT count(*) FROM run_events WHERE run_id = %s", (runs[0],))[0][0]
            if left == 0:
                break
            time.sleep(0.3)
        assert left == 0
    finally:
        stop(server)
        drop_database(pg_admin_url, url)
