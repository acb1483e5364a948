"""Postgres restarted mid-turn, on a throwaway cluster started from the local PostgreSQL binaries.

Never the shared server: the cluster lives in a temp dir on a free port and is removed afterwards. A ``send``
pauses at a crash point (foundation/crash.py), the cluster restarts, the send goes on against a server that
dropped its connections; it must end without a traceback, and the customer's retry must complete the turn and
say truthfully what was done.
"""

from __future__ import annotations

import glob
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from evals.faults import (
    CLI_TIMEOUT,
    PAUSE_ENV,
    PAUSE_FILE_ENV,
    SMALL_REFUND,
    Databases,
    Trial,
    cli,
    output_breaches,
    refunds,
    thread_breaches,
)
from service.conversations import open_service


@dataclass
class Cluster:
    admin_url: str
    datadir: str
    bindir: str
    user: list[str]
    log: str

    def restart(self) -> None:
        """Stop the server at once (``-m immediate``: every connection dropped, no clean shutdown) and start it."""
        self._ctl("stop", "-m", "immediate")
        self._ctl("start", "-l", self.log)

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self.user, f"{self.bindir}/pg_ctl", "-D", self.datadir, "-w", *args],
                       check=True, capture_output=True, timeout=120)


@contextmanager
def throwaway_postgres() -> Iterator[Cluster]:
    """A fresh cluster from ``/usr/lib/postgresql/*/bin`` on a free port (RuntimeError if there are none)."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        raise RuntimeError("no local PostgreSQL binaries (/usr/lib/postgresql/*/bin) to start a cluster from")
    bindir = os.path.dirname(bins[-1])
    tmp = tempfile.mkdtemp(prefix="sg-faults-pg-")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if user:
        shutil.chown(tmp, "postgres")
    datadir, log = os.path.join(tmp, "data"), os.path.join(tmp, "log")
    subprocess.run([*user, f"{bindir}/initdb", "-D", datadir, "-U", "postgres", "-A", "trust"],
                   check=True, capture_output=True)
    with open(os.path.join(datadir, "postgresql.conf"), "a") as conf:
        conf.write(f"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{tmp}'\n"
                   "max_connections = 200\nfsync = off\n")
    cluster = Cluster(f"postgresql://postgres@127.0.0.1:{port}/postgres", datadir, bindir, user, log)
    cluster._ctl("start", "-l", log)
    try:
        yield cluster
    finally:
        subprocess.run([*user, f"{bindir}/pg_ctl", "-D", datadir, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


PAUSE_POINTS = ["store:1", *(f"checkpoint:{k}" for k in range(1, 10))]


def pg_restart(cluster: Cluster, url: str, point: str, workdir: Path) -> Trial:
    trial, thread = Trial("pg-restart", point), "fault-restart"
    marker = workdir / f"pause-{os.getpid()}-{time.monotonic_ns()}"
    proc = cli("send", "--customer", "C0001", "--thread", thread, SMALL_REFUND, url=url, wait=False,
               env={PAUSE_ENV: point, PAUSE_FILE_ENV: str(marker)})
    deadline = time.monotonic() + CLI_TIMEOUT
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    paused = marker.exists()
    if paused:
        cluster.restart()
        marker.unlink()
    proc.wait(timeout=CLI_TIMEOUT)
    trial.outcome = f"{'restarted at pause' if paused else 'no pause'}, exit {proc.returncode}"
    trial.breaches += output_breaches(proc, "send across a restart")
    with open_service(url) as service:
        if proc.returncode != 0:
            retry = service.send(thread, SMALL_REFUND, customer_id="C0001")
            told = " ".join(retry.replies)
            if "already" in told or "14.99" not in told:
                trial.breaches.append(f"the retry was not told the refund it got: {told[:160]!r}")
        if len(refunds(url, 10004)) != 1:
            trial.breaches.append(f"the refund happened {len(refunds(url, 10004))} times")
        trial.breaches += thread_breaches(service, thread)
    return trial


def pg_restart_trials(cluster: Cluster, trials: int, *, workdir: Path, seed: int = 0) -> Iterator[Trial]:
    rng = random.Random(seed)
    dbs = Databases(cluster.admin_url, workdir)
    for n in range(trials):
        point = PAUSE_POINTS[n] if n < len(PAUSE_POINTS) else rng.choice(PAUSE_POINTS)
        yield pg_restart(cluster, dbs.fresh(), point, workdir)


PG_SCENARIOS: dict[str, Callable[..., Iterator[Trial]]] = {"pg-restart": pg_restart_trials}
