"""``supportgraph --help`` and ``supportgraph review --help`` name every command."""

from __future__ import annotations

import re

import pytest

from tests.cli.helpers import RunCli, assert_ok

pytestmark = pytest.mark.slow


def _commands(help_text: str) -> set[str]:
    """Command names in typer's help: the first word of each row of the Commands panel."""
    rows = help_text.split("Commands", 1)[1].splitlines()
    return {m.group(1) for row in rows if (m := re.match(r"^\W*([a-z][a-z-]*)\s{2,}", row))}


def test_help_lists_every_command(call_cli: RunCli) -> None:
    result = call_cli("--help")
    assert_ok(result)
    assert "Usage" in result.stdout
    assert {"demo", "chat", "send", "review", "audit", "customers"} <= _commands(result.stdout), result.describe()


def test_review_help_lists_its_subcommands(call_cli: RunCli) -> None:
    result = call_cli("review", "--help")
    assert_ok(result)
    assert {"list", "show", "resume"} <= _commands(result.stdout), result.describe()
