"""``supportgraph bench router --data``: the batch figures on a file's own messages, and a clear refusal for a file
it cannot read."""

from __future__ import annotations

import csv
from pathlib import Path

from graphs.reasoners.local.examples import load_examples
from tests.cli.helpers import RunCli, assert_ok, assert_refused


def _tickets(path: Path, rows: int) -> Path:
    texts = [e.text for e in load_examples()][:rows]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "body"])
        writer.writerows([i, text] for i, text in enumerate(texts))
        writer.writerow([len(texts), ""])  # an empty message is not one to time
    return path


def test_bench_router_times_the_messages_of_a_file(call_cli: RunCli, tmp_path: Path) -> None:
    data = _tickets(tmp_path / "tickets.csv", 150)
    result = call_cli("bench", "router", "--data", str(data), "--text-column", "body", "--messages", "120",
                     "--singles", "10", "--repeats", "1", "--minilm-messages", "0")
    assert_ok(result)
    assert "120 messages of tickets.csv (120 distinct)" in result.stdout, result.describe()
    assert "batch triage, cascade (shipped)" in result.stdout and "cascade deferred" in result.stdout


def test_bench_router_refuses_a_file_without_the_column(call_cli: RunCli, tmp_path: Path) -> None:
    data = _tickets(tmp_path / "tickets.csv", 20)
    assert_refused(call_cli("bench", "router", "--data", str(data), "--text-column", "message"),
                   contains="no column 'message'")
    assert_refused(call_cli("bench", "router", "--data", str(tmp_path / "missing.csv")), contains="no such file")
