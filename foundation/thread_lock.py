"""One turn at a time per thread, across every process that uses the database.

A turn (a customer message, a reviewer's resume, the recovery of a run a crash cut short) holds its thread's
lock from the first read of the checkpoint to the last write. A second turn on the same thread waits, up to a
bound, and is then refused with :class:`ThreadBusy`: two turns never read the same checkpoint, so neither can
overwrite the other's messages, and turn numbers (and the idempotency keys built from them) never collide.

The lock dies with its holder, so a killed process never leaves a thread locked:

* Postgres: a session-level ``pg_advisory_lock`` on :func:`foundation.db.lock_number` of ``thread:<id>``
  (the server drops it when the connection goes); a process holds all of its threads' locks on one connection
  of their own, and so does an event loop (the API server's worker). If that connection drops, every lock on
  it goes at once while its turns still run. A turn's checkpoint writes run :data:`FENCE_SQL` first, in their
  own transaction: it fails them (:class:`ThreadLockLost`) unless the lock's session holds it still, at no round
  trip of its own; a business write calls :func:`check_held` (one round trip on the lock's connection) before it
  commits. The next acquire after a loss opens a new connection;
* SQLite: an exclusive ``flock`` on a per-thread file beside the database (the kernel drops it with the
  process). SQLite hosts are local processes (the API server needs Postgres), so a file lock reaches them all.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
import weakref
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import ExitStack, asynccontextmanager, contextmanager, suppress
from typing import Any

from foundation.db import lock_number, on_close, psycopg_url, sqlite_path

POLL_SECONDS = 0.05


class ThreadBusy(RuntimeError):
    """Another turn holds the thread for longer than this one may wait."""


class ThreadLockLost(ThreadBusy):
    """The connection that held the thread's lock dropped during the turn: another process may hold the thread
    now, so the turn writes nothing more (:func:`check_held`); the next turn finishes what it left."""


def lock_key(thread_id: str) -> str:
    """The name the thread's lock is taken under (the API server takes the same one)."""
    return f"thread:{thread_id}"


@contextmanager
def thread_lock(database_url: str, thread_id: str, *, wait: float) -> Iterator[None]:
    """Hold ``thread_id``'s lock for the block; wait at most ``wait`` seconds for it, else ThreadBusy."""
    deadline = time.monotonic() + max(0.0, wait)
    if database_url.startswith("sqlite:///"):
        with _file_lock(database_url, thread_id, deadline):
            yield
        return
    with _advisory_lock(database_url, thread_id, deadline):
        yield


@asynccontextmanager
async def async_thread_lock(database_url: str, thread_id: str, *, wait: float) -> AsyncIterator[None]:
    """:func:`thread_lock` for an event loop (the API server): waiting for the lock does not hold a thread."""
    deadline = time.monotonic() + max(0.0, wait)
    if database_url.startswith("sqlite:///"):
        stack = ExitStack()
        await asyncio.to_thread(stack.enter_context, thread_lock(database_url, thread_id, wait=wait))
        try:
            yield
        finally:
            await asyncio.to_thread(stack.close)
        return
    key = lock_number(lock_key(thread_id))
    holder = await _shared_locks(database_url)
    await holder.acquire(key, thread_id, deadline)
    try:
        yield
    finally:
        await holder.release(key)


class _SharedLocks:
    """Every advisory lock one event loop holds on one database, on one connection of its own.

    A connection per lock would cost a connection set-up per run and a server connection per run in flight (a
    server with 100 runs at once would hold 100); session-level advisory locks of different keys share one
    session, so this process holds all of its threads on one connection, and they still die with it. Locks are
    re-entrant within a session, so ``held`` keeps two turns of this process off one thread; the connection's
    own lock serializes the statements."""

    def __init__(self, database_url: str) -> None:
        self.url = psycopg_url(database_url)
        self.conn: Any = None
        self.connecting = asyncio.Lock()
        self.held: dict[int, Any] = {}  # key → the connection that holds it
        self._tasks: set[asyncio.Future[None]] = set()  # locks being given back after a cancelled request

    async def _connection(self) -> Any:
        import psycopg

        async with self.connecting:
            if self.conn is None or self.conn.closed or self.conn.broken:
                self.conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True, connect_timeout=10)
            return self.conn

    async def acquire(self, key: int, thread_id: str, deadline: float) -> None:
        while True:
            if key not in self.held:
                self.held[key] = None  # taken in this process before the first await: no second try on the key
                try:
                    conn = await self._connection()
                except BaseException:
                    del self.held[key]
                    raise
                attempt = asyncio.ensure_future(self._try(conn, key))
                try:
                    taken = await asyncio.shield(attempt)
                except asyncio.CancelledError:
                    # The statement runs to its end regardless; a lock it took must not outlive this request.
                    giving_back = asyncio.ensure_future(self._give_back(attempt, conn, key))
                    self._tasks.add(giving_back)
                    giving_back.add_done_callback(self._tasks.discard)
                    raise
                except BaseException:
                    del self.held[key]
                    raise
                if taken:
                    self.held[key] = conn
                    return
                del self.held[key]
            if time.monotonic() >= deadline:
                raise _busy(thread_id)
            await asyncio.sleep(POLL_SECONDS)

    @staticmethod
    async def _try(conn: Any, key: int) -> bool:
        return bool((await (await conn.execute("SELECT pg_try_advisory_lock(%s)", (key,))).fetchone())[0])

    async def _give_back(self, attempt: asyncio.Future[bool], conn: Any, key: int) -> None:
        try:
            if await attempt:
                await self._unlock(conn, key)
        except Exception:  # the connection failed: the lock went with it
            pass
        finally:
            self.held.pop(key, None)

    async def release(self, key: int) -> None:
        conn = self.held.get(key)
        try:
            if conn is not None:
                # shielded: a cancelled request still gives its thread back (the key stays reserved until then)
                await asyncio.shield(self._unlock(conn, key))
        finally:
            self.held.pop(key, None)

    @staticmethod
    async def _unlock(conn: Any, key: int) -> None:
        import psycopg

        if not conn.closed:  # a lost connection took its locks with it
            with suppress(psycopg.Error):
                await conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

    async def run(self, statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """One statement on the lock connection; a connection found gone (a Postgres restart) is replaced and the
        statement made again (its locks went with it anyway)."""
        import psycopg

        for attempt in (1, 2):
            conn = await self._connection()
            try:
                cursor = await conn.execute(statement, params)
                return await cursor.fetchall() if cursor.description else []
            except psycopg.OperationalError:
                if attempt == 2 or not conn.broken:
                    raise
        raise AssertionError("unreachable")


_holders: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _SharedLocks]] = (
    weakref.WeakKeyDictionary())


async def beside_locks(database_url: str, statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of one statement on the connection that holds this event loop's thread locks (Postgres,
    autocommit): the API worker's reads around a run's lock (the thread's owner, its runs in progress) cost one
    round trip, with no pooled connection checked out and pinged for them. A statement that found the connection
    gone is made again on a new one, so only statements that may run twice belong here (reads, a repair)."""
    return await (await _shared_locks(database_url)).run(statement, params)


async def _shared_locks(database_url: str) -> _SharedLocks:
    """This event loop's lock holder for ``database_url`` (a connection belongs to the loop that made it)."""
    holders = _holders.setdefault(asyncio.get_running_loop(), {})
    holder = holders.get(database_url)
    if holder is None:
        holder = holders[database_url] = _SharedLocks(database_url)
    return holder


def _busy(thread_id: str) -> ThreadBusy:
    return ThreadBusy(f"thread {thread_id!r} is busy with another turn; try again in a moment")


@contextmanager
def _file_lock(database_url: str, thread_id: str, deadline: float) -> Iterator[None]:
    import fcntl

    folder = sqlite_path(database_url).with_name(sqlite_path(database_url).name + ".locks")
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.blake2b(thread_id.encode(), digest_size=16).hexdigest()
    fd = os.open(folder / name, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _busy(thread_id) from None
                time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(database_url: str, thread_id: str, deadline: float) -> Iterator[None]:
    holder = _process_locks(database_url)
    key = lock_number(lock_key(thread_id))
    holder.acquire(key, thread_id, deadline)
    try:
        yield
    finally:
        holder.release(key)


class _ProcessLocks:
    """Every advisory lock this process holds on one database outside an event loop, on one connection of its
    own (as :class:`_SharedLocks` does for an event loop): a turn no longer opens a connection to take its
    thread. ``held`` keeps two turns of this process off one thread (the session's locks are re-entrant) and
    names the connection each lock was taken on (a lock is lost when that connection is); the mutex serializes
    the connection's statements, and a waiting turn polls without holding it."""

    def __init__(self, database_url: str) -> None:
        self.url = psycopg_url(database_url)
        self.conn: Any = None
        self.mutex = threading.Lock()
        self.held: dict[int, Any] = {}  # key → the connection that took it

    def _connection(self) -> Any:
        import psycopg

        if self.conn is None or self.conn.closed or self.conn.broken:
            self.conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        return self.conn

    def acquire(self, key: int, thread_id: str, deadline: float) -> None:
        import psycopg

        while True:
            with self.mutex:
                if key not in self.held:
                    try:
                        taken = self._connection().execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]
                    except psycopg.OperationalError:  # a connection Postgres dropped: once more on a new one
                        self.conn = None
                        taken = self._connection().execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]
                    if taken:
                        self.held[key] = self.conn
                        return
            if time.monotonic() >= deadline:
                raise _busy(thread_id)
            time.sleep(POLL_SECONDS)

    def check(self, key: int, thread_id: str) -> None:
        """ThreadLockLost if this process took ``key`` and the connection it took it on is gone (one round trip
        on that connection: its session alive, its locks are)."""
        import psycopg

        with self.mutex:
            if key not in self.held:
                return
            conn = self.held[key]
            alive = conn is self.conn and not conn.closed and not conn.broken
            if alive:
                try:
                    conn.execute("SELECT 1")
                except psycopg.Error:
                    alive = False
            if not alive:
                raise lock_lost(thread_id)

    def release(self, key: int) -> None:
        import psycopg

        with self.mutex:
            conn = self.held.pop(key, None)
            if conn is not None and conn is self.conn and not conn.closed:
                with suppress(psycopg.Error):  # the connection is gone, and the lock with it
                    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


_process_holders: dict[tuple[int, str], _ProcessLocks] = {}
_process_holders_lock = threading.Lock()


def _process_locks(database_url: str) -> _ProcessLocks:
    """This process's lock holder for ``database_url`` (a forked child makes its own connection)."""
    with _process_holders_lock:
        key = (os.getpid(), database_url)
        holder = _process_holders.get(key)
        if holder is None:
            holder = _process_holders[key] = _ProcessLocks(database_url)
        return holder


# The fence a turn's checkpoint write runs first, in the write's own transaction (service/review_index.py): it
# divides by zero, failing the statement and so the writes queued after it, unless the session this process took
# the thread's lock on holds it still. No round trip of its own, and no process-wide mutex.
FENCE_SQL = ("SELECT 1 / count(*)::int FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted "
             "AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) "
             "AND classid = %s::bigint::oid AND objid = %s::bigint::oid AND objsubid = 1 AND pid = %s")


def lock_fence(thread_id: str) -> tuple[int, int, int] | None:
    """The parameters of :data:`FENCE_SQL` for ``thread_id`` when this process holds its Postgres lock (the
    lock's two halves as ``pg_locks`` shows them, and the server process of the session that holds it), None
    when it does not hold it that way (SQLite; a host that takes no lock). ThreadLockLost at once, with no round
    trip, when the connection the lock was taken on is already known to be gone."""
    key = lock_number(lock_key(thread_id))
    with _process_holders_lock:
        holders = [h for (pid, _), h in _process_holders.items() if pid == os.getpid()]
    for holder in holders:
        conn = holder.held.get(key)
        if conn is None:
            continue
        if conn is not holder.conn or conn.closed or conn.broken:
            raise lock_lost(thread_id)
        unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
        return unsigned >> 32, unsigned & 0xFFFF_FFFF, int(conn.info.backend_pid)
    return None


def lock_lost(thread_id: str) -> ThreadLockLost:
    return ThreadLockLost(f"thread {thread_id!r} lost its lock (the database connection that held it dropped) "
                          "and stopped before writing more; send the message again")


def check_held(thread_id: str) -> None:
    """Call before a turn's durable write: ThreadLockLost if this process holds ``thread_id``'s Postgres lock on
    a connection that has dropped (another process may hold the thread now). Nothing to check when the process
    does not hold it that way (SQLite's file locks cannot drop; a host that takes no lock)."""
    key = lock_number(lock_key(thread_id))
    with _process_holders_lock:
        holders = [h for (pid, _), h in _process_holders.items() if pid == os.getpid()]
    for holder in holders:
        holder.check(key, thread_id)


def _close_process_locks(database_url: str) -> None:
    with _process_holders_lock:
        holder = _process_holders.pop((os.getpid(), database_url), None)
    if holder is not None:
        with holder.mutex:
            if holder.conn is not None:
                holder.conn.close()  # its locks go with it
                holder.conn = None


on_close(_close_process_locks)
