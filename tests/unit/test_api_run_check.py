"""Whether the API server has a run on a thread (service/recovery.py ``api_run_in_progress``), as every turn and
resume asks it: no API tables, a run pending, none, and the tables gone again — with a round trip fewer once the
tables are known to exist."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from foundation.db import open_database
from service.recovery import api_run_in_progress

pytestmark = pytest.mark.postgres


def _sql(url: str, statement: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def test_the_runs_of_the_api_server_are_read_when_it_is_there(pg_url: str) -> None:
    assert api_run_in_progress(pg_url, "t1") is False  # no API server on this database
    _sql(pg_url, "CREATE TABLE runs (thread_id text, status text)")
    _sql(pg_url, "INSERT INTO runs VALUES ('t1', 'running'), ('t2', 'success')")
    assert api_run_in_progress(pg_url, "t1") is True
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = open_database(pg_url).engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert api_run_in_progress(pg_url, "t2") is False
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert seen and not [s for s in seen if "to_regclass" in s], f"the tables' existence was asked again: {seen}"
    _sql(pg_url, "DROP TABLE runs")  # the database made again without them
    assert api_run_in_progress(pg_url, "t1") is False
    _sql(pg_url, "CREATE TABLE runs (thread_id text, status text)")
    _sql(pg_url, "INSERT INTO runs VALUES ('t1', 'pending')")
    assert api_run_in_progress(pg_url, "t1") is True
