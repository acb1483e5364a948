"""The stored events of finished runs, deleted soon after: each worker of ``supportgraph serve`` runs the sweep.

Aegra 0.6 stores every event of every run in its ``run_events`` table, for one use: a client that joins a run's
stream (``runs.join_stream``, a reconnect with ``Last-Event-ID``) is sent the events it missed before the live
ones (``aegra_api.services.streaming_service``). For the support graph each ``values`` event is the whole state
(~3.8 KB after a turn's last step), and Aegra's own clean-up deletes only events older than an hour, every five
minutes, by a scan of the whole table (no index on their time). Aegra 0.9 dropped the table (its broker keeps a
replay buffer instead); on 0.6 this deletes the events of every run that finished (any status but ``pending`` and
``running``) more than ``SUPPORTGRAPH_RUN_EVENTS_KEEP`` seconds ago (default 60: a reconnect comes within
seconds; the thread's state and history keep what the run did), and of runs that no longer exist (a deleted
thread's), every ``SUPPORTGRAPH_RUN_EVENTS_SWEEP`` seconds (default 30). The events of a run in progress stay.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

log = logging.getLogger(__name__)

KEEP_SECONDS = 60.0
SWEEP_SECONDS = 30.0

# Events older than ``keep`` seconds whose run is finished since more than ``keep`` seconds, or gone. The table
# holds only the last minute or so of runs, so its scan is short; each run is found by its primary key.
SWEEP_SQL = ("DELETE FROM run_events e WHERE e.created_at < now() - make_interval(secs => %(keep)s) "
             "AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = e.run_id AND (r.status IN ('pending', "
             "'running') OR r.updated_at >= now() - make_interval(secs => %(keep)s)))")


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds (got {raw!r})") from None
    if value < 0:
        raise ValueError(f"{name} must be 0 or more seconds (got {raw!r})")
    return value


def keep_seconds() -> float:
    return _seconds("SUPPORTGRAPH_RUN_EVENTS_KEEP", KEEP_SECONDS)


def sweep_seconds() -> float:
    return _seconds("SUPPORTGRAPH_RUN_EVENTS_SWEEP", SWEEP_SECONDS)


async def sweep(conn: Any, keep: float) -> int:
    """Delete the events no client will replay (above) on ``conn`` (an autocommit psycopg async connection);
    returns how many."""
    async with conn.cursor() as cur:
        await cur.execute(SWEEP_SQL, {"keep": keep})
        return int(cur.rowcount or 0)


async def keep_sweeping() -> None:
    """Sweep every ``sweep_seconds()`` on a connection of Aegra's pool, until cancelled (the worker stops). A
    failed sweep (the database away) is logged and tried again at the next."""
    from aegra_api.core.database import db_manager

    keep, every = keep_seconds(), sweep_seconds()
    while True:
        await asyncio.sleep(every)
        try:
            if db_manager.lg_pool is None:
                continue
            async with db_manager.lg_pool.connection() as conn:
                await sweep(conn, keep)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("run events: the sweep failed; trying again in %.0f s", every, exc_info=True)
