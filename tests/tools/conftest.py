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

from foundation.db import close_database
from tests.pg import create_database, drop_database
from tests.workers import database_prefix
from tools.base import ToolContext, ToolResult
from tools.registry import get_tool
from tools.store import BusinessStore, close_store, prepare_demo_store
from tools.store.schema import metadata

REFERENCE_TIME = datetime(2025, 6, 2, 12, 0, 0, tzinfo=UTC)
TEST_CUSTOMERS = 40


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "read_only: the test only reads the demo company, so it shares one seeded store per database; every "
        "row is compared after the test and a change fails it",
    )


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
        prepare_demo_store(f"sqlite:///{path}", customers=TEST_CUSTOMERS, reference_time=REFERENCE_TIME)
        close_store(f"sqlite:///{path}")
        templates["sqlite"] = str(path)
    return templates["sqlite"]


def _postgres_template(admin: str, templates: dict[str, str]) -> str:
    if "postgres" not in templates:
        template = create_database(admin)
        prepare_demo_store(template, customers=TEST_CUSTOMERS, reference_time=REFERENCE_TIME)
        close_store(template)
        templates["postgres"], templates["postgres_admin"] = template, admin
    return templates["postgres"]


def _copy_of_template(request: pytest.FixtureRequest, kind: str, directory: Path, templates: dict[str, str]) -> str:
    """A new copy of the seeded template of database ``kind`` (Postgres: ``CREATE DATABASE … TEMPLATE``)."""
    if kind == "sqlite":
        path = directory / "supportgraph.db"
        shutil.copyfile(_sqlite_template(request, templates), path)
        return f"sqlite:///{path}"
    admin = str(request.getfixturevalue("pg_admin_url"))
    source = _postgres_template(admin, templates).rsplit("/", 1)[1]
    name = database_prefix() + uuid.uuid4().hex[:12]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return admin.rsplit("/", 1)[0] + "/" + name


def _drop_copy(url: str, templates: dict[str, str]) -> None:
    if url.startswith("postgresql"):
        close_database(url)  # release pooled connections before dropping the database
        drop_database(templates["postgres_admin"], url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_kind(request: pytest.FixtureRequest) -> str:
    """The database a tool test runs on: each runs once on SQLite and once on Postgres."""
    return str(request.param)


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, db_kind: str, tmp_path: Path, _templates: dict[str, str]
) -> Iterator[str]:
    """A fresh copy of the seeded demo company, once on SQLite and once on Postgres.

    Overrides the root fixture (a fresh empty database) for the tool tests: the copy is made straight from
    the session's seeded template, which saves creating and dropping an empty database per test.
    ``empty_database_url`` is the empty one.
    """
    url = _copy_of_template(request, db_kind, tmp_path, _templates)
    try:
        yield url
    finally:
        _drop_copy(url, _templates)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh empty database, once on SQLite and once on Postgres (the root ``database_url``)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'supportgraph.db'}"
    return str(request.getfixturevalue("pg_url"))


def fingerprint(store: BusinessStore) -> dict[str, int]:
    """A hash of every row of every table: equal fingerprints mean nothing was written."""
    with store.db.begin() as conn:
        return {
            t.name: hash(tuple(tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))))
            for t in metadata.sorted_tables
        }


@pytest.fixture(scope="session")
def _shared_stores(_templates: dict[str, str]) -> Iterator[dict[str, tuple[BusinessStore, dict[str, int]]]]:
    """One seeded store per database for the ``read_only`` tests, with its fingerprint when it was made."""
    made: dict[str, tuple[BusinessStore, dict[str, int]]] = {}
    yield made
    for url in made:
        close_store(url)
        _drop_copy(url, _templates)


@pytest.fixture
def store(
    request: pytest.FixtureRequest,
    db_kind: str,
    _templates: dict[str, str],
    _shared_stores: dict[str, tuple[BusinessStore, dict[str, int]]],
) -> Iterator[BusinessStore]:
    """A small demo company (40 customers) with a fixed reference time, on SQLite and on Postgres.

    Each test gets a fresh copy; a test marked ``read_only`` shares one per database instead, and fails if
    it changed any row of it.
    """
    if request.node.get_closest_marker("read_only") is None:
        url = str(request.getfixturevalue("database_url"))
        fresh = prepare_demo_store(url, customers=TEST_CUSTOMERS, reference_time=REFERENCE_TIME)
        try:
            yield fresh
        finally:
            close_store(url)
        return
    url = next((u for u in _shared_stores if u.startswith(db_kind)), "")
    if not url:
        directory = request.config._tmp_path_factory.mktemp("shared")  # type: ignore[attr-defined]
        url = _copy_of_template(request, db_kind, directory, _templates)
        shared = prepare_demo_store(url, customers=TEST_CUSTOMERS, reference_time=REFERENCE_TIME)
        _shared_stores[url] = (shared, fingerprint(shared))
    shared, before = _shared_stores[url]
    yield shared
    if fingerprint(shared) != before:
        del _shared_stores[url]  # the next read_only test gets a clean copy
        close_store(url)
        _drop_copy(url, _templates)
        pytest.fail(f"{request.node.name} is marked read_only but changed the shared store")


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
