"""A PostgreSQL server for the tests: the local one, or a throwaway cluster from the local binaries.

In CI (``CI=true``) a missing server is an error, never a skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from tests.workers import database_prefix, free_port

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _reachable(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def postgres_server() -> Iterator[str | None]:
    """Yield an admin URL of a running server, or None (with the reason printed) when none can be had."""
    admin = os.environ.get("SUPPORTGRAPH_TEST_PG_ADMIN_URL", DEFAULT_ADMIN_URL)
    if _reachable(admin):
        yield admin
        return
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        yield None
        return
    bindir = os.path.dirname(bins[-1])
    tmp = tempfile.mkdtemp(prefix="sg-pg-")
    port = free_port()
    user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if user:
        shutil.chown(tmp, "postgres")
    datadir = os.path.join(tmp, "data")
    subprocess.run([*user, f"{bindir}/initdb", "-D", datadir, "-U", "postgres", "-A", "trust"],
                   check=True, capture_output=True)
    subprocess.run([*user, f"{bindir}/pg_ctl", "-D", datadir, "-o",
                    f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1", "-w", "start", "-l",
                    os.path.join(tmp, "log")], check=True, capture_output=True)
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        for _ in range(50):
            if _reachable(url):
                break
            time.sleep(0.1)
        yield url
    finally:
        subprocess.run([*user, f"{bindir}/pg_ctl", "-D", datadir, "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def create_database(admin_url: str) -> str:
    """Create an empty database and return its URL."""
    name = database_prefix() + uuid.uuid4().hex[:12]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
