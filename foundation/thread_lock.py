"""One turn at a time per thread, across every process that uses the database.

A turn (a customer message, a reviewer's resume, the recovery of a run a crash cut short) holds its thread's
lock from the first read of the checkpoint to the last write. A second turn on the same thread waits, up to a
bound, and is then refused with :class:`ThreadBusy`: two turns never read the same checkpoint, so neither can
overwrite the other's messages, and turn numbers (and the idempotency keys built from them) never collide.

The lock dies with its holder, so a killed process never leaves a thread locked:

* Postgres: a session-level ``pg_advisory_lock`` on :func:`foundation.db.lock_number` of ``thread:<id>``,
  held on a connection of its own (the server drops it when the connection goes);
* SQLite: an exclusive ``flock`` on a per-thread file beside the database (the kernel drops it with the
  process). SQLite hosts are local processes (the API server needs Postgres), so a file lock reaches them all.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager, suppress

from foundation.db import lock_number, psycopg_url, sqlite_path

POLL_SECONDS = 0.05


class ThreadBusy(RuntimeError):
    """Another turn holds the thread for longer than this one may wait."""


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
    import psycopg

    key = lock_number(lock_key(thread_id))
    async with await psycopg.AsyncConnection.connect(psycopg_url(database_url), autocommit=True,
                                                     connect_timeout=10) as conn:
        while not (await (await conn.execute("SELECT pg_try_advisory_lock(%s)", (key,))).fetchone())[0]:  # type: ignore[index]
            if time.monotonic() >= deadline:
                raise _busy(thread_id)
            await asyncio.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            if not conn.closed:
                with suppress(psycopg.Error):
                    await conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


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
    import psycopg

    key = lock_number(lock_key(thread_id))
    with psycopg.connect(psycopg_url(database_url), autocommit=True, connect_timeout=10) as conn:
        while not conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:  # type: ignore[index]
            if time.monotonic() >= deadline:
                raise _busy(thread_id)
            time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            if not conn.closed:
                with suppress(psycopg.Error):  # the connection is gone, and the lock with it
                    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
