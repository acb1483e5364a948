"""``supportgraph db upgrade`` and ``supportgraph demo seed``: the store's lifecycle from the command line, and the
one-line refusal of a command on a store that is not migrated or empty."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.cli.helpers import CLI_TIMEOUT, CliResult, assert_ok, assert_refused, cli_env


def test_a_fresh_store_is_refused_until_upgraded_and_seeded(tmp_path: Path) -> None:
    # Its own home: none of these commands loads the intent router (a refused `send` stops before it does).
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {**cli_env(tmp_path, url), "SUPPORTGRAPH_PROVISION_DEMO": "false"}

    def run(*args: str) -> CliResult:
        done = subprocess.run([sys.executable, "-m", "supportgraph", *args], env=env, capture_output=True,
                              text=True, timeout=CLI_TIMEOUT, check=False)
        return CliResult(args, done.returncode, done.stdout, done.stderr)

    assert_refused(run("send", "--thread", "t1", "where is my order?"),
                   contains="is not migrated: run `supportgraph db upgrade`")
    assert_refused(run("demo", "seed"), contains="supportgraph db upgrade")
    current = run("db", "current")
    assert current.returncode == 1 and "store revision none" in current.stdout, current.describe()

    upgraded = run("db", "upgrade")
    assert_ok(upgraded)
    assert "migrated from nothing to" in upgraded.stdout
    assert "up to date" in run("db", "upgrade").stdout
    assert_refused(run("customers"), contains="is empty")

    seeded = run("demo", "seed", "--customers", "12")
    assert_ok(seeded)
    assert "12 customers" in seeded.stdout
    assert "nothing seeded" in run("demo", "seed").stdout
    listed = run("customers", "--limit", "50")
    assert_ok(listed)
    assert len(listed.stdout.splitlines()) == 12
    assert_ok(run("db", "current"))
