"""Talking to the support graph from a host process: send a customer message, resume a reviewed thread.

The CLI, the demo and the tests all go through :class:`SupportService`, which compiles the graph with the
configured checkpointer and checks input before it enters a thread, so a bad message or a bad decision is
refused with a reason and never stored.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.types import Command, Interrupt, StateSnapshot

from foundation.audit import open_audit_log
from foundation.blas import one_blas_thread
from foundation.crash import crash_point
from foundation.settings import get_settings
from foundation.thread_lock import ThreadBusy as LockBusy
from foundation.thread_lock import thread_lock
from graphs.reasoners.local.embedder import embed
from graphs.reasoners.local.router import load_router
from graphs.support.context import Context
from graphs.support.csat import Rating, check_score, record_rating
from graphs.support.graph import builder
from graphs.support.messages import check_message
from graphs.support.review import ReviewRequest, parse_response
from graphs.support.warm import warm_turn
from service.checkpointer import open_checkpointer
from service.recovery import api_run_in_progress, recover_thread, settle_after_failure
from service.review_index import IndexingPostgresSaver, IndexingSqliteSaver
from tools.store import open_store

MAX_THREAD_ID = 200
TURN_WAIT_SECONDS = 60.0  # how long a turn waits for another turn on the same thread before it is refused


class SupportError(Exception):
    """A request the service refuses, with one line a person can act on."""


class UnknownThread(SupportError):
    pass


class NotWaitingForReview(SupportError):
    pass


class WaitingForReview(SupportError):
    pass


class ReviewInProgress(SupportError):
    pass


class ThreadBusy(SupportError):
    """Another turn holds the thread for longer than this one may wait (foundation/thread_lock.py)."""


@dataclass
class TurnReport:
    """What one turn did, for printing and for tests."""

    thread_id: str
    turn: int
    customer_message: str | None
    understanding: dict[str, Any] | None
    plan: list[dict[str, Any]]
    assessment: dict[str, Any] | None
    replies: list[str]
    review_request: ReviewRequest | None
    review: dict[str, Any] | None
    status: str
    latency_ms: float
    customer: dict[str, Any] | None = None
    values: dict[str, Any] = field(default_factory=dict, repr=False)


class SupportService:
    """The support graph with a checkpointer, plus the input checks every host needs.

    Every turn holds its thread's lock (foundation/thread_lock.py) and starts by finishing whatever a crash
    left: a run cut short is resumed from its last checkpoint (its writes are idempotent per turn and step, so
    nothing is done twice), and the review queue is brought in line with the checkpoint (service/recovery.py).
    """

    def __init__(self, checkpointer: Any, context: Context, *, lock_wait: float = TURN_WAIT_SECONDS) -> None:
        self.graph = builder.compile(checkpointer=checkpointer, name="support")
        if isinstance(checkpointer, IndexingSqliteSaver | IndexingPostgresSaver):
            context = replace(context, review_index_by_checkpointer=True)
        self.context = context
        self.lock_wait = lock_wait

    @staticmethod
    def _config(thread_id: str) -> RunnableConfig:
        return {"configurable": {"thread_id": thread_id}}

    @staticmethod
    def check_thread_id(thread_id: str) -> str:
        if not thread_id or len(thread_id) > MAX_THREAD_ID or not thread_id.isprintable():
            raise SupportError(f"invalid thread id {thread_id[:40]!r}: use 1–{MAX_THREAD_ID} printable characters")
        return thread_id

    def warm_up(self) -> None:
        """Open the business store, load the intent router and what a turn loads once (graphs/support/warm.py)
        now rather than on the first message."""
        open_store(self.context.database_url)
        load_router()
        embed(["warm up"])
        warm_turn(self.context.database_url)

    def exists(self, thread_id: str) -> bool:
        return bool(self.graph.get_state(self._config(thread_id)).values)

    @contextmanager
    def turn(self, thread_id: str, *, wait: float | None = None) -> Iterator[None]:
        """Hold the thread for one turn (ThreadBusy if another turn keeps it longer than ``wait`` seconds)."""
        try:
            with thread_lock(self.context.database_url, self.check_thread_id(thread_id),
                             wait=self.lock_wait if wait is None else wait):
                if api_run_in_progress(self.context.database_url, thread_id):
                    raise ThreadBusy(f"thread {thread_id!r} has a run in progress on the API server; "
                                     "try again when it has finished")
                yield
        except LockBusy as exc:
            raise ThreadBusy(str(exc)) from None

    def recover(self, thread_id: str) -> TurnReport | None:
        """Finish what a crash left on the thread (call it holding the thread): resume a run cut short, and
        settle the review queue by the checkpoint. Returns the report of the turn it finished, if any."""
        return recover_thread(self, thread_id)[0]

    def recover_claimed_reviews(self) -> None:
        """Recover every thread whose review a resume claimed and that no turn holds now (its resumer died)."""
        for item in open_audit_log(self.context.database_url).unsettled_reviews():
            if item.claimed_at is None:
                continue
            try:
                with self.turn(item.thread_id, wait=0):
                    self.recover(item.thread_id)
            except ThreadBusy:
                continue  # being worked on right now

    def pending_review(self, thread_id: str) -> ReviewRequest | None:
        """The review request a thread waits on, or None (after recovering the thread)."""
        with self.turn(thread_id):
            return self._pending(thread_id, recover_thread(self, thread_id)[1])

    def _pending(self, thread_id: str, snapshot: StateSnapshot | None = None) -> ReviewRequest | None:
        if snapshot is None:
            snapshot = self.graph.get_state(self._config(thread_id))
        if not snapshot.values:
            raise UnknownThread(f"no conversation with thread id {thread_id!r}")
        return _review_request(snapshot)

    def send(self, thread_id: str, text: str, *, customer_id: str | None = None) -> TurnReport:
        """Run one customer turn; refuses bad input and threads that wait for a human."""
        self.check_thread_id(thread_id)
        clean = check_message(text)
        config = self._config(thread_id)
        with self.turn(thread_id):
            finished, snapshot = recover_thread(self, thread_id)
            if finished is not None and finished.customer_message == clean:
                return finished  # the message was taken before the crash: this is its retry, answered now
            if snapshot.values and _review_request(snapshot) is not None:
                raise WaitingForReview(f"thread {thread_id!r} is waiting for a human reviewer; "
                                       f"resume it with: supportgraph review resume {thread_id} …")
            if customer_id is not None and not snapshot.values:
                # Checked when a thread starts: that is when the sign-in is taken into the state. A customer
                # whose account a reviewer deleted during the thread may still answer in it (the id given with
                # later messages is not read again).
                self._check_customer(customer_id)
            before = len(snapshot.values.get("messages", [])) if snapshot.values else 0
            payload: Any = {"messages": [HumanMessage(content=clean)]}
            if customer_id and not snapshot.values:
                payload["customer_id"] = customer_id
            started = time.perf_counter()
            output = self.graph.invoke(payload, config, context=self.context, durability="sync")
            return self.report(thread_id, before, clean, (time.perf_counter() - started) * 1000, output)

    def _check_customer(self, customer_id: str) -> None:
        """Refuse a signed-in customer id the CRM does not know (an unreachable CRM decides nothing here)."""
        from tools.crm.backend import crm_backend
        from tools.store import open_store

        store = open_store(self.context.database_url)
        try:
            known = crm_backend(store).get_ref(customer_id) is not None
        except Exception:  # an outage: the turn itself reports it as a failed step
            return
        if not known:
            raise SupportError(f"unknown customer {customer_id!r}: see `supportgraph customers`")

    def resume(self, thread_id: str, decision: dict[str, Any]) -> TurnReport:
        """Resume a thread waiting for review with a reviewer's decision (validated before anything runs).

        The review is resolved in the transaction that makes the decision durable in the checkpoint
        (service/review_index.py); a resume that fails before that gives the review back to the queue."""
        config = self._config(thread_id)
        with self.turn(thread_id):
            live = recover_thread(self, thread_id)[1]
            request = self._pending(thread_id, live)
            if request is None:
                raise NotWaitingForReview(f"thread {thread_id!r} is not waiting for a review")
            response = parse_response(decision, request)
            turn = int(request["context"]["turn"])
            audit = open_audit_log(self.context.database_url)
            # A reviewer on the API may press the button at the same time: the review-queue row is claimed
            # atomically first, so exactly one decision is applied and the other reviewer hears who is on it.
            refusal = audit.claim_review_or_reason(thread_id, turn, response.reviewer)
            if refusal is not None:
                raise (ReviewInProgress if refusal.in_progress else NotWaitingForReview)(refusal.reason)
            crash_point("claim")
            before = len(live.values.get("messages", []))  # the claim changes nothing in the checkpoint
            started = time.perf_counter()
            command: Command[Any] = Command(resume=decision)
            try:
                output = self.graph.invoke(command, config, context=self.context, durability="sync")
            except BaseException:
                settle_after_failure(self, thread_id)
                raise
            return self.report(thread_id, before, None, (time.perf_counter() - started) * 1000, output)

    def rate(self, thread_id: str, score: int | str, comment: str | None = None) -> None:
        """Store the customer's 1–5 satisfaction rating of a conversation (graphs/support/csat.py).

        Refuses an unknown thread, a score off the scale and an invalid comment; the thread's latest rating
        is the one the metrics count.
        """

        try:
            value = check_score(score)
        except ValueError as exc:
            raise SupportError(str(exc)) from None
        snapshot = self.graph.get_state(self._config(self.check_thread_id(thread_id)))
        if not snapshot.values:
            raise UnknownThread(f"no conversation with thread id {thread_id!r}")
        note = check_message(comment) if comment is not None and comment.strip() else None
        at = self.context.now() if self.context.clock else datetime.now(UTC)
        record_rating(open_audit_log(self.context.database_url), thread_id, int(snapshot.values.get("turn", 0)),
                      Rating(value, note), source="api", at=at)

    def report(self, thread_id: str, before: int, text: str | None, latency_ms: float,
               output: dict[str, Any] | None = None) -> TurnReport:
        """What the turn did: from the run's ``output`` (the state it ended with, and its interrupts) when given,
        else read from the checkpoint."""
        if output is None:
            snapshot = self.graph.get_state(self._config(thread_id))
            values, interrupts = dict(snapshot.values), tuple(snapshot.interrupts)
        else:
            values = {k: v for k, v in output.items() if k != "__interrupt__"}
            interrupts = tuple(output.get("__interrupt__", ()))
        messages = values.get("messages", [])
        replies = [str(m.content) for m in messages[before:] if m.type == "ai"]
        return TurnReport(
            thread_id=thread_id,
            turn=values.get("turn", 0),
            customer_message=text,
            understanding=values.get("understanding"),
            plan=list(values.get("plan", [])),
            assessment=values.get("assessment"),
            replies=replies,
            review_request=_review_request_among(interrupts),
            review=values.get("review"),
            status=values.get("status", "active"),
            latency_ms=latency_ms,
            customer=values.get("customer"),
            values=values,
        )


def _review_request(snapshot: StateSnapshot) -> ReviewRequest | None:
    """The human-review request among a state snapshot's pending interrupts, if any."""
    return _review_request_among(snapshot.interrupts)


def _review_request_among(interrupts: Sequence[Interrupt]) -> ReviewRequest | None:
    for item in interrupts:
        value = item.value
        if isinstance(value, dict) and "action_requests" in value:
            return value  # type: ignore[return-value]
    return None


@contextmanager
def open_service(database_url: str | None = None, **context: Any) -> Iterator[SupportService]:
    """A :class:`SupportService` on ``database_url`` (default: the configured one), closed on exit.

    A business store that cannot serve (not migrated, or empty) raises ``StoreNotReady`` here, before anything is
    written: its message says what to run."""
    url = database_url or get_settings().resolved_database_url()
    open_store(url)
    one_blas_thread()
    with open_checkpointer(url) as saver:
        yield SupportService(saver, Context(database_url=url, **context))
