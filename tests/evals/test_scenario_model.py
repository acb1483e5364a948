"""``supportgraph eval scenarios --model … --base-url …``: plays go through SupportService with the LLM reasoner,
whose ChatOpenAI talks over real HTTP to the local OpenAI-compatible fake server of tests/llm (loopback only), on
SQLite and on Postgres. The server's scripted replies make the first trial pass and the second fail."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from supportgraph.cli import app, main
from tests.cli.helpers import CliResult, assert_refused
from tests.llm.fake_openai_server import fake_openai_server, tool_reply

UNDERSTOOD = {"intents": [{"intent": "track_order", "confidence": 0.93}], "entities": {"order_ids": [12001]},
              "sentiment": "neutral", "missing": [], "rationale": "Asks where order 12001 is."}
READ_ORDER = {"steps": [{"id": "order", "intent": "track_order", "tool": "get_order", "args": {"order_id": 12001},
                         "depends_on": [], "why": "read the tracking"}], "rationale": "One lookup answers it."}
# A wrong plan: it cancels the order instead of reading it. The reasoner refuses a tool the intent does not
# allow and asks again; refused twice, the turn goes to a human — which the scenario must score as a failure.
CANCEL_ORDER = {"steps": [{"id": "cancel", "intent": "track_order", "tool": "cancel_order",
                           "args": {"order_id": 12001, "reason": "customer asked"}, "depends_on": [],
                           "why": "misread the request"}], "rationale": "Cancel it."}


@pytest.mark.local_model_server
def test_scenarios_play_with_a_configured_model(database_url: str, tmp_path: Path) -> None:
    with fake_openai_server() as server:
        server.script.extend([tool_reply("CustomerUnderstanding", UNDERSTOOD), tool_reply("SupportPlan", READ_ORDER),
                              tool_reply("CustomerUnderstanding", UNDERSTOOD),
                              tool_reply("SupportPlan", CANCEL_ORDER), tool_reply("SupportPlan", CANCEL_ORDER)])
        args = ["eval", "scenarios", "--only", "track-order-signed-in", "--trials", "2", "--model", "fake-gpt",
                "--base-url", server.url, "--out", str(tmp_path)]
        if not database_url.startswith("sqlite"):
            args += ["--database-url", database_url]
        result = CliRunner().invoke(app, args)
        requests = list(server.requests)
    assert result.exit_code == 0, result.output
    assert [r["model"] for r in requests] == ["fake-gpt"] * 5, "every play must reason with the model"
    report = json.loads((tmp_path / "scenarios.json").read_text(encoding="utf-8"))
    assert report["meta"]["reasoner"] == "llm" and report["meta"]["model"] == "fake-gpt"
    assert report["meta"]["base_url"] == server.url
    first, second = report["trials"]
    assert first["passed"], first["reasons"]
    assert first["transcript"]["tools"][0]["tool"] == "get_order"
    assert "unknown tool 'cancel_order'" in str(requests[4]["messages"][-1]["content"])
    assert not second["passed"]
    assert "get_order did not run" in second["reasons"], second["reasons"]
    assert "ended escalated, expected resolved" in second["reasons"], second["reasons"]
    assert second["transcript"]["model_usage"]["failed_calls"] == 2
    # The fake server reports usage (prompt 1000 + n, completion 50 for its n-th request): measured, not counted.
    assert first["transcript"]["model_usage"]["prompt_tokens"] == 1001 + 1002
    assert report["model_usage"]["calls"] == 5 and report["model_usage"]["completion_tokens"] == 250
    assert report["summary"]["pass_hat_k"] == {"1": 0.5, "2": 0.0}
    assert "reasoner llm (model fake-gpt)" in (tmp_path / "scenarios.md").read_text(encoding="utf-8")
    assert "model fake-gpt: 5 calls (2 failed)" in result.output


@pytest.mark.parametrize(("args", "says"), [
    (("--reasoner", "local", "--model", "m", "--base-url", "http://127.0.0.1:9/v1"),
     "--reasoner local cannot use --model"),
    (("--model", "m", "--base-url", "ftp://x"), "--base-url must be an http(s) URL"),
    (("--base-url", "http://127.0.0.1:9/v1"), "--base-url needs a model"),
])
def test_bad_model_options_are_one_error_line(args: tuple[str, ...], says: str, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPPORTGRAPH_MODEL", raising=False)
    monkeypatch.setattr(sys, "argv", ["supportgraph", "eval", "scenarios", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out = capsys.readouterr()
    assert_refused(CliResult(args, int(exited.value.code or 0), out.out, out.err), contains=says)
