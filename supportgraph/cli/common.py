"""What every supportgraph command shares: the console, the database option and the refusal type."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from foundation.settings import get_settings

console = Console(highlight=False, soft_wrap=True)
DatabaseOpt = Annotated[
    str | None,
    typer.Option("--database-url", help="Override SUPPORTGRAPH_DATABASE_URL (sqlite:///PATH or postgresql://…)."),
]


class CliError(Exception):
    """A refusal to print as one line."""


def database_url_or_default(database_url: str | None) -> str:
    return database_url or get_settings().resolved_database_url()
