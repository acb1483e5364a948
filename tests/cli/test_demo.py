"""``supportgraph demo`` on the embedded SQLite database: every part of a turn is shown, and a reviewer
in another process resumes the refund held for approval (the demo itself is called in the test process; its
reviewer's commands are processes of their own)."""

from __future__ import annotations

import re

import pytest

from tests.cli.helpers import RunCli, assert_ok

pytestmark = pytest.mark.slow


def test_demo_plays_conversations_and_a_resumed_review(call_cli: RunCli) -> None:
    result = call_cli("demo")  # no database URL: the demo database under SUPPORTGRAPH_HOME
    assert_ok(result)
    out = result.stdout

    assert "demo.db" in out  # the embedded SQLite file, not a configured database
    for n in (1, 2, 3):
        assert f"Conversation {n}" in out, result.describe()

    # what each turn shows
    assert re.search(r"Understood: \w+ \(\d\.\d\d\)", out), result.describe()
    assert "Plan:" in out
    assert "Tool calls:" in out
    assert re.search(r"^\s+✓ \w+\(", out, re.M), result.describe()
    confidence = re.findall(r"Confidence: \d\.\d\d \(threshold \d\.\d\d\) — (.*)$", out, re.M)
    assert confidence, result.describe()
    for signal in ("pattern", "completeness", "complexity", "sentiment"):
        assert all(re.search(rf"\b{signal} -?\d\.\d\d\b", line) for line in confidence), (signal, confidence)
    assert re.search(r"Route: (respond|human_review) \(queue \w+\)", out), result.describe()
    assert re.search(r"^Agent: \S", out, re.M), result.describe()

    # a refund above the limit waits for a reviewer, who resumes it from another process
    waiting = out.index("Waiting for a human reviewer")
    resume = out.index("$ supportgraph review resume", waiting)
    after = out[resume:]
    refund = after.index("I've refunded $349.99")
    assert "status resolved" in after[refund:], result.describe()
    assert "Continue a thread: supportgraph chat --thread" in out
