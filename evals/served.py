"""Servers for the served benchmarks (``supportgraph bench serve``, ``bench load``) and the server tests: a fresh
Postgres database each, a key file, a server process on a free loopback port (up once it answers), and stopping it.

Two kinds, both Aegra on Postgres: the support graph as ``supportgraph serve`` runs it (its guard, its keys), and
the floor graph (evals/serve_floor.py) on bare Aegra, the same server with nothing of supportgraph's.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from foundation.principals import Principal, write_key_file

ROOT = Path(__file__).resolve().parents[1]
SUPPORT_ASSISTANT = "support"
FLOOR_ASSISTANT = "floor"
STARTUP_SECONDS = 300.0


BENCH_PRINCIPALS = (
    Principal("bench-customer", "customer", customer_id="C0001"),
    Principal("bench-reviewer", "reviewer", queues=("billing", "technical", "accounts", "general")),
    Principal("bench-admin", "admin"),
)


@dataclass
class Server:
    """A server process on loopback, with the key (if any) each principal sends."""

    kind: str  # "support" | "floor"
    base_url: str
    database_url: str
    workers: int
    process: subprocess.Popen[bytes]
    log_path: Path
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def assistant(self) -> str:
        return SUPPORT_ASSISTANT if self.kind == "support" else FLOOR_ASSISTANT

    def headers(self, principal: str | None = None) -> dict[str, str]:
        return {"x-api-key": self.keys[principal]} if principal else {}

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]


def create_database(admin_url: str, prefix: str = "sg_bench_") -> str:
    """A new empty database on the server of ``admin_url``; returns its URL."""
    import psycopg

    name = prefix + uuid.uuid4().hex[:10]
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def databases(admin_url: str, count: int) -> Iterator[list[str]]:
    """``count`` fresh databases, dropped on exit."""
    urls: list[str] = []
    try:
        for _ in range(count):
            urls.append(create_database(admin_url))
        yield urls
    finally:
        for url in urls:
            drop_database(admin_url, url)


def free_port() -> int:
    """A loopback port free right now (the servers of the benches and the tests bind it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_support(database_url: str, workers: int, folder: Path,
                  principals: tuple[Principal, ...] = BENCH_PRINCIPALS) -> Server:
    """``supportgraph serve`` over ``database_url`` with a key file for ``principals``, once it is ready."""
    keys_path = folder / "api-keys.yaml"
    keys = write_key_file(keys_path, principals)
    server = serve(database_url, keys_path, workers=workers, folder=folder)
    server.keys = keys
    return server


def serve(database_url: str, keys_path: Path, *, workers: int = 1, folder: Path, ready_path: str = "/ready",
          startup_seconds: float = STARTUP_SECONDS) -> Server:
    """``supportgraph serve`` over ``database_url`` with the key file ``keys_path``, on a free loopback port (its
    log in ``folder``); returns once ``ready_path`` answers 200."""
    port = free_port()
    command = [sys.executable, "-m", "supportgraph", "serve", "--database-url", database_url, "--host",
               "127.0.0.1", "--port", str(port), "--workers", str(workers), "--api-keys", str(keys_path)]
    server = _launch("support", command, dict(os.environ), port, database_url, workers, folder)
    _wait_ready(server, ready_path, startup_seconds)
    return server


def start_floor(database_url: str, workers: int, folder: Path) -> Server:
    """Bare Aegra serving the floor graph over ``database_url``, configured as ``serve`` configures it (log
    level, uvicorn settings) but without supportgraph's app, guard or keys."""
    config = folder / "floor-aegra.json"
    config.write_text(json.dumps({"graphs": {FLOOR_ASSISTANT: f"{ROOT / 'evals' / 'serve_floor.py'}:graph"},
                                  "dependencies": [str(ROOT)]}), encoding="utf-8")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "AEGRA_CONFIG": str(config), "AUTH_TYPE": "noop",
           "LOG_LEVEL": "WARNING", "LANGSMITH_TRACING": "false"}
    if workers > 1:  # Aegra migrates at each worker's start: once first, so workers never migrate at once
        subprocess.run([sys.executable, "-c", "from aegra_api.core.migrations import run_migrations; "
                        "run_migrations()"], env=env, check=True, capture_output=True, timeout=120)
    command = [sys.executable, "-m", "uvicorn", "aegra_api.main:app", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--log-level", "warning", "--timeout-graceful-shutdown", "5"]
    server = _launch("floor", command, env, port, database_url, workers, folder)
    _wait_ready(server, "/health")
    return server


def _launch(kind: str, command: list[str], env: dict[str, str], port: int, database_url: str, workers: int,
            folder: Path) -> Server:
    log_path = folder / f"{kind}-{workers}w-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    return Server(kind, f"http://127.0.0.1:{port}", database_url, workers, process, log_path)


def _wait_ready(server: Server, path: str, seconds: float = STARTUP_SECONDS) -> None:
    """Until ``path`` answers 200; when its answers name their worker (``/ready``), until every worker has
    answered: a worker takes connections only once it is ready, so a benchmark started after the first would
    open its keep-alive connections on that worker alone, and a late worker's start competes with its runs."""
    deadline = time.monotonic() + seconds
    seen: set[object] = set()
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the {server.kind} server exited with {server.process.returncode}:\n"
                               f"{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.base_url + path, timeout=2) as response:
                if response.status == 200:
                    worker = _worker(response.read())
                    seen.add(worker)
                    if worker is None or len(seen) >= server.workers:
                        return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1 if seen else 0.3)
    stop(server)
    raise RuntimeError(f"the {server.kind} server did not answer within {seconds:.0f} s:\n"
                       f"{server.log_tail()}")


def _worker(body: bytes) -> object:
    """The worker a readiness answer names, or None."""
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value.get("worker") if isinstance(value, dict) else None


def stop(server: Server) -> None:
    """SIGTERM, then SIGKILL after 20 s."""
    stop_process(server.process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """End a process we started: SIGTERM, then SIGKILL after 20 s; returns once it is gone."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def work_folder(prefix: str = "sg-bench-serve-") -> Iterator[Path]:
    """A temporary folder, removed with what it holds on exit."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
