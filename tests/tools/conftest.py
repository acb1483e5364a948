"""Fixtures of the business-tool tests: a small seeded demo company on each database."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from tests.pg import create_database, drop_database
from tools.base import ToolContext, ToolResult
from tools.registry import get_tool
from tools.store import BusinessStore, close_store, open_store
from tools.store.schema import metadata

REFERENCE_TIME = datetime(2025, 6, 2, 12, 0, 0, tzinfo=UTC)
TEST_CUSTOMERS = 40


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Seeded copies made once per session (seeding every test's store made the suite twice as slow)."""
    made: dict[str, str] = {}
    yield made
    if "postgres_admin" in made:
        drop_database(made["postgres_admin"], made["postgres"])


def _copy_seeded(request: pytest.FixtureRequest, url: str, templates: dict[str, str]) -> None:
    """Make the empty database at ``url`` a copy of a seeded template store (built on first use)."""
    if url.startswith("sqlite"):
        if "sqlite" not in templates:
            path = request.config._tmp_path_factory.mktemp("template") / "seeded.db"  # type: ignore[attr-defined]
            open_store(f"sqlite:///{path}", customers=TEST_CUSTOMERS, reference_time=REFERENCE_TIME)
            close_store(f"sqlite:///{path}")
            templates["sqlite"] = str(path)
        shutil.copyfile(templates["sqlite"], url.removeprefix("sqlite:///"))
        return
    admin = str(request.getfixturevalue("pg_admin_url"))
    if "postgres" not in templates:
        template = create_database(admin)
        open_store(template, customers=TEST_CUSTOMERS, reference_time=REFERENCE_TIME)
        close_store(template)
        templates["postgres"], templates["postgres_admin"] = template, admin
    name, source = url.rsplit("/", 1)[1], templates["postgres"].rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')


@pytest.fixture
def store(
    request: pytest.FixtureRequest, database_url: str, _templates: dict[str, str]
) -> Iterator[BusinessStore]:
    """A small demo company (40 customers) with a fixed reference time, on SQLite and on Postgres."""
    _copy_seeded(request, database_url, _templates)
    s = open_store(database_url, customers=TEST_CUSTOMERS, reference_time=REFERENCE_TIME)
    try:
        yield s
    finally:
        close_store(database_url)


_steps = iter(range(1, 10**9))


def make_ctx(
    customer_id: str | None = "C0001",
    *,
    step: str | None = None,
    thread: str = "thread-1",
    approved_by: str | None = None,
    now: datetime = REFERENCE_TIME,
) -> ToolContext:
    """A context; every call gets a new step id (so a new idempotency key) unless ``step`` is given."""
    return ToolContext(
        thread_id=thread,
        step_id=step or f"step-{next(_steps)}",
        now=now,
        customer_id=customer_id,
        approved_by=approved_by,
    )


@pytest.fixture
def call(store: BusinessStore) -> Callable[..., ToolResult]:
    """``call(tool_name, ctx=None, **args)`` runs a tool through the registry against the test store."""

    def _call(name: str, ctx: ToolContext | None = None, **args: Any) -> ToolResult:
        return get_tool(name).run(store, args, ctx or make_ctx())

    return _call


def row_counts(store: BusinessStore) -> dict[str, int]:
    with store.db.begin() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables
        }
