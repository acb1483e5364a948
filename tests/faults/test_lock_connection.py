"""The connection that holds a process's thread locks on Postgres drops mid-turn (foundation/thread_lock.py).

Every advisory lock of the process goes with it at once, so another process may take the thread while the turn
still runs. The turn must then stop before it writes anything more (its checkpoint and its business writes), fail
with a clean "try again", and the next turn must take the thread on a new connection and finish the run the
dropped one left, keeping every message and doing nothing twice.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from foundation import crash
from foundation.db import lock_number, psycopg_url
from foundation.thread_lock import lock_key
from service.conversations import SupportService, ThreadBusy
from tests.graph.conftest import refunds_of

pytestmark = pytest.mark.postgres

THREAD = "dropped-lock"
REFUND = "I'd like a refund for order 10004"


def _lock_holders(url: str) -> list[int]:
    """The server processes of this database that hold an advisory lock."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        rows = conn.execute("SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                            "WHERE l.locktype = 'advisory' AND d.datname = %s", (name,)).fetchall()
    return [int(r[0]) for r in rows]


def _written(url: str) -> tuple[int, ...]:
    """What the thread has written so far: checkpoints, checkpoint writes, business operations."""
    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        return tuple(int(conn.execute(sql, (p,)).fetchone()[0]) for sql, p in (  # type: ignore[index]
            ("SELECT count(*) FROM checkpoints WHERE thread_id = %s", THREAD),
            ("SELECT count(*) FROM checkpoint_writes WHERE thread_id = %s", THREAD),
            ("SELECT count(*) FROM operations WHERE key LIKE %s", f"{THREAD}:%")))


def _wait_for(check: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_turn_whose_lock_connection_drops_writes_nothing_more_and_the_next_turn_finishes_it(
        service: SupportService, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service.send(THREAD, "hello", customer_id="C0001")
    # The next turn pauses right after its first durable write (its customer message, in the input checkpoint).
    marker = tmp_path / "paused"
    crash.reset()
    monkeypatch.setenv(crash.PAUSE_ENV, "checkpoint:1")
    monkeypatch.setenv(crash.PAUSE_FILE_ENV, str(marker))
    outcome: dict[str, Any] = {}

    def turn() -> None:
        try:
            outcome["report"] = service.send(THREAD, REFUND)
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=turn)
    worker.start()
    rival = None
    try:
        _wait_for(marker.exists, "the turn to pause")
        holders = _lock_holders(database_url)
        assert len(holders) == 1, holders
        with psycopg.connect(psycopg_url(database_url), autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", (holders[0],)).fetchone() == (True,)
        _wait_for(lambda: not _lock_holders(database_url), "the lock connection to go")
        # Another process's turn takes the thread now, as it may: the server released the lock.
        rival = psycopg.connect(psycopg_url(database_url), autocommit=True)
        key = lock_number(lock_key(THREAD))
        assert rival.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone() == (True,)
        written = _written(database_url)
        marker.unlink()  # the paused turn goes on
        worker.join(120)
        assert not worker.is_alive(), "the turn did not end"
        # ... and must not write while the rival holds the thread: it fails, asking to try again.
        assert _written(database_url) == written, "the turn wrote after it lost the thread's lock"
        assert isinstance(outcome.get("error"), ThreadBusy), outcome
        assert "lost" in str(outcome["error"]), outcome["error"]
        assert refunds_of(database_url, 10004) == []
    finally:
        if marker.exists():
            marker.unlink()
        worker.join(120)
        if rival is not None:
            rival.close()  # the rival's turn ends: the thread is free
    monkeypatch.delenv(crash.PAUSE_ENV)

    # The next turn takes the thread on a new connection, finishes the run the dropped turn left, then its own.
    report = service.send(THREAD, "where is order 10003?")
    assert report.replies, report
    with service.turn(THREAD, wait=5):
        holders = _lock_holders(database_url)
        assert len(holders) == 1, holders
        with psycopg.connect(psycopg_url(database_url), autocommit=True) as other:
            taken = other.execute("SELECT pg_try_advisory_lock(%s)", (lock_number(lock_key(THREAD)),)).fetchone()
            assert taken == (False,), "another process took the thread while a turn held it"
    values = service.graph.get_state({"configurable": {"thread_id": THREAD}}).values
    human = [str(m.content) for m in values["messages"] if m.type == "human"]
    assert human == ["hello", REFUND, "where is order 10003?"], human
    assert len(refunds_of(database_url, 10004)) == 1, refunds_of(database_url, 10004)
