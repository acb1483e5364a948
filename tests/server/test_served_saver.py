"""The checkpointer of served runs (service/served_saver.py): only the commit that ends a run waits for the disk,
the others turn the wait off for their own batch and leave the session's setting alone."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, TypedDict

import pytest
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt
from psycopg import AsyncCursor
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from service.checkpoint_serde import CompressingSerializer
from service.flush_order import NO_WAIT_SQL
from service.served_saver import ServedPostgresSaver, _no_wait, served_saver

pytestmark = pytest.mark.postgres


class Tally(TypedDict, total=False):
    count: int
    note: str


def _counting(stop_for_review: bool) -> Any:
    """Three steps one after another; the last asks a person first when ``stop_for_review``."""
    builder = StateGraph(Tally)
    builder.add_node("first", lambda s: {"count": s.get("count", 0) + 1})
    builder.add_node("second", lambda s: {"count": s["count"] + 1})
    builder.add_node("third", lambda s: {"note": interrupt("approve?") if stop_for_review else "done"})
    builder.add_edge(START, "first")
    builder.add_edge("first", "second")
    builder.add_edge("second", "third")
    builder.add_edge("third", END)
    return builder.compile()


def _pool(url: str) -> AsyncConnectionPool:
    # what Aegra opens: autocommit connections with dict rows, no prepared statements
    return AsyncConnectionPool(url, min_size=1, max_size=1, open=False,
                               kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row})


async def _batches(url: str, stop_for_review: bool, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Each write batch a run sends, in order: (what it writes, whether its commit waits for the disk)."""
    made: list[tuple[str, bool]] = []
    execute, executemany = AsyncCursor.execute, AsyncCursor.executemany
    waiting: list[bool] = [True]

    async def spy_execute(self: Any, query: Any, params: Any = None, **kw: Any) -> Any:
        text = str(query)
        if text == NO_WAIT_SQL:
            waiting[0] = False
        elif "INSERT INTO checkpoints" in text:
            made.append(("checkpoint", waiting[0]))
            waiting[0] = True
        return await execute(self, query, params, **kw)

    async def spy_executemany(self: Any, query: Any, params_seq: Any, **kw: Any) -> Any:
        params_seq = list(params_seq)
        if "checkpoint_writes" in str(query):
            made.append(("writes:" + ",".join(str(p[6]) for p in params_seq), waiting[0]))
            waiting[0] = True
        return await executemany(self, query, params_seq, **kw)

    monkeypatch.setattr(AsyncCursor, "execute", spy_execute)
    monkeypatch.setattr(AsyncCursor, "executemany", spy_executemany)
    async with _pool(url) as pool:
        saver = served_saver(pool)
        await saver.setup()
        made.clear()
        graph = _counting(stop_for_review).copy(update={"checkpointer": saver})
        config: Any = {"configurable": {"thread_id": uuid.uuid4().hex}}
        async for _ in graph.astream({"count": 0}, config, stream_mode=["values", "debug", "updates"]):
            pass  # the modes Aegra streams a run with
    monkeypatch.undo()
    return made


def test_only_the_last_checkpoint_of_a_served_run_waits_for_the_disk(pg_url: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    made = asyncio.run(_batches(pg_url, False, monkeypatch))
    assert len(made) >= 8, made  # the input, the start and three steps: checkpoints and their task writes
    # LangGraph saves a step's task writes in the background, unordered against its checkpoints: the last task's
    # writes may land after the final checkpoint, which already holds them (so they need no wait of their own)
    checkpoints = [waits for what, waits in made if what == "checkpoint"]
    assert [waits for _, waits in made].count(True) == 1 and checkpoints[-1] is True, made


def test_a_served_run_that_stops_for_a_reviewer_waits_for_its_interrupt(pg_url: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    made = asyncio.run(_batches(pg_url, True, monkeypatch))
    assert [what for what, waits in made if waits] == ["writes:__interrupt__"], made


def test_a_batch_that_need_not_wait_turns_the_wait_off_for_itself_only(pg_url: str) -> None:
    async def settings() -> tuple[str, str]:
        async with _pool(pg_url) as pool:
            saver = served_saver(pool)
            token = _no_wait.set(True)
            try:
                async with saver._cursor(pipeline=True) as cur:
                    await cur.execute("SELECT current_setting('synchronous_commit') AS s")
                    inside = (await cur.fetchone())["s"]
            finally:
                _no_wait.reset(token)
            async with saver._cursor() as cur:  # the same pooled connection (max_size 1)
                await cur.execute("SELECT current_setting('synchronous_commit') AS s")
                after = (await cur.fetchone())["s"]
        return inside, after

    assert asyncio.run(settings()) == ("off", "on")


def test_the_served_saver_writes_with_the_services_serializer() -> None:
    async def made() -> ServedPostgresSaver:  # a saver belongs to the event loop it was made in
        return served_saver(object())

    saver = asyncio.run(made())
    assert isinstance(saver, ServedPostgresSaver) and isinstance(saver.serde, CompressingSerializer)
