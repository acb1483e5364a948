"""Bad input on the command line (called in the test process): one `error:` line and exit 2, never a traceback,
nothing recorded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.helpers import RunCli, assert_ok, assert_refused, thread_state

pytestmark = pytest.mark.slow


def test_a_message_starting_with_a_dash_is_a_message(call_cli: RunCli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dash.db'}"
    assert_ok(call_cli("send", "--thread", "dash", "--", "-5 stars, the parcel was late", database_url=url))
    assert_ok(call_cli("send", "--thread", "dash", "-1 for the delay", database_url=url))
    state = thread_state(url, "dash")
    assert state is not None
    said = [text for role, text in state["messages"] if role == "human"]
    assert said == ["-5 stars, the parcel was late", "-1 for the delay"], state["messages"]


def test_an_unknown_customer_is_refused(call_cli: RunCli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'who.db'}"
    assert_refused(call_cli("send", "--customer", "C9999", "--thread", "who", "where is order 10003?",
                           database_url=url), contains="unknown customer 'C9999'")
    assert thread_state(url, "who") is None


def test_a_thread_goes_on_after_a_reviewer_deleted_the_account(call_cli: RunCli, tmp_path: Path) -> None:
    """The sign-in is checked when a thread starts; the customer of a thread whose account was deleted in it (a
    reviewer approved the deletion) may still answer there instead of getting an error."""
    db = tmp_path / "gone.db"
    url = f"sqlite:///{db}"
    assert_ok(call_cli("send", "--customer", "C0001", "--thread", "gone", "where is order 10003?", database_url=url))
    with sqlite3.connect(db) as conn:
        assert conn.execute("UPDATE customers SET status = 'deleted' WHERE id = 'C0001'").rowcount == 1
    assert_ok(call_cli("send", "--customer", "C0001", "--thread", "gone", "ok thanks, bye", database_url=url))
    state = thread_state(url, "gone")
    assert state is not None and [t for r, t in state["messages"] if r == "human"][-1] == "ok thanks, bye"
    assert_refused(call_cli("send", "--customer", "C0001", "--thread", "new", "hello", database_url=url),
                   contains="unknown customer 'C0001'")


def test_bad_text_and_deep_json_from_customers_and_reviewers(call_cli: RunCli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bad.db'}"
    assert_refused(call_cli("send", "--thread", "nul", "-", database_url=url, stdin=b"where is\x00 order 10003"),
                   contains="U+0000")
    assert thread_state(url, "nul") is None
    fffd = "the label says \ufffd instead of my name, where is order 10003?"
    assert_ok(call_cli("send", "--thread", "fffd", "-", database_url=url, stdin=fffd.encode()))
    state = thread_state(url, "fffd")
    assert state is not None and state["messages"][0] == ("human", fffd), state
    assert_ok(call_cli("send", "--customer", "C0001", "--thread", "review",
                      "I want a refund for order 10002, the headphones arrived broken", database_url=url))
    before = thread_state(url, "review")
    deep = "[" * 20_000 + "]" * 20_000
    assert_refused(call_cli("review", "resume", "review", "--decisions", deep, database_url=url),
                   contains="nests too deeply")
    assert_refused(call_cli("review", "resume", "review", "--reject", "--reason", "no\x1b[31m", database_url=url),
                   contains="U+001B")
    assert thread_state(url, "review") == before
