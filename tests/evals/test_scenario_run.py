"""A small real run: scenarios played through SupportService on fresh stores, on SQLite and on Postgres.

``database_url`` gives a SQLite file (the runner then makes its own temporary SQLite file per play) or a fresh
Postgres database (the runner creates one more database per play on that server and drops it).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from typer.testing import CliRunner

from evals.scenario_files import load_scenarios, parse_document
from evals.scenario_runner import run_scenarios
from supportgraph.cli import app
from tests.evals.helpers import REFUND_SCENARIO


def _server(database_url: str) -> str | None:
    return None if database_url.startswith("sqlite") else database_url


def test_real_plays_are_scored_against_the_final_business_data(database_url: str) -> None:
    approved, = load_scenarios(only=["refund-above-limit-approved"])
    # The same conversation, with an expectation a correct agent violates: the refund is made after approval.
    wrong = copy.deepcopy(REFUND_SCENARIO)
    wrong.update(id="refund-expected-not-to-happen", data=approved.to_json()["data"],
                 signed_in_as=approved.signed_in_as, messages=approved.messages, reviewer=approved.reviewer,
                 expect={"escalated": True, "queue": "billing", "outcome": "resolved",
                         "data": [{"no_refund": {"order": 13002}}]})
    violated, = parse_document({"scenarios": [wrong]}, "test")
    run = run_scenarios([approved, violated], trials=1, server_url=_server(database_url))
    ok, bad = run.results
    t_ok = run.transcripts[0]
    # The reviewer's approval was applied through SupportService.resume and the refund reached the store.
    assert t_ok.reviews_applied == [{"decisions": [{"action": "refund_order", "type": "approve", "reviewer": "sam"}],
                                     "actions": ["refund_order"]}]
    assert t_ok.escalated and t_ok.queues[:1] == ["billing"]
    assert [r for r in t_ok.facts["refunds"] if r["new"]] == [
        {"order": 13002, "invoice": None, "amount": 349.99, "approved_by": "sam", "new": True}]
    assert ok.passed, ok.reasons
    assert not bad.passed
    assert bad.reasons == ["a refund was made on order 13002 (349.99 on order 13002)"]
    assert run.summary["pass_hat_k"] == {"1": 0.5}
    assert run.summary["escalation"]["recall"] == 1.0


def test_the_cli_runs_through_langsmith_offline_and_writes_reports(tmp_path: Path) -> None:
    args = ["eval", "scenarios", "--only", "cancel-pending-order-confirmed", "--trials", "2", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "pass^1" in result.output and "pass^2" in result.output
    report = json.loads((tmp_path / "scenarios.json").read_text(encoding="utf-8"))
    assert report["meta"]["database"] == "sqlite"
    assert [(t["scenario_id"], t["trial"]) for t in report["trials"]] == [
        ("cancel-pending-order-confirmed", 1), ("cancel-pending-order-confirmed", 2)]
    for trial in report["trials"]:
        facts = trial["transcript"]["facts"]
        assert facts["orders"]["12002"]["status"] == "cancelled", trial["reasons"]
        assert trial["passed"], trial["reasons"]
    # Both trials went through LangSmith's evaluate: one feedback row per trial with the tau2-style parts.
    feedback = report["langsmith"]["feedback"]
    assert [f["passed"] for f in feedback] == [1.0, 1.0]
    assert {"business_data", "outcome", "escalation"} <= set(feedback[0])
    markdown = (tmp_path / "scenarios.md").read_text(encoding="utf-8")
    assert "| pass^2 | 100.0% |" in markdown and "| cancel_order | 1 | 2 |" in markdown
