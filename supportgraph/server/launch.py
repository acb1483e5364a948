"""Starting the API server: its environment, and running servers for tests and scripts.

``start_server(database_url, keys_path)`` starts ``supportgraph serve`` as a subprocess on a free loopback port
and waits until it answers; ``stop`` ends it; ``running_server`` does both around a ``with`` block.
``write_key_file`` writes the key file for a set of principals and returns their fresh keys.
"""

from __future__ import annotations

import os
import secrets
import socket
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

from supportgraph.server.keys import KEYS_ENV, Principal, hash_key

AEGRA_CONFIG = Path(__file__).resolve().parents[2] / "aegra.json"


def server_environment(database_url: str, keys_path: Path) -> dict[str, str]:
    """Environment of a server process: Aegra and the graph's business store on the same database."""
    env = {
        "DATABASE_URL": database_url,  # Aegra: threads, runs, checkpoints
        "SUPPORTGRAPH_DATABASE_URL": database_url,  # the graph's Context: business store, audit log, review queue
        "AEGRA_CONFIG": str(AEGRA_CONFIG),
        KEYS_ENV: str(keys_path.resolve()),
        "AUTH_TYPE": "custom",
    }
    for name, default in (("LOG_LEVEL", "WARNING"), ("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                          ("LANGSMITH_TRACING", "false"), ("OMP_WAIT_POLICY", "PASSIVE"),
                          ("TOKENIZERS_PARALLELISM", "false")):
        env[name] = os.environ.get(name, default)
    return env


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def prepare_database(database_url: str) -> None:
    """Create every table (Aegra's, LangGraph's, the business store's, the audit log's) before workers start.

    Aegra 0.6 migrates at each worker's startup; several workers migrating a fresh database at once collide
    (``duplicate key value violates unique constraint "pg_type_typname_nsp_index"``). Done once here, the
    workers find everything in place. Seeds the demo company into an empty store, as the graph would.
    """
    import asyncio

    from aegra_api.core.database import DatabaseManager
    from aegra_api.core.migrations import run_migrations

    from supportgraph.audit import open_audit_log
    from supportgraph.db import close_database
    from supportgraph.settings import get_settings
    from tools.store import open_store

    run_migrations()

    async def checkpoint_and_store_tables() -> None:
        manager = DatabaseManager()
        await manager.initialize()
        await manager.close()

    asyncio.run(checkpoint_and_store_tables())
    open_store(database_url, seed=get_settings().demo_seed)
    open_audit_log(database_url)
    close_database(database_url)
