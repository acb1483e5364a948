"""The checkpointer of a served run (``supportgraph serve``): LangGraph's async Postgres saver, as Aegra builds it
on its pool, with the service's serializer and the service's flush order.

Aegra 0.6 gives each worker one ``AsyncPostgresSaver``, and each of its commits waited for its log record to reach
the disk (an fsync, ~4 ms on this machine's disk): a plain served turn wrote three task-write batches and four
checkpoints, seven waits of which only the last counts. Here, as for the CLI's saver (service/review_index.py),
only the commit that ends a run waits (service/flush_order.py: the run's last checkpoint, the writes of an
interrupt or an error); the others turn the wait off for their own batch (one implicit transaction, no round trip
more). Postgres flushes its log in order, so the run's last commit, the run's business writes (a refund commits
waiting: the plan it carries out is durable before it) and Aegra's record of the run's end make every commit
before them durable too (a step's task writes are saved in the background, unordered against the checkpoints:
the last task's writes may commit after the final checkpoint without waiting, which is safe, as that checkpoint
already holds them). A crash of the database server itself can lose only the tail of a run's commits that no
later wait covered, leaving an earlier checkpoint of the run with work left: what a killed worker leaves, which the
next run request on the thread finishes (supportgraph/server/threads.py ``_repair``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import ChannelVersions, Checkpoint, CheckpointMetadata
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

from service.checkpoint_serde import checkpoint_serde
from service.flush_order import NO_WAIT_SQL, checkpoint_ends_run, writes_end_run

# Whether the write under way may commit without waiting for the disk (set per aput/aput_writes call: each runs
# in its own task's context, so concurrent runs of one worker never see each other's).
_no_wait: ContextVar[bool] = ContextVar("supportgraph_served_commit_no_wait", default=False)


class ServedPostgresSaver(AsyncPostgresSaver):
    """AsyncPostgresSaver whose commits wait for the disk only where a run ends (service/flush_order.py)."""

    async def aput(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
                   new_versions: ChannelVersions) -> RunnableConfig:
        token = _no_wait.set(not checkpoint_ends_run(checkpoint))
        try:
            return await super().aput(config, checkpoint, metadata, new_versions)
        finally:
            _no_wait.reset(token)

    async def aput_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                          task_path: str = "") -> None:
        token = _no_wait.set(not writes_end_run(writes))
        try:
            await super().aput_writes(config, writes, task_id, task_path)
        finally:
            _no_wait.reset(token)

    @asynccontextmanager
    async def _cursor(self, *, pipeline: bool = False) -> AsyncIterator[Any]:
        async with super()._cursor(pipeline=pipeline) as cur:
            # a pipeline on a pooled autocommit connection is one implicit transaction: the setting holds for its
            # commit alone (a saver on a shared pipeline, self.pipe, syncs other callers' statements too: untouched)
            if pipeline and self.pipe is None and _no_wait.get():
                await cur.execute(NO_WAIT_SQL)
            yield cur


def served_saver(pool: Any) -> ServedPostgresSaver:
    """The saver for Aegra's pool (its tables exist: Aegra set them up at its start)."""
    return ServedPostgresSaver(conn=pool, serde=checkpoint_serde())
