"""What the guard needs to know about a thread: whose it is, which queues reviewed it, what it waits for.

Ownership is the customer id stamped into the thread's metadata when a customer key opened it (Aegra's thread
table); queues come from the project's review queue (foundation.audit); the pending review request is read
from the checkpoint through the graph Aegra serves, exactly as SupportService reads it for the CLI.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from foundation.audit import ClaimRefusal, open_audit_log
from foundation.audit_tables import review_queue
from foundation.settings import get_settings
from graphs.support.review import ReviewRequest
from service.api_runs import THREAD_STATE, Owner, ThreadState, expire_runs, run_in_progress, run_state, thread_state
from service.conversations import _review_request as review_request_of

GRAPH_ID = "support"
RUN_SLOT_WAIT_SECONDS = 10.0  # how long a run request waits for another request creating a run on its thread
OWNER_CHECK_SECONDS = 10.0  # how often a worker checks that it still holds its run-owner lock
log = logging.getLogger("supportgraph.server")
_owners: dict[str, Owner] = {}


def process_owner(database_url: str) -> Owner:
    """This worker process as the owner of the runs it creates (service/api_runs.py), one per database."""
    owner = _owners.get(database_url)
    if owner is None:
        owner = _owners[database_url] = Owner(database_url)
    return owner


class RunInProgress(Exception):
    """The thread already has a run pending or running: this one is refused (Agent Protocol's ``reject``)."""


class RunSlot:
    """The thread's lock (foundation/thread_lock.py, the one every SupportService turn takes), held from
    the checks of a run request until Aegra has recorded the run; ``release`` lets the next request in.
    ``snapshot``: the thread as the slot found it (after any repair), which the run's checks read."""

    def __init__(self, stack: AsyncExitStack) -> None:
        self._stack: AsyncExitStack | None = stack
        self.snapshot: ThreadSnapshot | None = None

    async def release(self) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()


@dataclass(frozen=True)
class ThreadSnapshot:
    """A thread's latest checkpoint, as far as the guard needs it."""

    pending: ReviewRequest | None
    message_ids: frozenset[str]
    head: str | None  # the latest checkpoint's id


class ThreadIndex:
    """Read-only look-ups over Aegra's thread table, the review queue and the checkpoints."""

    def __init__(self, database_url: str | None = None) -> None:
        self.database_url = database_url or get_settings().resolved_database_url()

    async def metadata(self, thread_id: str) -> dict[str, Any] | None:
        """The thread's metadata, or None when Aegra has no such thread: one read on the connection of the
        worker's thread locks (Aegra's engine would check out a connection and ping it first, ~2 ms of CPU)."""
        from foundation.thread_lock import beside_locks

        rows = await beside_locks(self.database_url, "SELECT metadata_json FROM thread WHERE thread_id = %s",
                                       (thread_id,))
        return dict(rows[0][0] or {}) if rows else None

    async def reviewed_threads(self, queues: tuple[str, ...], *, open_only: bool = False,
                               thread_id: str | None = None) -> set[str]:
        """Threads with a review in one of ``queues`` (only those still waiting, with ``open_only``; only
        ``thread_id``, if given)."""

        def query() -> set[str]:
            audit = open_audit_log(self.database_url)
            stmt = select(review_queue.c.thread_id).where(review_queue.c.queue.in_(queues))
            if open_only:
                stmt = stmt.where(review_queue.c.status == "open")
            if thread_id is not None:
                stmt = stmt.where(review_queue.c.thread_id == thread_id)
            with audit.db.begin() as conn:
                return set(conn.execute(stmt).scalars())

        return await asyncio.to_thread(query)

    async def claim_review(self, thread_id: str, turn: int, reviewer: str) -> ClaimRefusal | None:
        """Claim the review for a resume, or why not (AuditLog.claim_review_or_reason, as the CLI claims it)."""
        audit = open_audit_log(self.database_url)
        return await asyncio.to_thread(audit.claim_review_or_reason, thread_id, turn, reviewer)

    async def release_review(self, thread_id: str, turn: int) -> None:
        await asyncio.to_thread(open_audit_log(self.database_url).release_review, thread_id, turn)

    async def start(self) -> None:
        """A worker starting: hold its owner lock, expire the runs of server processes that are gone and repair
        their threads (so none stays ``busy`` forever)."""
        if not self.database_url.startswith(("postgresql", "postgres://")):
            return
        await asyncio.to_thread(process_owner(self.database_url).hold)
        for thread_id in await asyncio.to_thread(expire_runs, self.database_url):
            try:
                await self.settle_on_read(thread_id, None)
            except Exception:
                log.exception("thread %s: could not repair it after expiring its run", thread_id)

    async def keep_owner(self) -> None:
        """Take the owner lock again whenever its connection broke (a Postgres restart), for as long as the
        worker lives."""
        while True:
            await asyncio.sleep(OWNER_CHECK_SECONDS)
            try:
                await asyncio.to_thread(process_owner(self.database_url).hold)
            except Exception:
                log.exception("could not hold this worker's run-owner lock; trying again")

    async def run_slot(self, thread_id: str, graph_id: str | None) -> RunSlot:
        """Take the thread for creating a run: refuse (RunInProgress) when a run is pending or running on it
        (a run whose server process is gone is expired first, service/api_runs.py), else repair what a run
        that failed or died left (Aegra's thread status, the review queue), record this worker as the owner of
        the run to come, and hold the thread until ``release``. Aegra 0.6 accepts ``multitask_strategy`` but
        does not apply it; every run request is handled as ``reject`` here."""
        from foundation.thread_lock import ThreadBusy, async_thread_lock

        stack = AsyncExitStack()
        try:
            await stack.enter_async_context(async_thread_lock(self.database_url, thread_id,
                                                              wait=RUN_SLOT_WAIT_SECONDS))
        except ThreadBusy as exc:
            raise RunInProgress(str(exc)) from None
        slot = RunSlot(stack)
        try:
            state = await self._state(thread_id)
            busy, status = state.runs, state.status
            if busy:  # a run pending or running: in progress, unless its server is gone (then expired here)
                busy, status = await asyncio.to_thread(run_state, self.database_url, thread_id)
            if busy:
                raise RunInProgress(f"thread {thread_id!r} already has a run in progress; send this again when "
                                    "it has finished (runs on a thread are taken one at a time)")
            slot.snapshot = await self._repair(thread_id, graph_id, status=status, unsettled=state.unsettled)
            if self.database_url.startswith(("postgresql", "postgres://")):
                await asyncio.to_thread(process_owner(self.database_url).own, thread_id)
        except BaseException:
            await slot.release()
            raise
        return slot

    async def _state(self, thread_id: str) -> ThreadState:
        """The thread as a run request finds it while holding it (service/api_runs.py ``THREAD_STATE``): one read
        on the lock's connection. Where Aegra's or the review queue's tables are missing, or off Postgres, it is
        left unread (``runs`` then means "ask ``run_state``")."""
        if not self.database_url.startswith(("postgresql", "postgres://")):
            return ThreadState(False, None, None)
        import psycopg

        from foundation.thread_lock import beside_locks

        try:
            return thread_state(await beside_locks(self.database_url, THREAD_STATE, (thread_id,)))
        except psycopg.errors.UndefinedTable:
            return ThreadState(True, None, None)

    async def settle_on_read(self, thread_id: str, graph_id: str | None) -> None:
        """A read of the thread (its state, history, runs, or a reviewer's queue) repairs what a run that died or
        failed left behind, when no run is under way: a run whose server is gone is expired, Aegra's thread
        status and the review queue are set by the checkpoint (a review the node marked resolved before its
        result was stored is open again). A thread another request holds is left to that request."""
        from foundation.thread_lock import ThreadBusy, async_thread_lock

        try:
            async with async_thread_lock(self.database_url, thread_id, wait=0):
                if not await asyncio.to_thread(run_in_progress, self.database_url, thread_id):
                    await self._settle(thread_id, (await self.snapshot(thread_id, graph_id)).pending)
        except ThreadBusy:
            return

    async def settle_queues(self, queues: tuple[str, ...]) -> None:
        """Before a reviewer's queue is listed: repair the threads of its reviews that a failed or dead run may
        have marked resolved too early (the thread is in ``error`` or ``busy`` in Aegra's table)."""
        if not self.database_url.startswith(("postgresql", "postgres://")):
            return
        from sqlalchemy import text

        from foundation.db import open_database

        def suspects() -> list[str]:
            with open_database(self.database_url).begin() as conn:
                rows = conn.execute(text(
                    "SELECT DISTINCT q.thread_id FROM review_queue q JOIN thread t ON t.thread_id = q.thread_id "
                    "WHERE q.queue = ANY(:queues) AND q.status <> 'open' AND t.status IN ('error', 'busy')"),
                    {"queues": list(queues)})
                return [str(r[0]) for r in rows]

        await asyncio.to_thread(expire_runs, self.database_url)
        for thread_id in await asyncio.to_thread(suspects):
            await self.settle_on_read(thread_id, None)

    async def _repair(self, thread_id: str, graph_id: str | None, *, status: str | None = None,
                      unsettled: bool | None = None) -> ThreadSnapshot:
        """No run is under way on the thread (the caller holds it): finish a run that was cut short, then make
        Aegra's thread status and the review queue say what the checkpoint says, so a run that failed (status
        ``error``) or a server that died mid-run (``busy``) leaves the thread resumable, with its review open.
        ``status``: Aegra's status of the thread, read while the caller held it (None: not read); ``unsettled``:
        whether the same read found a review of the thread not resolved (None: not read).
        Returns the thread as it now is (one checkpoint read when there was nothing to finish)."""
        from aegra_api.services.langgraph_service import get_langgraph_service

        config: Any = {"configurable": {"thread_id": thread_id}}
        async with get_langgraph_service().get_graph(graph_id or GRAPH_ID) as graph:
            live = await graph.aget_state(config)
            # live.tasks lists every task of the latest checkpoint's step, finished or not (service/recovery.py
            # `unfinished` reads the same from the checkpoint as recorded).
            if live.values and review_request_of(live) is None and (live.next or live.tasks):
                # A run the server lost mid-way (a restart, a database outage): finish it before the next one.
                # Its writes are idempotent per turn and step, so what it did already is not done again.
                await graph.ainvoke(None, config, durability="sync")
                live = await graph.aget_state(config)
        snapshot = _snapshot_of(live)
        await self._settle(thread_id, snapshot.pending, status=status, unsettled=unsettled)
        return snapshot

    async def _settle(self, thread_id: str, pending: ReviewRequest | None, *, status: str | None = None,
                      unsettled: bool | None = None) -> None:
        """Aegra's thread status and the thread's review-queue rows, set by its checkpoint (the caller holds the
        thread and knows no run is under way, so a claim left on its review belongs to a resume that died).
        ``status``: Aegra's status of the thread, read while the caller held it: the status is written only when
        it is one a run left behind (``error``, ``busy``) or was not read; nothing else changes it meanwhile.
        ``unsettled``: whether a review of the thread is not resolved, read while the caller held it: with none
        and none pending, the review queue has nothing to settle (no read of it here)."""
        from foundation.thread_lock import beside_locks
        from service.recovery import settle_rows

        repair = status is None or status in ("error", "busy")
        if repair and self.database_url.startswith(("postgresql", "postgres://")):  # where Aegra keeps its threads
            # one statement in autocommit, on the lock's connection: no BEGIN and COMMIT, no pooled connection
            await beside_locks(self.database_url, "UPDATE thread SET status = %s WHERE thread_id = %s AND status IN "
                               "('error', 'busy')", ("interrupted" if pending is not None else "idle", thread_id))
        if pending is None and unsettled is False:
            return
        await asyncio.to_thread(settle_rows, self.database_url, thread_id, pending, {}, claims_are_dead=True)

    async def search(self, thread_ids: set[str], query: dict[str, Any]) -> list[dict[str, Any]]:
        """Aegra's thread search (``POST /threads/search``) narrowed to ``thread_ids``.

        Aegra 0.6 filters a search only by exact metadata values, and a reviewer's threads are "those waiting in
        any of my queues", so a reviewer's search runs here: Aegra's own request model, table and serialiser,
        plus one ``thread_id IN (…)`` condition. ``query`` must already be a valid ThreadSearchRequest.
        """
        # inside: Aegra loads only in the server process
        from aegra_api.api.threads import _serialize_thread
        from aegra_api.core.database import db_manager
        from aegra_api.core.orm import Thread
        from aegra_api.models.threads import ThreadSearchRequest
        from sqlalchemy.ext.asyncio import AsyncSession

        request = ThreadSearchRequest.model_validate(query)
        stmt = select(Thread).where(Thread.thread_id.in_(sorted(thread_ids)))
        if request.status:
            stmt = stmt.where(Thread.status == request.status)
        for key, value in (request.metadata or {}).items():
            stmt = stmt.where(Thread.metadata_json[key].as_string() == str(value))
        stmt = stmt.order_by(Thread.created_at.desc()).offset(request.offset or 0).limit(request.limit or 20)
        async with AsyncSession(db_manager.get_engine()) as session:
            rows = (await session.scalars(stmt)).all()
        return [_serialize_thread(row).model_dump(mode="json") for row in rows]

    async def snapshot(self, thread_id: str, graph_id: str | None = None) -> ThreadSnapshot:
        """What a run request is checked against: the pending review request (None also for a thread with no
        checkpoint yet), the ids of the messages already in the thread, and the latest checkpoint's id.

        ``graph_id``: the thread's graph, from its metadata (which the caller has already read)."""
        # inside: Aegra loads only in the server process
        from aegra_api.services.langgraph_service import get_langgraph_service

        async with get_langgraph_service().get_graph(graph_id or GRAPH_ID) as graph:
            return _snapshot_of(await graph.aget_state({"configurable": {"thread_id": thread_id}}))


def _snapshot_of(state: Any) -> ThreadSnapshot:
    """ThreadSnapshot of a LangGraph StateSnapshot."""
    if not state.values:
        return ThreadSnapshot(None, frozenset(), None)
    messages = state.values.get("messages", []) if isinstance(state.values, dict) else []
    head = (getattr(state, "config", None) or {}).get("configurable", {}).get("checkpoint_id")
    return ThreadSnapshot(review_request_of(state), frozenset(str(m.id) for m in messages if m.id), head)
