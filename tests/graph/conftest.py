"""Fixtures of the support-graph tests: a SupportService on a fresh database (SQLite and Postgres).

Every test here takes ``database_url`` (through ``service``), so it runs once on each checkpointer. The demo
company is seeded before the service opens, with dates relative to that moment.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from evals.scenario_store import prepare_store
from foundation.audit import forget_audit_log
from foundation.policy import Policy
from service.conversations import SupportService, open_service
from tests.graph.session_home import use_session_home
from tests.seeded import seed_copy
from tools.store import close_store, open_store
from tools.store.schema import orders, refunds


@pytest.fixture(scope="session", autouse=True)
def supportgraph_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return use_session_home(tmp_path_factory)


@pytest.fixture
def demo_database_url(request: pytest.FixtureRequest, database_url: str) -> str:
    """``database_url`` migrated and holding the demo company: a copy of the session's (tests/seeded.py)."""
    admin = None if database_url.startswith("sqlite") else str(request.getfixturevalue("pg_admin_url"))
    seed_copy(database_url, admin_url=admin)
    return database_url


@pytest.fixture
def service(demo_database_url: str) -> Iterator[SupportService]:
    """The support graph with the database's own checkpointer; the demo store is migrated and seeded up front."""
    database_url = demo_database_url
    with open_service(database_url) as svc:
        svc.warm_up()
        yield svc
    close_store(database_url)
    forget_audit_log(database_url)


def scenario_shop(database_url: str, data: dict[str, list[dict[str, Any]]], now: datetime) -> Iterator[SupportService]:
    """The graph on a store holding only ``data`` (the scenario format), at a fixed clock: a fixture's body."""
    prepare_store(database_url, data, now, Policy())
    with open_service(database_url, reasoner="local", clock=now.isoformat()) as svc:
        yield svc
    close_store(database_url)
    forget_audit_log(database_url)


def step_of(plan: list[dict[str, Any]], tool: str) -> dict[str, Any]:
    """The first step of a turn's plan that runs ``tool``."""
    return next(s for s in plan if s["tool"] == tool)


def order_status(url: str, order_id: int) -> str:
    with open_store(url).db.begin() as conn:
        return str(conn.execute(select(orders.c.status).where(orders.c.id == order_id)).scalar_one())


def refunds_of(url: str, order_id: int) -> list[dict[str, Any]]:
    """The refund rows of an order (amount in dollars), oldest first."""
    with open_store(url).db.begin() as conn:
        rows = conn.execute(
            select(refunds).where(refunds.c.order_id == order_id).order_by(refunds.c.created_at, refunds.c.id)
        ).mappings()
        return [{"amount": r["amount_cents"] / 100, "approved_by": r["approved_by"], "status": r["status"],
                 "reason": r["reason"]} for r in rows]


def message_count(service: SupportService, thread_id: str) -> int:
    values = service.graph.get_state({"configurable": {"thread_id": thread_id}}).values
    return len(values.get("messages", []))


def tools_run(plan: list[dict[str, Any]]) -> list[str]:
    """The tools of the steps that ran (done or failed), in plan order."""
    return [s["tool"] for s in plan if s["status"] in ("done", "failed")]
