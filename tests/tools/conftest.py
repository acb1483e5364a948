"""Fixtures of the business-tool tests: a small seeded demo company on each database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from tools.base import ToolContext, ToolResult
from tools.registry import get_tool
from tools.store import BusinessStore, close_store, open_store
from tools.store.schema import metadata

REFERENCE_TIME = datetime(2025, 6, 2, 12, 0, 0, tzinfo=UTC)
TEST_CUSTOMERS = 40


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
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables
        }
