"""``supportgraph metrics`` and ``supportgraph rate``: one real subprocess, the rest through the console entry
point in this process; bad input is refused with one ``error: …`` line and exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from foundation.audit import forget_audit_log, open_audit_log
from supportgraph.cli import main
from tests.cli.helpers import CLI_TIMEOUT, CliResult, assert_ok, assert_refused, cli_env
from tests.metrics.audit_log import write_audit_log


def _subprocess(tmp_path: Path, url: str, *args: str) -> CliResult:
    done = subprocess.run([sys.executable, "-m", "supportgraph", *args], env=cli_env(tmp_path, url),
                          capture_output=True, timeout=CLI_TIMEOUT, check=False)
    return CliResult(args, done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace"))


def _in_process(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str,
                *args: str) -> CliResult:
    monkeypatch.setattr(sys, "argv", ["supportgraph", *args, "--database-url", url])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return CliResult(args, code, out.out, out.err)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("metrics-cli") / "supportgraph.db"
    database = f"sqlite:///{path}"
    write_audit_log(open_audit_log(database))
    forget_audit_log(database)
    return database


@pytest.mark.slow
def test_a_bad_date_is_one_error_line(url: str, tmp_path: Path) -> None:
    assert_refused(_subprocess(tmp_path, url, "metrics", "--since", "notadate"),
                   contains="--since 'notadate' is not a date")


def test_metrics_table_and_json(url: str, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    table = _in_process(capsys, monkeypatch, url, "metrics", "--since", "2026-11-01", "--until", "2026-11-09")
    assert_ok(table)
    assert "first-contact resolution" in table.stdout and "16.7% (1; 1 reopened)" in table.stdout, table.describe()
    assert "reason: Refund above the" in table.stdout, table.describe()  # grouped by rule, in words
    whole = _in_process(capsys, monkeypatch, url, "metrics", "--json")
    assert_ok(whole)
    assert json.loads(whole.stdout)["resolution"]["conversations"] == 7  # no period: G too


def test_metrics_command_writes_prometheus_and_html(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    result = _in_process(capsys, monkeypatch, url, "metrics", "--since", "2026-11-01", "--prometheus",
                         "--cost-human", "10", "--html", str(tmp_path / "r.html"))
    assert_ok(result)
    samples = {s.name + json.dumps(s.labels, sort_keys=True): s.value
               for f in text_string_to_metric_families(result.stdout) for s in f.samples}
    assert samples['supportgraph_cost_dollars{"scenario": "without_agent"}'] == 60.0  # 6 conversations × $10
    page = (tmp_path / "r.html").read_text("utf-8")
    assert 'id="dashboard-data"' in page and "Risk–coverage curve" in page  # the inbox's dashboard, inlined


@pytest.mark.parametrize(("args", "says"), [
    (("metrics", "--since", "2026-11-05", "--until", "2026-11-01"), "is not before"),
    (("metrics", "--until", "31/12/2026"), "--until '31/12/2026' is not a date"),
    (("metrics", "--cost-human", "lots"), "--cost-human 'lots' is not a number"),
    (("metrics", "--price-input", "-1"), "at least 0"),
    (("metrics", "--json", "--prometheus"), "choose one"),
    (("metrics", "--html", "/no/such/dir/report.html"), "does not exist"),
    (("rate", "A", "11"), "whole number from 1 to 5"),
    (("rate", "no-such-thread", "4"), "no conversation with thread id"),
])
def test_bad_input_is_one_error_line(url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                     args: tuple[str, ...], says: str) -> None:
    assert_refused(_in_process(capsys, monkeypatch, url, *args), contains=says)
