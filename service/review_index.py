"""Checkpointers that index a human-review interrupt in ``review_queue`` in the interrupt's own transaction.

A thread waits for a reviewer from the moment its ``__interrupt__`` write is committed to the checkpointer. The
savers here insert the review-queue row in that same database transaction, so the queue and the checkpoints never
disagree: a crash either leaves both (the thread waits and reviewers see it) or neither (the turn re-runs).
The row is the request's ``context`` mapped by graphs/support/review.py ``queue_entry``, as the human_review node
maps it when it writes the row itself.

Hosts whose checkpointer is not one of these (an Agent Protocol server with its own saver) leave
``Context.review_index_by_checkpointer`` false, and the human_review node writes the row itself just before it
interrupts.

They also store less than LangGraph's savers (docs/deploying.md, "Checkpoints"): shorter random parts of channel
versions, no static-interrupt marks, and a new run deletes the writes its thread's finished steps hold as values.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
)
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres import _internal as pg_internal
from langgraph.checkpoint.serde.types import INTERRUPT, _DeltaSnapshot
from langgraph.checkpoint.sqlite import SqliteSaver

from foundation.crash import crash_point
from foundation.thread_lock import FENCE_SQL, check_held, lock_fence, lock_lost
from graphs.support.review import queue_entry
from service.flush_order import NO_WAIT_SQL, checkpoint_ends_run, writes_end_run

_COLUMNS = ("thread_id", "turn", "queue", "priority", "status", "customer_id", "summary", "reasons", "confidence",
            "created_at")
# A re-run of the same turn leaves an open entry as it is; a decided one opens again, because a step went back
# to the reviewer in the same turn (the tool refused what was approved, or what it would move changed).
_REOPEN = ("ON CONFLICT (thread_id, turn) DO UPDATE SET status = 'open', reasons = excluded.reasons, "
           "claimed_at = NULL, resolved_at = NULL, decision = NULL WHERE review_queue.status = 'resolved'")


def review_rows(config: RunnableConfig, writes: Sequence[tuple[str, Any]]) -> list[dict[str, Any]]:
    """One review-queue row per human-review request among ``writes`` (other interrupts are not indexed)."""
    if config["configurable"].get("checkpoint_ns"):
        return []  # a subgraph's interrupt surfaces again on the parent graph's task; index it once, there
    rows = []
    for channel, value in writes:
        if channel != INTERRUPT:
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            request = getattr(item, "value", None)
            if not (isinstance(request, dict) and "action_requests" in request and "context" in request):
                continue
            entry = queue_entry(config["configurable"]["thread_id"], request["context"])
            at = entry.pop("at")
            rows.append({**entry, "status": "open", "created_at": at})
    return rows


def review_resolutions(config: RunnableConfig, writes: Sequence[tuple[str, Any]]) -> list[dict[str, Any]]:
    """The reviews that ``writes`` (the human_review node's result) decide: they are resolved in the same
    transaction, so a review is never marked done unless its decision is durable in the thread."""
    if config["configurable"].get("checkpoint_ns"):
        return []
    decided = []
    for channel, value in writes:
        if channel == "review" and isinstance(value, dict) and value.get("decision") is not None:
            decided.append({"thread_id": str(config["configurable"]["thread_id"]), "turn": int(value["turn"]),
                            "decision": json.loads(json.dumps(value["decision"], default=str)),
                            "at": datetime.now(UTC)})
    return decided


_RESOLVE_SQL = ("UPDATE review_queue SET status = 'resolved', resolved_at = %s, decision = %s "
                "WHERE thread_id = %s AND turn = %s")


class _IndexingSaver(BaseCheckpointSaver[str]):
    """What both savers share: writes without a review to index or resolve go to the parent saver as they are;
    the others, with their review-queue rows, to ``_put_writes_indexed`` (one transaction). Every write is a
    crash point, and none is made once the turn has lost its thread's lock (foundation/thread_lock.py)."""

    def put_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                   task_path: str = "") -> None:
        with self._fenced(str(config["configurable"]["thread_id"])):
            rows, decided = review_rows(config, writes), review_resolutions(config, writes)
            if rows or decided:
                self._put_writes_indexed(config, writes, task_id, task_path, rows, decided)
            else:
                super().put_writes(config, writes, task_id, task_path)
        crash_point("checkpoint")

    def _put_writes_indexed(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                            task_path: str, rows: list[dict[str, Any]], decided: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def put(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
            new_versions: ChannelVersions) -> RunnableConfig:
        thread_id = str(config["configurable"]["thread_id"])
        with self._fenced(thread_id):
            saved = super().put(config, without_static_interrupt_marks(checkpoint), metadata, new_versions)
        crash_point("checkpoint")
        parent = config["configurable"].get("checkpoint_id")
        if metadata.get("source") == "input" and parent:
            with self._fenced(thread_id):  # a clean-up is a write too
                self._drop_applied_writes(config, parent, replayed_channels(checkpoint))
        return saved

    @contextmanager
    def _fenced(self, thread_id: str) -> Iterator[None]:
        """The block's writes are made only while this process holds ``thread_id``'s lock (ThreadLockLost)."""
        check_held(thread_id)
        yield

    def _drop_applied_writes(self, config: RunnableConfig, before: str, keep: list[str]) -> None:
        raise NotImplementedError

    def get_next_version(self, current: str | None, channel: None) -> str:
        return next_version(current)


def without_static_interrupt_marks(checkpoint: Checkpoint) -> Checkpoint:
    """``checkpoint`` without ``versions_seen["__interrupt__"]``.

    LangGraph records there, at every resume, the version of every channel, and copies it into each later
    checkpoint of the thread: a second copy of the channel versions in every row once a thread has been reviewed.
    It is read only by static interrupts (``interrupt_before``/``interrupt_after``: "has anything changed since
    the last one?"), which the support graph does not declare and the service never passes; without the record
    such an interrupt would simply count every channel as changed."""
    seen = checkpoint["versions_seen"]
    if INTERRUPT not in seen:
        return checkpoint
    return {**checkpoint, "versions_seen": {k: v for k, v in seen.items() if k != INTERRUPT}}


def replayed_channels(checkpoint: Checkpoint) -> list[str]:
    """The channels a read rebuilds from writes (a ``DeltaChannel``: the transcript): every other channel with a
    version has its value in the checkpoint itself."""
    values = checkpoint["channel_values"]
    return sorted(k for k in checkpoint["channel_versions"]
                  if k not in values or isinstance(values[k], _DeltaSnapshot))


# A new input starts a run on the thread's latest checkpoint (its parent). Every checkpoint before that parent
# has a child that holds its tasks' writes applied, as channel values: the writes themselves are needed again
# only by the channels a read replays, and the special ones (an interrupt, a resume, an error: negative idx)
# say what happened. The rest are deleted, once per run, so a step's changed value is kept once (as the next
# checkpoint's value) instead of twice. The latest checkpoint and its parent keep all their writes.
_DROP_APPLIED = ("DELETE FROM {table} WHERE thread_id = {p} AND checkpoint_ns = {p} AND checkpoint_id < {p} "
                 "AND idx >= 0")


def next_version(current: str | int | None) -> str:
    """The channel version after ``current``, in LangGraph's own format with a shorter random part.

    LangGraph's savers write ``f"{n:032}.{random.random():016}"``: the zero-padded counter orders versions as
    text, and the random part keeps two forks of a thread from reusing one blob key. Its sixteen random digits are
    what stays incompressible in every checkpoint row (each row lists the version of every channel, and which
    version each node has seen), so this keeps the counter as it is — versions written either way compare as
    before — and draws the random part from 32 bits written as 8 hex digits."""
    if current is None:
        counter = 0
    elif isinstance(current, int):
        counter = current
    else:
        counter = int(current.split(".")[0])
    return f"{counter + 1:032}.{secrets.randbits(32):08x}"


def _insert_sql(mark: str) -> str:
    """The review-queue insert with ``mark`` as the parameter placeholder (``?`` SQLite, ``%s`` Postgres)."""
    return f"INSERT INTO review_queue ({', '.join(_COLUMNS)}) VALUES ({', '.join(mark for _ in _COLUMNS)}) {_REOPEN}"


class IndexingSqliteSaver(_IndexingSaver, SqliteSaver):
    """SqliteSaver whose interrupt writes and review-queue rows commit together."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Re-entrant, so the row inserted under it and the parent's writes share one implicit transaction.
        self.lock = threading.RLock()  # type: ignore[assignment]

    def _put_writes_indexed(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                            task_path: str, rows: list[dict[str, Any]], decided: list[dict[str, Any]]) -> None:
        with self.lock:
            conn = self.conn
            # sqlite3 opens a transaction at this INSERT. The parent's put_writes commits even when it fails
            # (in a ``finally``), so it runs on a view of the connection whose commit waits for ours.
            self.conn = _CommitLater(conn)  # type: ignore[assignment]
            try:
                conn.executemany(_insert_sql("?"), [_sqlite_values(row) for row in rows])
                conn.executemany(_RESOLVE_SQL.replace("%s", "?"), [
                    (_sqlite_stamp(d["at"]), json.dumps(d["decision"], default=str), d["thread_id"], d["turn"])
                    for d in decided])
                SqliteSaver.put_writes(self, config, writes, task_id, task_path)
            except BaseException:
                conn.rollback()
                raise
            else:
                conn.commit()
            finally:
                self.conn = conn


    def _drop_applied_writes(self, config: RunnableConfig, before: str, keep: list[str]) -> None:
        sql = _DROP_APPLIED.format(table="writes", p="?")
        if keep:
            sql += f" AND channel NOT IN ({', '.join('?' for _ in keep)})"
        with self.cursor() as cur:
            cur.execute(sql, (str(config["configurable"]["thread_id"]), config["configurable"]["checkpoint_ns"],
                              before, *keep))


class _CommitLater:
    """A sqlite3 connection whose ``commit`` does nothing: the caller commits or rolls back the whole."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def commit(self) -> None:
        pass


# The lock fence of the write under way in this thread or task (IndexingPostgresSaver._fenced), run first by
# every statement batch the saver sends for it.
_fence: ContextVar[tuple[int, int, int] | None] = ContextVar("supportgraph_lock_fence", default=None)
# Whether the write under way may commit without waiting for the disk (service/flush_order.py).
_no_wait: ContextVar[bool] = ContextVar("supportgraph_commit_no_wait", default=False)


class IndexingPostgresSaver(_IndexingSaver, PostgresSaver):
    """PostgresSaver whose interrupt writes and review-queue rows commit in one transaction.

    Its writes are fenced by the thread's lock in the database itself: each batch of statements a write sends
    (a pipeline, one implicit transaction) starts with ``FENCE_SQL``, which fails, and so skips the rest, unless
    the session that took the thread's lock still holds it. That costs no round trip, where asking the lock's
    own connection first (``check_held``) cost one per write, under a mutex every thread of the process shares.

    Only the commits that end a run wait for the disk (service/flush_order.py): the others are sent with
    ``NO_WAIT_SQL`` in the same batch, again at no round trip."""

    def put_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                   task_path: str = "") -> None:
        token = _no_wait.set(not writes_end_run(writes))
        try:
            super().put_writes(config, writes, task_id, task_path)
        finally:
            _no_wait.reset(token)

    def put(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
            new_versions: ChannelVersions) -> RunnableConfig:
        token = _no_wait.set(not checkpoint_ends_run(checkpoint))
        try:
            return super().put(config, checkpoint, metadata, new_versions)
        finally:
            _no_wait.reset(token)

    @contextmanager
    def _fenced(self, thread_id: str) -> Iterator[None]:
        # inside: psycopg only on Postgres
        import psycopg

        token = _fence.set(lock_fence(thread_id))
        try:
            yield
        except psycopg.errors.DivisionByZero:  # FENCE_SQL: the lock's session no longer holds it
            raise lock_lost(thread_id) from None
        finally:
            _fence.reset(token)

    @contextmanager
    def _cursor(self, *, pipeline: bool = False) -> Iterator[Any]:
        fence = _fence.get()
        with super()._cursor(pipeline=pipeline) as cur:
            if fence is not None:
                cur.execute(FENCE_SQL, fence)
            if pipeline and _no_wait.get():  # one implicit transaction: the setting holds for its commit
                cur.execute(NO_WAIT_SQL)
            yield cur

    def _put_writes_indexed(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                            task_path: str, rows: list[dict[str, Any]], decided: list[dict[str, Any]]) -> None:
        from psycopg.types.json import Json

        query = (self.UPSERT_CHECKPOINT_WRITES_SQL if all(w[0] in WRITES_IDX_MAP for w in writes)
                 else self.INSERT_CHECKPOINT_WRITES_SQL)
        params = self._dump_writes(config["configurable"]["thread_id"], config["configurable"]["checkpoint_ns"],
                                   config["configurable"]["checkpoint_id"], task_id, task_path, writes)
        with self.lock, pg_internal.get_connection(self.conn) as conn, conn.transaction(), conn.cursor() as cur:
            if (fence := _fence.get()) is not None:
                cur.execute(FENCE_SQL, fence)
            if _no_wait.get():
                cur.execute(NO_WAIT_SQL)
            if rows:
                cur.executemany(_insert_sql("%s"), [_postgres_values(row) for row in rows])
            if decided:
                cur.executemany(_RESOLVE_SQL, [(d["at"], Json(d["decision"]), d["thread_id"], d["turn"])
                                               for d in decided])
            cur.executemany(query, params)


    def _drop_applied_writes(self, config: RunnableConfig, before: str, keep: list[str]) -> None:
        sql = _DROP_APPLIED.format(table="checkpoint_writes", p="%s") + " AND NOT (channel = ANY(%s))"
        with self._cursor(pipeline=True) as cur:  # with the fence, and not waiting: a run follows (put's)
            cur.execute(sql, (str(config["configurable"]["thread_id"]), config["configurable"]["checkpoint_ns"],
                              before, keep))


def _sqlite_stamp(at: datetime) -> str:
    # The text form SQLAlchemy writes for the table's DateTime columns on SQLite (naive UTC).
    naive = at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
    return naive.isoformat(sep=" ", timespec="microseconds")


def _sqlite_values(row: dict[str, Any]) -> tuple[Any, ...]:
    # The same text forms SQLAlchemy writes for the table's JSON and DateTime columns on SQLite (naive UTC).
    values = {**row, "reasons": json.dumps(row["reasons"]), "created_at": _sqlite_stamp(row["created_at"])}
    return tuple(values[c] for c in _COLUMNS)


def _postgres_values(row: dict[str, Any]) -> tuple[Any, ...]:
    # inside: psycopg only on Postgres
    from psycopg.types.json import Json

    values = {**row, "reasons": Json(row["reasons"])}
    return tuple(values[c] for c in _COLUMNS)
