"""The review queue from the command line: a refund above the limit waits for a reviewer, who lists, shows
and resumes it; bad decisions are refused and leave the thread waiting. The request and the
decision run in processes of their own (``run_cli``); the listings, views and refusals in between in process."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.cli.helpers import CliResult, RunCli, assert_ok, assert_refused, thread_state

pytestmark = pytest.mark.slow

THREAD = "refund-10002"
REFUND_REQUEST = "The Aurora ANC Headphones from order 10002 arrived broken. I want my money back."
REASON = "a refund of $349.99 is above the $100.00 limit and needs a human's approval"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('review') / 'supportgraph.db'}"


@pytest.fixture(scope="module")
def interrupted(run_cli: RunCli, url: str) -> CliResult:
    """The customer's refund request, held for a billing reviewer."""
    result = run_cli("send", "--customer", "C0001", "--thread", THREAD, REFUND_REQUEST, database_url=url)
    assert_ok(result)
    return result


@pytest.fixture(scope="module")
def resumed(interrupted: CliResult, run_cli: RunCli, url: str) -> CliResult:
    """The reviewer's valid decision: refund $100.00 instead of the full price."""
    return run_cli("review", "resume", THREAD, "--edit", '{"amount": 100}', "--reviewer", "sam", database_url=url)


def _waiting(url: str) -> dict[str, Any]:
    state = thread_state(url, THREAD)
    assert state is not None and state["interrupted"] and state["status"] == "awaiting_review", state
    return state


# review list prints tab-separated: thread, queue, priority, status, age, SLA, assignee, customer, reasons
QUEUE_ROW = re.compile(r"^([^\t]+)\t(\w+)\t(\w+)\t(\w+)\tage \S+\tSLA [^\t]+\t[^\t]+\t([^\t]+)\t(.*)$")


def _queue_rows(call_cli: RunCli, url: str) -> list[tuple[str, ...]]:
    result = call_cli("review", "list", database_url=url)
    assert_ok(result)
    rows = [m.groups() for line in result.stdout.splitlines() if (m := QUEUE_ROW.match(line))]
    if not rows:
        assert result.stdout.strip() == "no threads are waiting for review", result.describe()
    return rows


def test_refund_above_the_limit_waits_for_a_reviewer(interrupted: CliResult, url: str) -> None:
    out = interrupted.stdout
    assert "⏸ refund_order held for approval" in out, interrupted.describe()
    assert "Route: human_review (queue billing)" in out
    assert f"Waiting for a human reviewer (thread {THREAD}; status awaiting_review)" in out
    # no refund ran (the get_refund_status step's result says "refunded" too)
    assert "✓ refund_order" not in out and "I've refunded" not in out
    _waiting(url)


def test_review_list_shows_the_waiting_thread(interrupted: CliResult, call_cli: RunCli, url: str) -> None:
    rows = _queue_rows(call_cli, url)
    assert [r[0] for r in rows] == [THREAD], rows
    _thread, queue, _priority, status, customer, reasons = rows[0]
    assert (queue, status, customer) == ("billing", "open", "C0001")
    assert REASON in reasons


def test_review_show_has_what_a_reviewer_needs(interrupted: CliResult, call_cli: RunCli, url: str) -> None:
    result = call_cli("review", "show", THREAD, database_url=url)
    assert_ok(result)
    out = result.stdout
    assert f"Thread {THREAD} · queue billing" in out
    assert "Customer: Maya Chen (C0001)" in out, result.describe()
    assert f"customer: {REFUND_REQUEST}" in out
    assert f"Why review: {REASON}" in out
    assert re.search(r"^\s+1\. refund_order \{\"order_id\": 10002", out, re.M), result.describe()
    assert "allowed: approve, edit, reject, respond" in out


@pytest.mark.parametrize(("options", "reason"), [
    (("--edit", "{not json"), "--edit is not valid JSON"),
    (("--edit", '{"amount": -5}'), "amount"),
    (("--edit", "[100]"), "JSON object"),
    (("--approve", "--reject"), "choose exactly one"),
], ids=["edit-not-json", "edit-negative-amount", "edit-not-an-object", "approve-and-reject"])
def test_bad_decision_is_refused_and_the_thread_still_waits(interrupted: CliResult, call_cli: RunCli, url: str,
                                                            options: tuple[str, ...], reason: str) -> None:
    before = _waiting(url)
    result = call_cli("review", "resume", THREAD, *options, database_url=url)
    assert_refused(result, contains=reason)
    assert result.stdout == ""
    assert thread_state(url, THREAD) == before
    assert [r[0] for r in _queue_rows(call_cli, url)] == [THREAD]


def test_edited_refund_is_made(resumed: CliResult, url: str) -> None:
    assert_ok(resumed)
    out = resumed.stdout
    assert "✓ refund_order(order_id=10002" in out and "amount=100" in out, resumed.describe()
    assert '"refunded": 100.0' in out
    assert "Reviewer: sam decided edit" in out
    assert "I've refunded $100.00 for order 10002" in out
    assert "status resolved" in out
    state = thread_state(url, THREAD)
    assert state is not None and state["status"] == "resolved" and not state["interrupted"], state


def test_review_list_no_longer_shows_the_resumed_thread(resumed: CliResult, call_cli: RunCli, url: str) -> None:
    assert _queue_rows(call_cli, url) == []


def test_second_resume_is_refused(resumed: CliResult, call_cli: RunCli, url: str) -> None:
    before = thread_state(url, THREAD)
    result = call_cli("review", "resume", THREAD, "--approve", database_url=url)
    assert_refused(result, contains="not waiting for a review")
    assert thread_state(url, THREAD) == before


def test_audit_records_the_turn_and_the_review(resumed: CliResult, call_cli: RunCli, url: str) -> None:
    result = call_cli("audit", THREAD, database_url=url)
    assert_ok(result)
    assert re.search(r"^turn 1$", result.stdout, re.M), result.describe()
    for kind in ("ingest", "understand", "plan", "tool_call", "assess", "review_decision", "respond"):
        assert re.search(rf"^  \d\d:\d\d:\d\d {kind}\b", result.stdout, re.M), f"no {kind} line\n{result.describe()}"
    assert "refund_order" in result.stdout
    assert "sam: edit" in result.stdout, result.describe()


@pytest.mark.postgres
def test_interrupt_and_resume_in_separate_processes_on_postgres(run_cli: RunCli, pg_url: str) -> None:
    sent = run_cli("send", "--customer", "C0001", "--thread", THREAD, REFUND_REQUEST, "--database-url", pg_url)
    assert_ok(sent)
    assert "Waiting for a human reviewer" in sent.stdout, sent.describe()

    resumed = run_cli("review", "resume", THREAD, "--approve", "--reviewer", "sam", "--database-url", pg_url)
    assert_ok(resumed)
    assert "Reviewer: sam decided approve" in resumed.stdout, resumed.describe()
    assert "I've refunded $349.99 for order 10002" in resumed.stdout
    assert "status resolved" in resumed.stdout
    state = thread_state(pg_url, THREAD)
    assert state is not None and state["status"] == "resolved" and not state["interrupted"], state
