"""The business store's Postgres connections (foundation/db.py): a pooled one is taken without a round trip when
the server has not hung up on it, and replaced when it has (a terminated backend, as a restart leaves every one);
a read outside a write's transaction runs without one of its own (no BEGIN and COMMIT round trips)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, text

from foundation.db import open_database
from tools.common import reading
from tools.store import BusinessStore

pytestmark = pytest.mark.postgres


def _backend_pid(url: str) -> int:
    with open_database(url).begin() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_healthy_pooled_connection_is_taken_without_a_ping(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = open_database(pg_url)
    first = _backend_pid(pg_url)
    pings: list[Any] = []
    real = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda conn: pings.append(conn) or real(conn))
    for _ in range(5):
        assert _backend_pid(pg_url) == first  # the same pooled connection, each time
    assert pings == []


def test_a_connection_the_server_closed_is_replaced_on_checkout(pg_url: str) -> None:
    first = _backend_pid(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
        for _ in range(100):  # until the backend is gone
            if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (first,)).fetchall():
                break
            admin.execute("SELECT pg_sleep(0.02)")
    second = _backend_pid(pg_url)  # no error: the dead connection was noticed and replaced
    assert second != first
    assert _backend_pid(pg_url) == second


def test_a_read_outside_a_transaction_sends_no_begin(pg_url: str) -> None:
    db = open_database(pg_url)
    store = BusinessStore(db=db, reference_time=datetime.now(UTC), seed=7)
    autocommit: list[bool] = []

    def note(conn: Any, *args: Any) -> None:
        autocommit.append(bool(conn.connection.dbapi_connection.autocommit))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        with reading(store, None) as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
            assert conn.execute(text("SELECT 2")).scalar_one() == 2
        with db.begin() as conn:  # a transaction is still one
            conn.execute(text("SELECT 3"))
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert autocommit == [True, True, False]
