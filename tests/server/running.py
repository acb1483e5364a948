"""Running ``supportgraph serve`` for tests: a key file for a set of principals, a server on a free loopback
port that is up once it answers /health, and stopping it.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from evals.served import free_port
from supportgraph.server.keys import Principal, hash_key


def write_key_file(path: Path, principals: list[Principal]) -> dict[str, str]:
    """Write a key file for ``principals`` with new random keys; returns {principal name: key}."""
    keys = {p.name: "sg-" + secrets.token_urlsafe(24) for p in principals}
    entries = []
    for p in principals:
        entry: dict[str, object] = {"name": p.name, "role": p.role, "sha256": hash_key(keys[p.name])}
        if p.customer_id:
            entry["customer_id"] = p.customer_id
        if p.queues:
            entry["queues"] = list(p.queues)
        entries.append(entry)
    path.write_text(yaml.safe_dump({"keys": entries}, sort_keys=False), encoding="utf-8")
    return keys


@dataclass
class RunningServer:
    """A ``supportgraph serve`` process on loopback."""

    base_url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]


def start_server(database_url: str, keys_path: Path, *, workers: int = 1,
                 startup_timeout: float = 180.0) -> RunningServer:
    """Start ``supportgraph serve`` on a free loopback port and return once it answers /health."""
    port = free_port()
    log_path = Path(tempfile.mkdtemp(prefix="sg-serve-")) / "server.log"
    command = [sys.executable, "-m", "supportgraph", "serve", "--database-url", database_url, "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--api-keys", str(keys_path)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))
    server = RunningServer(f"http://127.0.0.1:{port}", database_url, process, log_path)
    _wait_until_up(server, startup_timeout)
    return server


@contextmanager
def running_server(database_url: str, keys_path: Path, *, workers: int = 1,
                   startup_timeout: float = 180.0) -> Iterator[RunningServer]:
    """A started server (see start_server), stopped on exit."""
    server = start_server(database_url, keys_path, workers=workers, startup_timeout=startup_timeout)
    try:
        yield server
    finally:
        stop(server)


def stop(server: RunningServer) -> None:
    """Stop the server process (SIGTERM, then SIGKILL after 20 s)."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def _wait_until_up(server: RunningServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"supportgraph serve exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.base_url + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    stop(server)
    raise RuntimeError(f"supportgraph serve did not answer within {timeout:.0f} s:\n{server.log_tail()}")
