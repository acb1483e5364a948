"""Fixtures of the business-tool tests: a small seeded demo company on each database."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from supportgraph.db import close_database
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


def _sqlite_template(request: pytest.FixtureRequest, templates: dict[str, str]) -> str:
    if "sqlite" not in templates:
        path = request.config._tmp_path_factory.mktemp("template") / "seeded.db"  # type: ignore[attr-defined]
        open_store(f"sqlite:///{path}", customers=TEST_CUSTOMERS, reference_time=REFERENCE_TIME)
        close_store(f"sqlite:///{path}")
        templates["sqlite"] = str(path)
    return templates["sqlite"]


def _postgres_template(admin: str, templates: dict[str, str]) -> str:
    if "postgres" not in templates:
        template = create_database(admin)
        open_store(template, customers=TEST_CUSTOMERS, reference_time=REFERENCE_TIME)
        close_store(template)
        templates["postgres"], templates["postgres_admin"] = template, admin
    return templates["postgres"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, _templates: dict[str, str]) -> Iterator[str]:
    """A fresh copy of the seeded demo company, once on SQLite and once on Postgres.

    Overrides the root fixture (a fresh empty database) for the tool tests: the copy is made straight from
    the session's seeded template (Postgres: ``CREATE DATABASE … TEMPLATE``), which saves creating and
    dropping an empty database per test. ``empty_database_url`` is the empty one.
    """
    if request.param == "sqlite":
        path = tmp_path / "supportgraph.db"
        shutil.copyfile(_sqlite_template(request, _templates), path)
        yield f"sqlite:///{path}"
        return
    admin = str(request.getfixturevalue("pg_admin_url"))
    source = _postgres_template(admin, _templates).rsplit("/", 1)[1]
    name = "sg_test_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    url = admin.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        close_database(url)  # release pooled connections before dropping the database
        drop_database(admin, url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh empty database, once on SQLite and once on Postgres (the root ``database_url``)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'supportgraph.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(database_url: str) -> Iterator[BusinessStore]:
    """A small demo company (40 customers) with a fixed reference time, on SQLite and on Postgres."""
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
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}
