"""Bad input to the CLI: each is refused with exit status 2 and one ``error: …`` line, never a traceback,
and the thread it was aimed at is left exactly as it was (same checkpoint, same messages).

One command makes a finished conversation; every test then works on its own copy of that database, so a
refusal that fails to refuse cannot spoil the next test. The commands run in process (``call_cli``), but for
the argument of bytes that are not UTF-8, which only a real process receives.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import RunCli, assert_ok, assert_refused, thread_state

pytestmark = pytest.mark.slow

THREAD = "finished"  # a thread whose conversation is over: a message that got through would run a turn


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, call_cli: RunCli) -> Path:
    path = tmp_path_factory.mktemp("bad-input") / "template.db"
    result = call_cli("send", "--customer", "C0001", "--thread", THREAD, "where is order 10003?",
                     database_url=f"sqlite:///{path}")
    assert_ok(result)
    assert "status resolved" in result.stdout, result.describe()
    return path


@pytest.fixture
def url(template: Path, tmp_path: Path) -> str:
    """This test's own copy of the database holding the finished thread."""
    path = tmp_path / "supportgraph.db"
    with closing(sqlite3.connect(template)) as src, closing(sqlite3.connect(path)) as dst:
        src.backup(dst)
    return f"sqlite:///{path}"


@pytest.fixture
def before(url: str) -> dict[str, Any]:
    state = thread_state(url, THREAD)
    assert state is not None and state["status"] == "resolved" and not state["next"], state
    return state


@pytest.mark.parametrize("text", ["", "   \n\t  "], ids=["empty", "whitespace"])
def test_empty_message_is_refused(call_cli: RunCli, url: str, before: dict[str, Any], text: str) -> None:
    result = call_cli("send", "--thread", THREAD, text, database_url=url)
    assert_refused(result, contains="the message is empty")
    assert thread_state(url, THREAD) == before


def test_one_megabyte_message_on_stdin_is_refused(call_cli: RunCli, url: str, before: dict[str, Any]) -> None:
    text = ("where is my order? " * 60_000)[:1_000_000]
    result = call_cli("send", "--thread", THREAD, "-", database_url=url, stdin=text)
    line = assert_refused(result, contains="too long")
    assert "1,000,000 characters" in line
    assert "Agent:" not in result.stdout
    assert thread_state(url, THREAD) == before


def test_invalid_utf8_on_stdin_is_refused_by_send(call_cli: RunCli, url: str, before: dict[str, Any]) -> None:
    result = call_cli("send", "--thread", THREAD, "-", database_url=url, stdin=b"\xff\xfe bad")
    assert_refused(result, contains="not valid UTF-8")
    assert thread_state(url, THREAD) == before


@pytest.mark.parametrize(("command", "options"), [(("review", "show"), ()), (("review", "resume"), ("--approve",)),
                                                  (("audit",), ())], ids=["review-show", "review-resume", "audit"])
def test_unknown_thread_is_refused(call_cli: RunCli, url: str, command: tuple[str, ...],
                                   options: tuple[str, ...]) -> None:
    result = call_cli(*command, "no-such-thread", *options, database_url=url)
    assert_refused(result, contains="'no-such-thread'")
    assert thread_state(url, "no-such-thread") is None


def test_resume_of_a_thread_that_is_not_waiting_is_refused(call_cli: RunCli, url: str,
                                                           before: dict[str, Any]) -> None:
    result = call_cli("review", "resume", THREAD, "--approve", database_url=url)
    assert_refused(result, contains="not waiting for a review")
    assert thread_state(url, THREAD) == before


def test_invalid_utf8_argument_is_refused_by_send(run_cli: RunCli, url: str, before: dict[str, Any]) -> None:
    # a real process: the operating system's argument bytes, decoded by Python before the command sees them
    result = run_cli("send", "--thread", THREAD, b"\xff\xfe bad", database_url=url)
    assert_refused(result, contains="not valid UTF-8")
    assert thread_state(url, THREAD) == before


def test_invalid_utf8_in_chat_is_refused_and_chat_goes_on(call_cli: RunCli, url: str,
                                                         before: dict[str, Any]) -> None:
    result = call_cli("chat", "--thread", THREAD, database_url=url, stdin=b"\xff\xfe bad\nwhere is order 10002?\n")
    assert_refused(result, contains="not valid UTF-8")  # printed for the bad line; exit 2 at the end
    assert "Customer: where is order 10002?" in result.stdout, result.describe()  # the next line still ran
    after = thread_state(url, THREAD)
    assert after is not None
    assert after["messages"][: len(before["messages"])] == before["messages"]
    added = [text for kind, text in after["messages"][len(before["messages"]):] if kind == "human"]
    assert added == ["where is order 10002?"]  # the bad line never entered the thread
