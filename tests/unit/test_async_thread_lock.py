"""The API server's thread lock (async_thread_lock on Postgres): one connection per event loop holds every
thread it takes, and still keeps two turns off one thread, in this process and across processes."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from foundation.db import psycopg_url
from foundation.thread_lock import ThreadBusy, async_thread_lock, thread_lock

pytestmark = pytest.mark.postgres


def _lock_connections(url: str) -> int:
    """Server connections of this database that hold an advisory lock."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        row = conn.execute("SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                           "WHERE l.locktype = 'advisory' AND d.datname = %s", (name,)).fetchone()
    return int(row[0]) if row else 0


def test_one_connection_holds_many_threads_and_each_thread_once(pg_url: str) -> None:
    async def scenario() -> None:
        async with async_thread_lock(pg_url, "a", wait=1), async_thread_lock(pg_url, "b", wait=1), \
                async_thread_lock(pg_url, "c", wait=1):
            assert _lock_connections(pg_url) == 1, "every lock of this event loop should share one connection"
            # The same thread again, from this process: refused after the wait, although the session holds it.
            with pytest.raises(ThreadBusy):
                async with async_thread_lock(pg_url, "b", wait=0.2):
                    pass
            # ... and from another process (the CLI's lock, a connection of its own).
            with pytest.raises(ThreadBusy), thread_lock(pg_url, "c", wait=0.2):
                pass
        # Released: the CLI takes it now, and so does this loop.
        with thread_lock(pg_url, "c", wait=1):
            pass
        async with async_thread_lock(pg_url, "b", wait=1):
            pass

    asyncio.run(scenario())


def test_a_waiting_turn_gets_the_thread_when_the_first_lets_go(pg_url: str) -> None:
    order: list[str] = []

    async def turn(name: str, hold: float) -> None:
        async with async_thread_lock(pg_url, "t", wait=5):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    async def scenario() -> None:
        first = asyncio.create_task(turn("first", 0.3))
        await asyncio.sleep(0.05)
        await asyncio.gather(first, turn("second", 0))

    asyncio.run(scenario())
    assert order == ["first in", "first out", "second in", "second out"]


def test_a_cancelled_turn_gives_its_thread_back(pg_url: str) -> None:
    async def holder(entered: asyncio.Event) -> None:
        async with async_thread_lock(pg_url, "t", wait=1):
            entered.set()
            await asyncio.sleep(30)

    async def scenario() -> None:
        entered = asyncio.Event()
        task = asyncio.create_task(holder(entered))
        await entered.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with async_thread_lock(pg_url, "t", wait=1):
            pass
        # and another process may take it: the session holds no lock on it any more
        await asyncio.to_thread(_cli_turn, pg_url)

    asyncio.run(scenario())


def _cli_turn(url: str) -> None:
    with thread_lock(url, "t", wait=1):
        pass
