"""Running ``supportgraph serve`` for tests: the benchmarks' server helpers (evals/served.py) with the tests' key
file, up once it answers /health, each log in a folder of its own."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evals.served import Server, serve, stop


def start_server(database_url: str, keys_path: Path, *, workers: int = 1,
                 startup_timeout: float = 180.0) -> Server:
    """Start ``supportgraph serve`` on a free loopback port and return once it answers /health."""
    return serve(database_url, keys_path, workers=workers, folder=Path(tempfile.mkdtemp(prefix="sg-serve-")),
                 ready_path="/health", startup_seconds=startup_timeout)


@contextmanager
def running_server(database_url: str, keys_path: Path, *, workers: int = 1,
                   startup_timeout: float = 180.0) -> Iterator[Server]:
    """A started server (see start_server), stopped on exit."""
    server = start_server(database_url, keys_path, workers=workers, startup_timeout=startup_timeout)
    try:
        yield server
    finally:
        stop(server)
