"""What a run request reads before Aegra runs it (supportgraph/server/threads.py), on Postgres with Aegra's
tables, without a server: the thread's owner and its state on the connection of the worker's thread locks (not a
connection of Aegra's engine), a run in progress refused and a dead server's run expired, and the review queue
settled only when a review of the thread is not resolved or the checkpoint waits for one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest

from foundation.audit import open_audit_log
from service.api_runs import OWNERS
from supportgraph.server.threads import RunInProgress, ThreadIndex, process_owner

pytestmark = pytest.mark.postgres


def _sql(url: str, statement: str, params: tuple[Any, ...] = ()) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement, params)


class _Graph:
    async def aget_state(self, config: Any) -> Any:
        return SimpleNamespace(values={}, interrupts=(), config=config, next=(), tasks=())


class _Service:
    @asynccontextmanager
    async def get_graph(self, graph_id: str) -> AsyncIterator[_Graph]:
        yield _Graph()


class _NoEngine:
    def get_engine(self) -> Any:
        raise AssertionError("a connection of Aegra's engine was checked out")


@pytest.fixture
def index(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> ThreadIndex:
    """Aegra's thread and runs tables (the columns the guard reads), the review queue, a thread of C0001's and
    one holding an open review; Aegra's engine refuses to be used, its graph has an empty checkpoint."""
    import aegra_api.core.database as aegra_database
    import aegra_api.services.langgraph_service as service

    _sql(pg_url, "CREATE TABLE thread (thread_id text PRIMARY KEY, status text, metadata_json jsonb, "
                 "updated_at timestamptz)")
    _sql(pg_url, "CREATE TABLE runs (run_id text PRIMARY KEY, thread_id text, status text, error_message text, "
                 "updated_at timestamptz NOT NULL DEFAULT now())")
    _sql(pg_url, "INSERT INTO thread (thread_id, status, metadata_json) VALUES ('t-maya', 'idle', %s), "
                 "('t-review', 'idle', '{}'), ('t-busy', 'busy', '{}'), ('t-dead', 'busy', '{}')",
         (psycopg.types.json.Jsonb({"customer_id": "C0001", "graph_id": "support"}),))
    open_audit_log(pg_url).open_review(thread_id="t-review", turn=1, queue="billing", priority="normal",
                                       customer_id="C0001", summary="refund", reasons=["above the limit"],
                                       confidence=0.9, at=datetime.now(UTC))
    monkeypatch.setattr(service, "get_langgraph_service", lambda: _Service())
    monkeypatch.setattr(aegra_database, "db_manager", _NoEngine())
    return ThreadIndex(pg_url)


def _settled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import service.recovery as recovery

    calls: list[str] = []
    settle = recovery.settle_rows

    def counted(database_url: str, thread_id: str, *args: Any, **kwargs: Any) -> None:
        calls.append(thread_id)
        settle(database_url, thread_id, *args, **kwargs)

    monkeypatch.setattr(recovery, "settle_rows", counted)
    return calls


def test_the_owner_of_a_thread_is_read_beside_the_thread_locks(index: ThreadIndex) -> None:
    async def read() -> tuple[Any, Any]:
        return await index.metadata("t-maya"), await index.metadata("t-nobody")

    assert asyncio.run(read()) == ({"customer_id": "C0001", "graph_id": "support"}, None)


def test_a_run_slot_settles_the_review_queue_only_when_a_review_is_not_resolved(
        index: ThreadIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    settled = _settled(monkeypatch)

    async def slot(thread_id: str) -> None:
        taken = await index.run_slot(thread_id, "support")
        await taken.release()

    try:
        asyncio.run(slot("t-maya"))
        assert settled == [], "a thread with no review read the review queue"
        # t-review's checkpoint waits for nothing, yet its review is open: settled (resolved) by the run's slot.
        asyncio.run(slot("t-review"))
        assert settled == ["t-review"]
        assert open_audit_log(index.database_url).unsettled_reviews("t-review") == []
        asyncio.run(slot("t-review"))
        assert settled == ["t-review"], "nothing left to settle, and the queue was read again"
    finally:
        process_owner(index.database_url).close()


def test_a_run_in_progress_is_refused_and_one_whose_server_is_gone_expires(index: ThreadIndex) -> None:
    owner = process_owner(index.database_url)
    try:
        owner.hold()
        owner.own("t-busy")
        _sql(index.database_url, f"INSERT INTO {OWNERS} (thread_id, owner) VALUES ('t-dead', 'a-server-gone')")
        _sql(index.database_url, "INSERT INTO runs (run_id, thread_id, status) VALUES ('r1', 't-busy', 'running'), "
                                 "('r2', 't-dead', 'running')")

        async def slot(thread_id: str) -> None:
            taken = await index.run_slot(thread_id, "support")
            await taken.release()

        with pytest.raises(RunInProgress):
            asyncio.run(slot("t-busy"))
        asyncio.run(slot("t-dead"))
        with psycopg.connect(index.database_url) as conn:
            assert conn.execute("SELECT status FROM runs WHERE run_id = 'r2'").fetchone() == ("error",)
            assert conn.execute(f"SELECT owner FROM {OWNERS} WHERE thread_id = 't-dead'").fetchone() == (owner.id,)
            assert conn.execute("SELECT status FROM thread WHERE thread_id = 't-dead'").fetchone() == ("idle",)
    finally:
        owner.close()
