"""``supportgraph db upgrade`` and ``supportgraph demo seed``: the store's lifecycle from the command line, and the
one-line refusal of a command on a store that is not migrated or empty."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import CliResult, RunCli, assert_ok, assert_refused


def test_a_fresh_store_is_refused_until_upgraded_and_seeded(call_cli: RunCli, tmp_path: Path) -> None:
    # In process, with its own home and no demo company provided on first use: none of these commands loads the
    # intent router (a refused `send` stops before it does).
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {"SUPPORTGRAPH_HOME": str(tmp_path), "SUPPORTGRAPH_PROVISION_DEMO": "false"}

    def run(*args: str) -> CliResult:
        return call_cli(*args, database_url=url, extra_env=env)

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
