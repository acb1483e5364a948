"""``supportgraph bench serve`` and ``bench load`` with tiny settings: they start servers, run, and print every
column. ``bench checkpoint`` runs its turns in its own process, so its tests call it in the test process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import RunCli, assert_ok, assert_refused

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_bench_serve_runs_and_prints_the_figures(run_cli: RunCli, pg_admin_url: str) -> None:
    result = run_cli("bench", "serve", "--database-url", pg_admin_url, "--rounds", "1", "--sequential", "2",
                     "--clients", "2", "--runs-per-client", "1", "--workers", "1",
                     extra_env={"SUPPORTGRAPH_PROVISION_DEMO": "false"})  # its own database gets the demo
    assert_ok(result)
    header = next(line for line in result.stdout.splitlines() if line.startswith("figure"))
    assert header.split() == ["figure", "floor", "support", "ratio"], result.describe()
    for figure in ("1 worker, sequential p50 ms", "1 worker, sequential p99 ms", "1 worker, 2 clients runs/s"):
        row = next(line for line in result.stdout.splitlines() if line.startswith(figure))
        floor, support, ratio = (float(v) for v in row[len(figure):].split())
        # floor and support are printed to one decimal, the ratio (of the unrounded figures) to two
        low, high = (support - 0.05) / (floor + 0.05), (support + 0.05) / (floor - 0.05)
        assert floor > 0 and support > 0 and low - 0.005 <= ratio <= high + 0.005, row
    assert "failed runs: floor 0, support 0" in result.stdout, result.describe()


def test_bench_serve_refuses_bad_counts(call_cli: RunCli) -> None:
    assert_refused(call_cli("bench", "serve", "--clients", "twenty"), contains="--clients takes")


def test_bench_checkpoint_prints_bytes_per_turn_and_resume_latency(call_cli: RunCli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    result = call_cli("bench", "checkpoint", "--database-url", url, "--turns", "2", "--resumes", "1")
    assert_ok(result)
    out = " ".join(result.stdout.split())
    assert "sqlite: 2 turns · checkpoint KB per turn: median" in out, result.describe()
    assert "latest state" in out and "messages" in out, result.describe()
    assert "resume of an interrupted thread: p50" in out and "over 1" in out, result.describe()


def test_bench_load_plays_conversations_at_once_and_checks_the_refunds(run_cli: RunCli, pg_admin_url: str) -> None:
    result = run_cli("bench", "load", "--database-url", pg_admin_url, "--conversations", "3", "--turns", "2",
                     "--workers", "1", "--think", "0", extra_env={"SUPPORTGRAPH_PROVISION_DEMO": "false"})
    assert_ok(result)
    out = " ".join(result.stdout.split())
    expected = "3 conversations at once (0 s between turns), 1 worker(s): 0 errors · 6 customer turns"
    assert expected in out, result.describe()
    # Conversation 0 asks for a person: a reviewer answers it. Conversation 1 asks for a refund.
    assert "1 interrupted" in out or "2 interrupted" in out, result.describe()
    assert "refunds asked 1" in out and "twice 0, unasked 0" in out, result.describe()


def test_bench_checkpoint_prepares_its_own_databases(call_cli: RunCli) -> None:
    """Without --database-url the benchmark makes throwaway databases: they get the demo company themselves."""
    result = call_cli("bench", "checkpoint", "--turns", "1", "--resumes", "0",
                     extra_env={"SUPPORTGRAPH_PROVISION_DEMO": "false"})
    assert_ok(result)
    out = " ".join(result.stdout.split())
    assert "sqlite: 1 turns · checkpoint KB per turn: median" in out, result.describe()
