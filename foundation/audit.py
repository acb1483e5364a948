"""The audit log and the review-queue index, in the same database as the business store.

Every decision a turn makes (intents, plan, tool calls, confidence with its signals, route, reviewer decision)
is one row of ``audit_events``. ``review_queue`` indexes the threads waiting for a human, so reviewers list them
without scanning checkpoints; an item is due by the deployment's SLA hours (``Policy.sla_due``, unless a
reader passes another policy) and the queue lists the earliest due first. The tables are foundation/audit_tables.py.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from foundation.audit_tables import MIGRATIONS, audit_events, review_queue
from foundation.db import Database, open_database
from foundation.policy import PRIORITIES, Policy
from foundation.settings import get_settings

# A resume that claimed a review but died (killed process) gives the review back after this long.
CLAIM_EXPIRES_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class ClaimRefusal:
    """Why a review could not be claimed; ``in_progress``: another reviewer is resuming it right now."""

    reason: str
    in_progress: bool = False


@dataclass(frozen=True)
class QueueItem:
    thread_id: str
    turn: int
    queue: str
    priority: str
    status: str
    customer_id: str | None
    summary: str
    reasons: list[str]
    confidence: float | None
    assigned_to: str | None
    created_at: datetime
    sla_due_at: datetime  # when a reviewer should have answered: the SLA of the item's priority (Policy)
    claimed_at: datetime | None = None

    def claim_expired(self, now: datetime) -> bool:
        """A resume claimed this review and died: it is open again for everyone."""
        return self.status == "resolving" and (self.claimed_at is None
                                               or _aware(self.claimed_at) < now - CLAIM_EXPIRES_AFTER)


@dataclass
class _Pending:
    db: Database
    rows: list[dict[str, Any]] = field(default_factory=list)


# The records of the block under way (AuditLog.batched), in this thread or task and the ones it starts.
_batch: ContextVar[_Pending | None] = ContextVar("supportgraph_audit_batch", default=None)


class AuditLog:
    """Append-only decision log plus the review-queue index."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, thread_id: str, turn: int, kind: str, payload: dict[str, Any],
               *, latency_ms: float | None = None, at: datetime | None = None) -> None:
        row = {"thread_id": thread_id, "turn": turn, "kind": kind, "payload": _jsonable(payload),
               "latency_ms": latency_ms, "created_at": at or datetime.now(UTC)}
        pending = _batch.get()
        if pending is not None and pending.db is self.db:
            pending.rows.append(row)  # written with the rest of the turn's (``batched``)
            return
        with self.db.single() as conn:  # one insert, nothing to read first: no transaction of its own
            conn.execute(insert(audit_events).values(**row))

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Hold the block's records (a graph step's: one per node, one per tool call) and write them in one
        insert when it ends, however it ends, or when a read of the log needs them first: a step pays one round
        trip for its records instead of one each (and a pooled connection's check-out with each). A process
        killed within the block loses its held records, as it loses the step: the step runs again and records
        them again."""
        if (outer := _batch.get()) is not None and outer.db is self.db:
            yield  # already batched by an outer block: its end writes them
            return
        token = _batch.set(_Pending(self.db))
        try:
            yield
        except BaseException:
            with suppress(Exception):  # what failed the block is what the caller hears
                self.flush()
            raise
        else:
            self.flush()
        finally:
            _batch.reset(token)

    def flush(self) -> None:
        """Write the records held by the batch under way (``batched``), if any.

        On Postgres their commit does not wait for the disk (``synchronous_commit`` off for this transaction
        only: ~5 ms of a turn's latency per step on this machine's disk, where the insert itself takes 0.5).
        The records are visible at once, and durable no later than the run's last commit: a batch is a graph
        step's, the run's last commit (its final checkpoint, or the interrupt that leaves it waiting) comes after
        it and waits for the disk (service/flush_order.py), and Postgres flushes its log in order, so a crash of
        the database either keeps both or loses both (and the step runs again and records them again, as it
        does when the process dies before this insert)."""
        pending = _batch.get()
        if pending is None or pending.db is not self.db or not pending.rows:
            return
        rows, pending.rows = pending.rows, []
        if self.db.dialect != "postgresql":
            with self.db.single() as conn:
                conn.execute(insert(audit_events), rows)
            return
        from psycopg import ClientCursor
        from psycopg.types.json import Json

        # One round trip where a transaction took four (BEGIN, SET LOCAL, the insert, COMMIT): the two statements
        # go as one simple query, which Postgres runs as one implicit transaction (SET LOCAL holds for it alone),
        # with the values bound on the client.
        values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows))
        params = [v for row in rows for v in (row["thread_id"], row["turn"], row["kind"], Json(row["payload"]),
                                               row["latency_ms"], row["created_at"])]
        with self.db.single() as conn, ClientCursor(cast(Any, conn.connection.driver_connection)) as cursor:
            cursor.execute(f"SET LOCAL synchronous_commit TO OFF; INSERT INTO audit_events (thread_id, turn, kind, "
                           f"payload, latency_ms, created_at) VALUES {values}", params)

    def events(self, thread_id: str) -> list[dict[str, Any]]:
        self.flush()  # what this turn recorded so far is part of the log
        with self.db.begin() as conn:
            rows = conn.execute(
                select(audit_events).where(audit_events.c.thread_id == thread_id).order_by(audit_events.c.id)
            ).mappings()
            return [dict(r) for r in rows]

    def open_review(self, *, thread_id: str, turn: int, queue: str, priority: str, customer_id: str | None,
                    summary: str, reasons: list[str], confidence: float | None, at: datetime) -> None:
        """Index a thread as waiting for review; a re-run of the same turn leaves an open entry as it is, a decided
        one opens again (a step went back to the reviewer in the same turn)."""
        try:
            with self.db.begin() as conn:
                conn.execute(insert(review_queue).values(
                    thread_id=thread_id, turn=turn, queue=queue, priority=priority, status="open",
                    customer_id=customer_id, summary=summary, reasons=reasons, confidence=confidence,
                    created_at=at,
                ))
        except IntegrityError:
            with self.db.begin() as conn:
                conn.execute(update(review_queue).where(and_(
                    review_queue.c.thread_id == thread_id, review_queue.c.turn == turn,
                    review_queue.c.status == "resolved")).values(
                    status="open", reasons=reasons, claimed_at=None, resolved_at=None, decision=None))

    def resolve_review(self, thread_id: str, turn: int, decision: dict[str, Any], at: datetime) -> None:
        with self.db.begin() as conn:
            conn.execute(
                update(review_queue)
                .where(and_(review_queue.c.thread_id == thread_id, review_queue.c.turn == turn))
                .values(status="resolved", resolved_at=at, decision=_jsonable(decision))
            )

    def claim_review(self, thread_id: str, turn: int, reviewer: str, *, now: datetime | None = None) -> bool:
        """Atomically take an open review for resuming; False if another reviewer got there first.

        A thread assigned to someone else can still be claimed: assignment says who should work on it, the
        claim says who is resuming it right now. A claim older than CLAIM_EXPIRES_AFTER belongs to a resume
        that died, and can be taken over.
        """
        now = now or datetime.now(UTC)
        claimable = _waiting(now)
        query = (update(review_queue)
                 .where(and_(review_queue.c.thread_id == thread_id, review_queue.c.turn == turn, claimable))
                 .values(status="resolving", assigned_to=reviewer, claimed_at=now))
        if self.db.dialect == "postgresql":
            # Its commit does not wait for the disk (service/flush_order.py): the resume it starts commits after
            # it and waits, and a crash of the database that loses the claim loses what the resume did with it.
            # Evaluated for the row it claims, before that row is changed.
            query = query.where(func.set_config("synchronous_commit", "off", True) == "off")
        with self.db.single() as conn:  # one UPDATE, atomic by itself: no transaction of its own
            return conn.execute(query).rowcount == 1

    def claim_review_or_reason(self, thread_id: str, turn: int, reviewer: str) -> ClaimRefusal | None:
        """Claim the review (None), or say why it cannot be: another reviewer is on it, it was already decided,
        or the queue has no entry for that turn. Every host that resumes a thread claims it through this."""
        if self.claim_review(thread_id, turn, reviewer):
            return None
        item = self.review_item(thread_id, turn)
        if item is not None and item.status == "resolving":
            return ClaimRefusal(f"thread {thread_id!r} is already being resumed by {item.assigned_to}",
                                in_progress=True)
        if item is not None:
            return ClaimRefusal(f"thread {thread_id!r} is not waiting for a review (it was {item.status})")
        return ClaimRefusal(f"thread {thread_id!r} has no entry in the review queue for turn {turn}")

    def release_review(self, thread_id: str, turn: int) -> None:
        """Give a claimed review back to the queue (the resume failed before the decision was applied)."""
        with self.db.begin() as conn:
            conn.execute(
                update(review_queue)
                .where(and_(review_queue.c.thread_id == thread_id, review_queue.c.turn == turn,
                            review_queue.c.status == "resolving"))
                .values(status="open", claimed_at=None)
            )

    def reopen_review(self, thread_id: str, turn: int) -> None:
        """The checkpoint still waits on this review, so it is open, whatever an interrupted resume left in its
        row (a claim, or a resolution whose effect never became durable). Called with the thread's lock held."""
        with self.db.begin() as conn:
            conn.execute(
                update(review_queue)
                .where(and_(review_queue.c.thread_id == thread_id, review_queue.c.turn == turn,
                            review_queue.c.status != "open"))
                .values(status="open", claimed_at=None, resolved_at=None, decision=None)
            )

    def unsettled_reviews(self, thread_id: str | None = None, *, policy: Policy | None = None) -> list[QueueItem]:
        """Reviews not resolved (open or claimed), of one thread or of all."""
        query = select(review_queue).where(review_queue.c.status != "resolved")
        if thread_id is not None:
            query = query.where(review_queue.c.thread_id == thread_id)
        with self.db.single() as conn:  # one read: no transaction of its own
            return [_item(r, policy) for r in conn.execute(query).mappings()]

    def assign_review(self, thread_id: str, reviewer: str) -> bool:
        """Assign the thread's open review to ``reviewer``; False when it has none open."""
        with self.db.begin() as conn:
            result = conn.execute(
                update(review_queue)
                .where(and_(review_queue.c.thread_id == thread_id, review_queue.c.status == "open"))
                .values(assigned_to=reviewer)
            )
            return result.rowcount > 0

    def review_item(self, thread_id: str, turn: int, *, policy: Policy | None = None) -> QueueItem | None:
        with self.db.single() as conn:  # one read: no transaction of its own
            row = conn.execute(select(review_queue).where(
                and_(review_queue.c.thread_id == thread_id, review_queue.c.turn == turn))).mappings().first()
        return _item(row, policy) if row else None

    def review_items(self, *, status: str | None = "open", queue: str | None = None,
                     policy: Policy | None = None) -> list[QueueItem]:
        """Waiting threads, most urgent first: the earliest SLA due time (``policy``'s hours, the deployment's
        by default), then the higher priority, then the oldest. ``status="open"`` includes reviews whose claim
        expired (the resume that claimed them died): they are back in the queue."""
        query = select(review_queue)
        if status == "open":
            query = query.where(_waiting(datetime.now(UTC)))
        elif status:
            query = query.where(review_queue.c.status == status)
        if queue:
            query = query.where(review_queue.c.queue == queue)
        with self.db.begin() as conn:
            rows = list(conn.execute(query).mappings())
        rank: dict[str, int] = {priority: n for n, priority in enumerate(PRIORITIES)}
        items = [_item(r, policy) for r in rows]
        return sorted(items, key=lambda i: (i.sla_due_at, rank.get(i.priority, len(rank)), i.created_at))


def _waiting(now: datetime) -> Any:
    """Reviews a reviewer may take: open ones, and claimed ones whose claim expired."""
    return or_(
        review_queue.c.status == "open",
        and_(review_queue.c.status == "resolving",
             or_(review_queue.c.claimed_at.is_(None), review_queue.c.claimed_at < now - CLAIM_EXPIRES_AFTER)),
    )


def _item(row: Any, policy: Policy | None) -> QueueItem:
    """The queue item of ``row``, due by ``policy`` (the deployment's when None); an unknown priority is due as a
    normal one."""
    values = {k: row[k] for k in QueueItem.__dataclass_fields__ if k != "sla_due_at"}
    values["created_at"] = _aware(values["created_at"])  # SQLite hands back naive UTC datetimes
    if values["claimed_at"] is not None:
        values["claimed_at"] = _aware(values["claimed_at"])
    priority = values["priority"] if values["priority"] in PRIORITIES else "normal"
    due = (policy or get_settings().policy()).sla_due(values["created_at"], priority)
    item = QueueItem(**values, sla_due_at=due)
    return replace(item, status="open") if item.claim_expired(datetime.now(UTC)) else item


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


_logs: dict[str, AuditLog] = {}
_lock = threading.Lock()


def open_audit_log(url: str) -> AuditLog:
    """The process-wide audit log for ``url``, migrated on first use."""
    with _lock:
        log = _logs.get(url)
        if log is None:
            db = open_database(url)
            db.migrate("audit", MIGRATIONS)
            log = _logs[url] = AuditLog(db)
        return log


def forget_audit_log(url: str) -> None:
    with _lock:
        _logs.pop(url, None)
