"""Crash and pause hooks for the fault suite, at named points of a turn.

``SUPPORTGRAPH_CRASH_AT=checkpoint:3`` kills the process (SIGKILL, as ``kill -9``) right after its third durable
checkpoint write; ``store:1`` right after the first business write (a refund, …) commits; ``claim:1`` right after
a review is claimed. ``SUPPORTGRAPH_PAUSE_AT=store:1`` with ``SUPPORTGRAPH_PAUSE_FILE=PATH`` instead writes PATH
there and waits until it is deleted (the harness restarts Postgres meanwhile). Unset (always, outside
tests/faults and ``supportgraph bench faults``), a pass costs two environment look-ups.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

ENV = "SUPPORTGRAPH_CRASH_AT"
PAUSE_ENV, PAUSE_FILE_ENV = "SUPPORTGRAPH_PAUSE_AT", "SUPPORTGRAPH_PAUSE_FILE"
_seen: dict[str, int] = {}
_lock = threading.Lock()


def crash_point(name: str) -> None:
    """Die (or pause) here if the environment names this point and this pass."""
    crash, pause = os.environ.get(ENV), os.environ.get(PAUSE_ENV)
    if not (crash and crash.startswith(name + ":")) and not (pause and pause.startswith(name + ":")):
        return
    with _lock:
        _seen[name] = passes = _seen.get(name, 0) + 1
    if crash and crash == f"{name}:{passes}":
        _die()
    if pause and pause == f"{name}:{passes}":
        _pause(Path(os.environ[PAUSE_FILE_ENV]))


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _pause(marker: Path) -> None:
    marker.write_text(str(os.getpid()))
    while marker.exists():
        time.sleep(0.05)


def reset() -> None:
    """Forget the passes counted so far (tests that crash in-process more than once)."""
    with _lock:
        _seen.clear()
