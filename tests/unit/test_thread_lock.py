"""The thread lock of a process outside an event loop (the CLI, SupportService) on Postgres: every thread it takes
shares one connection, opened once, and two turns of the process or of two processes never hold one thread."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

import psycopg
import pytest

from foundation.db import psycopg_url
from foundation.thread_lock import FENCE_SQL, ThreadBusy, ThreadLockLost, check_held, lock_fence, thread_lock
from tests.unit.test_async_thread_lock import _lock_connections

pytestmark = pytest.mark.postgres


def test_turns_share_one_connection_opened_once(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Any] = []
    connect = psycopg.connect

    def counting(*args: Any, **kwargs: Any) -> Any:
        opened.append(args)
        return connect(*args, **kwargs)

    monkeypatch.setattr(psycopg, "connect", counting)
    with thread_lock(pg_url, "a", wait=1), thread_lock(pg_url, "b", wait=1):
        mine = len(opened)
        assert _lock_connections(pg_url) == 1, "the process's locks should share one connection"
        del opened[mine:]  # the probe's own connection
    for _ in range(3):
        with thread_lock(pg_url, "c", wait=1):
            pass
    assert len(opened) == 1, f"a turn opened a connection to take its thread ({len(opened)} for 5 turns)"


def test_two_turns_of_one_process_never_hold_one_thread(pg_url: str) -> None:
    held, release = threading.Event(), threading.Event()

    def first() -> None:
        with thread_lock(pg_url, "t", wait=1):
            held.set()
            release.wait(10)

    worker = threading.Thread(target=first)
    worker.start()
    try:
        assert held.wait(10)
        with pytest.raises(ThreadBusy), thread_lock(pg_url, "t", wait=0.2):
            pass
    finally:
        release.set()
        worker.join(10)
    with thread_lock(pg_url, "t", wait=1):  # given back
        pass


def test_another_process_waits_for_the_thread(pg_url: str) -> None:
    other = ("import sys; from foundation.thread_lock import ThreadBusy, thread_lock\n"
             "try:\n    with thread_lock(sys.argv[1], 't', wait=0.2): print('took it')\n"
             "except ThreadBusy: print('busy')")
    with thread_lock(pg_url, "t", wait=1):
        busy = subprocess.run([sys.executable, "-c", other, pg_url], capture_output=True, text=True, timeout=60)
    free = subprocess.run([sys.executable, "-c", other, pg_url], capture_output=True, text=True, timeout=60)
    assert (busy.stdout.strip(), free.stdout.strip()) == ("busy", "took it"), (busy, free)


def test_every_lock_of_a_dropped_connection_is_reported_lost_and_the_next_one_reconnects(pg_url: str) -> None:
    with thread_lock(pg_url, "a", wait=1), thread_lock(pg_url, "b", wait=1):
        check_held("a")  # held: nothing to report
        name = pg_url.rsplit("/", 1)[1]
        with psycopg.connect(psycopg_url(pg_url), autocommit=True) as admin:
            pids = admin.execute("SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                                 "WHERE l.locktype = 'advisory' AND d.datname = %s", (name,)).fetchall()
            assert len(pids) == 1, pids
            admin.execute("SELECT pg_terminate_backend(%s)", (pids[0][0],))
        for thread in ("a", "b"):  # both went with the connection
            with pytest.raises(ThreadLockLost):
                check_held(thread)
        with thread_lock(pg_url, "c", wait=1):  # a new connection
            check_held("c")
            with pytest.raises(ThreadLockLost):
                check_held("a")
            assert _lock_connections(pg_url) == 1
        # still refused in this process while the lost turn has not ended
        with pytest.raises(ThreadBusy), thread_lock(pg_url, "a", wait=0.2):
            pass
    with thread_lock(pg_url, "a", wait=1), thread_lock(pg_url, "b", wait=1):
        check_held("a")
        check_held("b")
    check_held("a")  # not held: nothing to check


def test_the_fence_passes_while_the_lock_is_held_and_fails_a_write_once_it_is_not(pg_url: str) -> None:
    """A checkpoint write's first statement (service/review_index.py): the database itself says whether the
    session that took the thread's lock holds it still; the writes queued after a failed fence never run."""
    assert lock_fence("f") is None  # not held by this process: nothing to fence
    with psycopg.connect(psycopg_url(pg_url), autocommit=True) as writer:
        writer.execute("CREATE TEMP TABLE fenced (x int)")
        with thread_lock(pg_url, "f", wait=1):
            fence = lock_fence("f")
            assert fence is not None
            with writer.pipeline(), writer.cursor() as cur:
                cur.execute(FENCE_SQL, fence)
                cur.execute("INSERT INTO fenced VALUES (1)")
            gone = (fence[0], fence[1], writer.info.backend_pid)  # a session that does not hold it
            with pytest.raises(psycopg.errors.DivisionByZero), writer.pipeline(), writer.cursor() as cur:
                cur.execute(FENCE_SQL, gone)
                cur.execute("INSERT INTO fenced VALUES (2)")
        with pytest.raises(psycopg.errors.DivisionByZero):  # released: no session holds it
            writer.execute(FENCE_SQL, fence)
        assert writer.execute("SELECT array_agg(x) FROM fenced").fetchone() == ([1],)
