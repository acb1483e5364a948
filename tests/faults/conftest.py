"""Fixtures of the fault suite: the graph tests' service, and an in-process stand-in for ``kill -9``.

The subprocess tests (test_kill.py, test_postgres_restart.py) kill real ``supportgraph`` processes; the
in-process tests here stop a turn at the same crash points (foundation/crash.py) by raising an exception no
code under test catches, so what is durable at that moment is exactly what a killed process leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from foundation import crash
from tests.cli.conftest import call_cli, cli_home  # noqa: F401  (fixtures shared with tests/cli)
from tests.graph.conftest import (  # noqa: F401  (fixtures shared with tests/graph)
    demo_database_url,
    service,
    supportgraph_home,
)


class Killed(BaseException):
    """What the crash hook raises in-process instead of SIGKILL."""


@pytest.fixture
def kill_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """``kill_at("store:1")``: the next pass through that crash point ends the turn as a kill would."""

    def die() -> None:
        raise Killed

    monkeypatch.setattr(crash, "_die", die)

    def arm(spec: str) -> None:
        crash.reset()
        monkeypatch.setenv(crash.ENV, spec)

    yield arm
    crash.reset()


@pytest.fixture
def revive(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Disarm the crash hook: the process 'restarted'."""
    return lambda: monkeypatch.delenv(crash.ENV, raising=False)
