"""``supportgraph eval intents --data … --out …``: the printed figures, the JSON report and the PNG diagram."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from supportgraph.cli import app


def test_eval_intents_writes_json_and_png(tmp_path: Path) -> None:
    data = tmp_path / "labelled.jsonl"
    rows = [("where is my order?", "track_order"), ("I want my money back", "get_refund"),
            ("how do I reset my password", "recover_password"), ("what's your refund policy?", "check_refund_policy"),
            ("can I pay with PayPal?", "check_payment_methods"), ("cancel my order please", "cancel_order")]
    data.write_text("".join(json.dumps({"text": t, "intent": i}) + "\n" for t, i in rows), encoding="utf-8")
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["eval", "intents", "--data", str(data), "--out", str(out), "--all-intents"])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "expected calibration error" in result.output, result.output
    assert "recall (weakest first)" in result.output and "track_order" in result.output, result.output
    [json_file] = list(out.glob("*.json"))
    [png] = list(out.glob("*.png"))
    report = json.loads(json_file.read_text("utf-8"))
    assert report["n"] == len(rows) and 0.0 <= report["accuracy"] <= 1.0, report
    assert set(report["per_intent_recall"]) == {i for _, i in rows}, report["per_intent_recall"]
    assert 0.0 <= report["expected_calibration_error"] <= 1.0
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 5_000


def test_eval_intents_refuses_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "intents", "--data", str(tmp_path / "nope.csv")])
    assert result.exit_code != 0 and "no such file" in str(result.exception), result.output


def test_eval_intents_project_only_reports_the_varied_held_out_set() -> None:
    result = CliRunner().invoke(app, ["eval", "intents", "--project-only"])
    assert result.exit_code == 0, result.output
    assert "project varied held-out (310 messages)" in result.output, result.output
    assert "bitext" not in result.output, "--project-only never scores bitext-dev"
