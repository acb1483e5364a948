"""Runs of the API server (Aegra, Postgres) whose server is gone: who runs what, and expiring what no one runs.

Aegra runs a run as a task inside the worker process that accepted it and marks it ``success``, ``error`` or
``interrupted`` when it ends. A worker that dies (kill -9, a crash, the host going away) leaves its runs ``pending``
or ``running`` forever, and the thread ``busy``: every later run on the thread would be refused as "in progress".

So every worker is an *owner*: at start it takes a session-level advisory lock on its own id and holds it on a
connection of its own for as long as it lives; Postgres drops the lock the moment the process or its connection is
gone. Before a worker creates a run on a thread (holding the thread, supportgraph/server/threads.py) it records
itself as the thread's owner. A run ``pending`` or ``running`` is alive while its thread's owner holds its lock;
one whose owner is gone (or unknown and idle for UNOWNED_GRACE: a run from before owners were recorded, or
one an admin started outside a thread's run routes) is *expired*: marked ``error``
with a reason, its thread no longer ``busy``, so the next touch (a run request, a read) repairs and resumes it.
Expiry runs when a worker starts and whenever a thread is touched.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from foundation.db import lock_number, psycopg_url

log = logging.getLogger(__name__)

OWNERS = "api_run_owners"
EXPIRED = "interrupted: the server process running it stopped before it finished; the thread resumes on its next run"
UNOWNED_GRACE = "10 minutes"
_DDL = (
    f"CREATE TABLE IF NOT EXISTS {OWNERS} (thread_id TEXT PRIMARY KEY, owner TEXT NOT NULL, "
    "at TIMESTAMPTZ NOT NULL DEFAULT now())"
)


def owner_key(owner: str) -> int:
    return lock_number(f"api-owner:{owner}")


@dataclass
class Owner:
    """This process, as the owner of the runs it creates: its id and the connection that holds its lock."""

    database_url: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    _conn: Any = None
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def hold(self, *, ping: bool = True) -> None:
        """Take (or take again, after the connection broke) this owner's lock; create the owners table.
        ``ping``: check an open connection with a round trip (else only that it is neither closed nor broken)."""
        import psycopg

        with self._guard:
            if self._conn is not None and not self._conn.closed and not ping and not self._conn.broken:
                return
            if self._conn is not None and not self._conn.closed:
                try:
                    self._conn.execute("SELECT 1")
                    return
                except psycopg.Error:
                    self._conn.close()
            conn = psycopg.connect(psycopg_url(self.database_url), autocommit=True, connect_timeout=10)
            # The owner records commit without waiting for the disk: Aegra's record of the run, committed after
            # one and waiting for the disk, makes it durable too (Postgres flushes its log in order); a record
            # whose run was never recorded owns nothing.
            conn.execute("SET synchronous_commit TO off")
            conn.execute(_DDL)
            conn.execute("SELECT pg_advisory_lock(%s)", (owner_key(self.id),))
            self._conn = conn

    def own(self, thread_id: str) -> None:
        """Record this owner as the one creating the thread's next run (the caller holds the thread), on the
        connection that holds the owner's lock: no connection of its own, no ping first, no wait for the disk. A
        connection that broke (a Postgres restart took the lock with it) is replaced, and the lock taken again,
        before the record."""
        import psycopg

        for attempt in (1, 2):
            self.hold(ping=False)
            with self._guard:
                try:
                    self._conn.execute(
                        f"INSERT INTO {OWNERS} (thread_id, owner) VALUES (%s, %s) ON CONFLICT (thread_id) DO "
                        "UPDATE SET owner = EXCLUDED.owner, at = now()",
                        (thread_id, self.id),
                    )
                    return
                except psycopg.OperationalError:
                    if attempt == 2 or not self._conn.broken:
                        raise
                    self._conn.close()

    def close(self) -> None:
        with self._guard:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def expire_runs(database_url: str, thread_id: str | None = None) -> list[str]:
    """Mark ``error`` every pending or running run (of ``thread_id``, or of every thread) whose owner is gone,
    and take its thread out of ``busy``; returns the threads whose runs were expired. Postgres only (Aegra)."""
    return _expire(database_url, thread_id)[0]


def run_in_progress(database_url: str, thread_id: str) -> bool:
    """``expire_runs`` for the thread, then whether it still has a run pending or running (one whose owner lives,
    or one with no owner yet within UNOWNED_GRACE): service.recovery's ``api_run_in_progress`` after the expiry,
    read in the same query."""
    return _expire(database_url, thread_id)[1]


def run_state(database_url: str, thread_id: str) -> tuple[bool, str | None]:
    """``run_in_progress``, and Aegra's status of the thread as the same read found it (None: no such thread, or
    no API server's tables). A thread whose run was expired here reads ``busy`` (it is ``error`` after)."""
    _, busy, status = _expire(database_url, thread_id, with_status=True)
    return busy, status


# A run request's read of its thread while holding it: a run pending or running (then ``run_state`` decides, and
# expires it if its server is gone), Aegra's status of the thread, and whether a review of the thread is not resolved
# (if none is and the checkpoint waits for none, the review queue has nothing to settle).
THREAD_STATE = (
    "SELECT r.run_id, t.status, EXISTS (SELECT 1 FROM review_queue q WHERE q.thread_id = t.thread_id AND "
    "q.status <> 'resolved') FROM thread t LEFT JOIN runs r ON r.thread_id = t.thread_id AND "
    "r.status IN ('pending', 'running') WHERE t.thread_id = %s LIMIT 1"
)


@dataclass(frozen=True)
class ThreadState:
    """What ``THREAD_STATE`` read: ``runs``, a run pending or running (alive or not: ``run_state`` tells);
    ``status``, Aegra's (None: no such thread); ``unsettled``, a review not resolved (None: not read)."""

    runs: bool
    status: str | None
    unsettled: bool | None


def thread_state(rows: list[tuple[Any, ...]]) -> ThreadState:
    if not rows:
        return ThreadState(False, None, None)
    run_id, status, unsettled = rows[0]
    return ThreadState(run_id is not None, None if status is None else str(status), bool(unsettled))


_TABLES_READY: set[str] = set()  # databases where Aegra's runs table and the owners table exist (never dropped)


def _expire(database_url: str, thread_id: str | None, *,
            with_status: bool = False) -> tuple[list[str], bool, str | None]:
    """(threads whose runs were expired, whether a run is still in progress, and with ``with_status`` Aegra's
    status of ``thread_id`` as read). One read on a pooled connection when no run is pending or running (a turn's
    usual case); the owners are checked only for runs that are."""
    if not database_url.startswith(("postgresql", "postgres://")):
        return [], False, None
    from sqlalchemy.exc import ProgrammingError

    from foundation.db import open_database

    db = open_database(database_url)
    columns = f"r.run_id, r.thread_id, o.owner, r.updated_at < now() - interval '{UNOWNED_GRACE}'"
    if with_status and thread_id is not None:  # the thread's row, with its runs in progress if it has any
        query = (f"SELECT {columns}, t.status FROM thread t LEFT JOIN runs r ON r.thread_id = t.thread_id AND "
                 f"r.status IN ('pending', 'running') LEFT JOIN {OWNERS} o ON o.thread_id = r.thread_id "
                 "WHERE t.thread_id = %s")
    else:
        where = "AND r.thread_id = %s" if thread_id is not None else ""
        query = (f"SELECT {columns}, NULL FROM runs r LEFT JOIN {OWNERS} o ON o.thread_id = r.thread_id "
                 f"WHERE r.status IN ('pending', 'running') {where}")
    with db.single() as conn:
        if database_url not in _TABLES_READY:
            if conn.exec_driver_sql("SELECT to_regclass('public.runs')").scalar() is None:
                return [], False, None
            conn.exec_driver_sql(_DDL)
            _TABLES_READY.add(database_url)
        try:
            found = conn.exec_driver_sql(query, (thread_id,) if thread_id is not None else ()).fetchall()
        except ProgrammingError as exc:  # a database dropped and made again under the same name, without them
            if type(exc.orig).__name__ != "UndefinedTable":
                raise
            _TABLES_READY.discard(database_url)
            return [], False, None
    status = str(found[0][4]) if found and found[0][4] is not None else None
    rows = [row[:4] for row in found if row[0] is not None]
    if not rows:
        return [], False, status
    with db.begin() as conn:  # the owners' locks are tried as transaction locks: they end with it, whatever happens
        gone = [
            (run_id, thread)
            for run_id, thread, owner, stale in rows
            if (stale if owner is None else not _alive(conn, owner))
        ]
        for run_id, thread in gone:
            conn.exec_driver_sql(
                "UPDATE runs SET status = 'error', error_message = %s, updated_at = now() "
                "WHERE run_id = %s AND status IN ('pending', 'running')",
                (EXPIRED, run_id),
            )
            conn.exec_driver_sql(
                "UPDATE thread SET status = 'error', updated_at = now() WHERE thread_id = %s AND status = 'busy'",
                (thread,),
            )
            log.warning("run %s on thread %s expired: its server process is gone", run_id, thread)
    return sorted({thread for _, thread in gone}), len(gone) < len(rows), status


def _alive(conn: Any, owner: str) -> bool:
    """Does a live process hold ``owner``'s lock? (Taking it here means no one did; it is given back when the
    caller's transaction ends.)"""
    row = conn.exec_driver_sql("SELECT pg_try_advisory_xact_lock(%s)", (owner_key(owner),)).fetchone()
    return not (row and row[0])
