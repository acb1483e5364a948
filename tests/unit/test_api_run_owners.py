"""Runs of the API server whose server is gone (service/api_runs.py), on their own tables: a run request's one
read (expiry and "is a run in progress" together), a dead owner's run expired, a live owner's kept, and the
owner's record written on the connection that holds its lock — taken again when that connection was killed."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from foundation.db import open_database
from service.api_runs import EXPIRED, OWNERS, Owner, expire_runs, owner_key, run_in_progress, run_state

pytestmark = pytest.mark.postgres


def _sql(url: str, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def _aegra_tables(url: str) -> None:
    """The columns of Aegra's runs and thread tables that expiry reads and writes."""
    _sql(url, "CREATE TABLE runs (run_id text PRIMARY KEY, thread_id text, status text, error_message text, "
              "updated_at timestamptz NOT NULL DEFAULT now())")
    _sql(url, "CREATE TABLE thread (thread_id text PRIMARY KEY, status text, updated_at timestamptz)")


def _statements(url: str) -> tuple[list[str], Any]:
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(open_database(url).engine, "before_cursor_execute", note)
    return seen, note


def test_a_thread_with_no_run_in_progress_costs_one_read_on_a_pooled_connection(pg_url: str) -> None:
    assert run_in_progress(pg_url, "t1") is False  # no API server's tables: nothing to expire
    _aegra_tables(pg_url)
    _sql(pg_url, "INSERT INTO runs (run_id, thread_id, status) VALUES ('r0', 't1', 'success')")
    assert run_in_progress(pg_url, "t1") is False  # creates the owners table once
    seen, note = _statements(pg_url)
    try:
        assert run_in_progress(pg_url, "t1") is False
    finally:
        event.remove(open_database(pg_url).engine, "before_cursor_execute", note)
    assert len(seen) == 1 and seen[0].startswith("SELECT r.run_id"), seen


def test_a_run_request_reads_the_threads_status_in_the_same_read(pg_url: str) -> None:
    """The run slot's one read also says Aegra's status of the thread, so the guard writes the status only when a
    run left it ``error`` or ``busy`` (supportgraph/server/threads.py ``_settle``)."""
    _aegra_tables(pg_url)
    assert run_in_progress(pg_url, "t0") is False  # creates the owners table once
    _sql(pg_url, "INSERT INTO thread (thread_id, status) VALUES ('idle', 'idle'), ('dead', 'busy'), "
                 "('alive', 'busy')")
    _sql(pg_url, f"INSERT INTO {OWNERS} (thread_id, owner) VALUES ('dead', 'a-server-that-died')")
    _sql(pg_url, "INSERT INTO runs (run_id, thread_id, status) VALUES ('r0', 'idle', 'success'), "
                 "('r1', 'dead', 'running')")
    owner = Owner(pg_url)
    owner.hold()
    try:
        owner.own("alive")
        _sql(pg_url, "INSERT INTO runs (run_id, thread_id, status) VALUES ('r2', 'alive', 'running')")
        seen, note = _statements(pg_url)
        try:
            assert run_state(pg_url, "idle") == (False, "idle")
        finally:
            event.remove(open_database(pg_url).engine, "before_cursor_execute", note)
        assert len(seen) == 1, seen
        assert run_state(pg_url, "unknown") == (False, None)
        assert run_state(pg_url, "alive") == (True, "busy")
        assert run_state(pg_url, "dead") == (False, "busy")  # as read; its run was expired by the same call
        assert _sql(pg_url, "SELECT status FROM thread WHERE thread_id = 'dead'") == [("error",)]
    finally:
        owner.close()


def test_a_run_whose_owner_is_gone_is_expired_and_one_whose_owner_lives_is_in_progress(pg_url: str) -> None:
    _aegra_tables(pg_url)
    owner = Owner(pg_url)
    owner.hold()
    try:
        owner.own("alive")
        _sql(pg_url, f"INSERT INTO {OWNERS} (thread_id, owner) VALUES ('dead', 'a-server-that-died')")
        _sql(pg_url, "INSERT INTO runs (run_id, thread_id, status) VALUES ('r1', 'alive', 'running'), "
                     "('r2', 'dead', 'running')")
        _sql(pg_url, "INSERT INTO thread (thread_id, status) VALUES ('alive', 'busy'), ('dead', 'busy')")
        assert run_in_progress(pg_url, "alive") is True
        assert run_in_progress(pg_url, "dead") is False
        assert _sql(pg_url, "SELECT status, error_message FROM runs WHERE run_id = 'r2'") == [("error", EXPIRED)]
        assert _sql(pg_url, "SELECT thread_id, status FROM thread ORDER BY 1") == [("alive", "busy"),
                                                                                  ("dead", "error")]
        assert expire_runs(pg_url) == []  # the live owner's run stays; nothing else is left to expire
        # The owners' locks were tried as transaction locks: no pooled session keeps the dead owner's.
        with psycopg.connect(pg_url, autocommit=True) as conn:
            taken = conn.execute("SELECT pg_try_advisory_lock(%s)", (owner_key("a-server-that-died"),)).fetchone()
            assert taken == (True,)
    finally:
        owner.close()


def test_the_owner_records_its_runs_on_its_own_connection_and_takes_its_lock_again_when_that_connection_dies(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    owner = Owner(pg_url)
    owner.hold()
    connects: list[str] = []
    connect = psycopg.connect

    def counted(*args: Any, **kwargs: Any) -> Any:
        connects.append(str(args[0]))
        return connect(*args, **kwargs)

    try:
        monkeypatch.setattr(psycopg, "connect", counted)
        owner.own("t1")
        owner.own("t2")
        assert connects == [], "a run's owner record opened a connection of its own"
        held_by = owner._conn.info.backend_pid
        _sql(pg_url, "SELECT pg_terminate_backend(%s)", (held_by,))  # a Postgres restart, for this connection
        connects.clear()
        owner.own("t3")
        monkeypatch.undo()
        assert len(connects) == 1 and owner._conn.info.backend_pid != held_by
        # its records commit without waiting for the disk (the run Aegra records after one waits for both)
        assert owner._conn.execute("SHOW synchronous_commit").fetchone() == ("off",)
        assert _sql(pg_url, f"SELECT thread_id, owner FROM {OWNERS} ORDER BY 1") == [
            ("t1", owner.id), ("t2", owner.id), ("t3", owner.id)]
        assert _sql(pg_url, "SELECT pg_try_advisory_lock(%s)", (owner_key(owner.id),)) == [(False,)], \
            "the owner's lock was not taken again"
    finally:
        owner.close()
