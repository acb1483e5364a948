"""What keeps parallel test processes (pytest-xdist's workers, ``-n 2`` in the README's test command) apart.

Each worker is a process of its own with its own session fixtures, temporary directories (pytest gives each
worker a folder of its own) and ``SUPPORTGRAPH_HOME``. What they share is made safe here: database names carry
the worker's id, loopback ports come from a range of the worker's own, and a cache built once for every process
(``.test-cache/``: the trained router, the bundled useStream page) is built under a file lock.
"""

from __future__ import annotations

import fcntl
import os
import random
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Ports below Linux's ephemeral range (32768–60999): a port the kernel hands out for an outgoing connection or a
# bind to port 0 never lands in a worker's range, and each worker has a range of its own.
PORT_BASE = 20000
PORTS_PER_WORKER = 1000
_next_port: int | None = None


def worker_id() -> str:
    """``gw0``, ``gw1``, … under pytest-xdist; ``main`` in a run without workers."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def worker_index() -> int:
    name = worker_id()
    return int(name[2:]) + 1 if name.startswith("gw") and name[2:].isdigit() else 0


def free_port() -> int:
    """A loopback port free right now, from this worker's own range (so two workers never pick the same one
    between the check here and the server's bind); successive calls walk the range, so a port just released by
    a stopped server is not reused at once."""
    global _next_port
    low = PORT_BASE + worker_index() * PORTS_PER_WORKER
    if _next_port is None:
        _next_port = low + random.randrange(PORTS_PER_WORKER)
    for _ in range(PORTS_PER_WORKER):
        port = _next_port
        _next_port = low + (_next_port - low + 1) % PORTS_PER_WORKER
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free loopback port in {low}–{low + PORTS_PER_WORKER - 1}")


def database_prefix() -> str:
    """The prefix of the test databases this process creates (the worker's id in it)."""
    return f"sg_test_{worker_id()}_"


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing): one process at a time builds a shared cache."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
