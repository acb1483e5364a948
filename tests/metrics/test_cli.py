"""``supportgraph metrics`` and ``supportgraph rate`` as real subprocesses: the outputs, and bad input refused
with one ``error: …`` line and exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from supportgraph.audit import forget_audit_log, open_audit_log
from tests.cli.helpers import CLI_TIMEOUT, CliResult, assert_ok, assert_refused, cli_env
from tests.metrics.audit_log import write_audit_log

pytestmark = pytest.mark.slow


def _run(tmp_path: Path, url: str, *args: str) -> CliResult:
    done = subprocess.run([sys.executable, "-m", "supportgraph", *args], env=cli_env(tmp_path, url),
                          capture_output=True, timeout=CLI_TIMEOUT, check=False)
    return CliResult(args, done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace"))


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("metrics-cli") / "supportgraph.db"
    database = f"sqlite:///{path}"
    write_audit_log(open_audit_log(database))
    forget_audit_log(database)
    return database


def test_metrics_table_html_and_prometheus(url: str, tmp_path: Path) -> None:
    table = _run(tmp_path, url, "metrics", "--since", "2026-11-01", "--until", "2026-11-09",
                 "--html", str(tmp_path / "r.html"))
    assert_ok(table)
    assert "first-contact resolution" in table.stdout and "16.7% (1; 1 reopened)" in table.stdout, table.describe()
    assert (tmp_path / "r.html").read_text("utf-8").count("data:image/png;base64,") == 6

    prom = _run(tmp_path, url, "metrics", "--since", "2026-11-01", "--prometheus", "--cost-human", "10")
    assert_ok(prom)
    samples = {s.name + json.dumps(s.labels, sort_keys=True): s.value
               for f in text_string_to_metric_families(prom.stdout) for s in f.samples}
    assert samples['supportgraph_cost_dollars{"scenario": "without_agent"}'] == 60.0  # 6 conversations × $10

    whole = _run(tmp_path, url, "metrics", "--json")
    assert_ok(whole)
    assert json.loads(whole.stdout)["resolution"]["conversations"] == 7


@pytest.mark.parametrize(("args", "says"), [
    (("metrics", "--since", "notadate"), "--since 'notadate' is not a date"),
    (("metrics", "--since", "2026-11-05", "--until", "2026-11-01"), "is not before"),
    (("metrics", "--cost-human", "lots"), "--cost-human 'lots' is not a number"),
    (("metrics", "--json", "--prometheus"), "choose one"),
    (("rate", "A", "11"), "whole number from 1 to 5"),
])
def test_bad_input_is_one_error_line(url: str, tmp_path: Path, args: tuple[str, ...], says: str) -> None:
    assert_refused(_run(tmp_path, url, *args), contains=says)
