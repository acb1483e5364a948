"""Helpers of the end-to-end CLI tests: run ``python -m supportgraph`` and judge what it did."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLI_TIMEOUT = 240  # seconds for one subprocess; a cold router cache trains in well under a minute


@dataclass(frozen=True)
class CliResult:
    args: tuple[str | bytes, ...]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (f"supportgraph {' '.join(map(repr, self.args))} → exit {self.returncode}\n"
                f"--- stdout ---\n{self.stdout[-4000:]}\n--- stderr ---\n{self.stderr[-4000:]}")


RunCli = Callable[..., CliResult]


def cli_env(home: Path, database_url: str | None) -> dict[str, str]:
    env = {**os.environ, "SUPPORTGRAPH_HOME": str(home), "PYTHONIOENCODING": "utf-8",
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "LANGSMITH_TRACING": "false"}
    env.pop("FORCE_COLOR", None)
    env.pop("SUPPORTGRAPH_DATABASE_URL", None)
    if database_url is not None:
        env["SUPPORTGRAPH_DATABASE_URL"] = database_url
    return env


def assert_ok(result: CliResult) -> None:
    assert result.returncode == 0, result.describe()
    assert "Traceback" not in result.stdout + result.stderr, result.describe()


def assert_refused(result: CliResult, *, contains: str | None = None) -> str:
    """Exit status 2, exactly one stderr line ``error: …`` and no traceback; returns that line."""
    assert result.returncode == 2, result.describe()
    assert "Traceback" not in result.stdout + result.stderr, result.describe()
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.describe()
    assert lines[0].startswith("error: "), result.describe()
    if contains is not None:
        assert contains in lines[0], result.describe()
    return lines[0]


def thread_state(database_url: str, thread_id: str) -> dict[str, Any] | None:
    """The stored state of a thread (read in this process), or None if it does not exist."""
    from service.conversations import open_service

    with open_service(database_url) as service:
        snapshot = service.graph.get_state({"configurable": {"thread_id": thread_id}})
    if not snapshot.values:
        return None
    messages = snapshot.values.get("messages", [])
    return {
        "checkpoint_id": snapshot.config["configurable"]["checkpoint_id"],
        "messages": [(m.type, str(m.content)) for m in messages],
        "status": snapshot.values.get("status"),
        "next": tuple(snapshot.next),
        "interrupted": bool(snapshot.interrupts),
    }


def thread_id_of_chat(result: CliResult) -> str:
    """The thread id ``supportgraph chat`` announces on its first line (``thread ID — continue it …``)."""
    first = result.stdout.splitlines()[0]
    assert first.startswith("thread "), result.describe()
    return first.split()[1]
