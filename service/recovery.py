"""Finishing what a crash left on a thread: a run cut short, and review-queue rows the checkpoint contradicts.

The checkpoint is the truth. A process killed mid-turn leaves the thread's latest checkpoint with tasks still to
run; the next turn on the thread (holding its lock, foundation/thread_lock.py) resumes that run before anything
else. The run's writes are idempotent per thread, turn and step (tools/common.py ``idempotent_write``), so a
refund that committed before the crash is not issued again: the resumed step gets the first call's result back,
and the reply tells the customer what was done.

The review queue follows the checkpoint: a review the thread still waits on is open (whatever a resume that
died left in its row), and one it no longer waits on is resolved.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from foundation.audit import QueueItem, open_audit_log
from foundation.db import database_failure
from graphs.support.deps import last_customer_text
from graphs.support.review import queue_entry

if TYPE_CHECKING:
    from langgraph.types import StateSnapshot

    from service.conversations import SupportService, TurnReport

log = logging.getLogger(__name__)


def recover_thread(service: SupportService, thread_id: str) -> tuple[TurnReport | None, StateSnapshot]:
    """Resume the thread's unfinished run, if any, then settle its reviews; the caller holds the thread.
    Returns the report of the turn it finished (if any) and the thread's state as it leaves it."""
    from service.conversations import _review_request

    config = service._config(thread_id)
    live = service.graph.get_state(config)
    if not live.values:
        return None, live
    finished = None
    if _review_request(live) is None and unfinished(service, live):
        started = time.perf_counter()
        log.warning("thread %s: resuming a run that was cut short", thread_id)
        try:
            service.graph.invoke(None, config, context=service.context, durability="sync")
        except Exception as exc:
            if database_failure(exc):
                raise  # nothing can be finished now; the next touch tries again
            # The run fails again by itself (not for want of a database): it is rolled back instead. The next
            # input starts a new run, and LangGraph discards the unfinished tasks of the old one.
            log.exception("thread %s: the run cut short fails again; rolling it back", thread_id)
            return None, service.graph.get_state(config)
        live = service.graph.get_state(config)
        # The finished turn: from its customer message (which a crash right after the input was stored may
        # not have shown before the run went on) to the replies it ended with.
        messages = list(live.values.get("messages", []))
        before = next((i + 1 for i in range(len(messages) - 1, -1, -1) if messages[i].type == "human"), 0)
        finished = service.report(thread_id, before, last_customer_text(messages) or None,
                                  (time.perf_counter() - started) * 1000)
    settle_reviews(service, thread_id, live)
    return finished, live


def unfinished(service: SupportService, live: StateSnapshot) -> bool:
    """Does the thread's latest checkpoint have work left (tasks not run, or run but not followed up)?

    ``live`` is the current view (finished tasks folded in); the checkpoint as recorded lists every task of
    its step, so a step whose tasks all finished before the next checkpoint was written still counts."""
    if live.next:
        return True
    recorded = service.graph.get_state(live.config)
    return bool(recorded.next)


def settle_reviews(service: SupportService, thread_id: str, live: StateSnapshot) -> None:
    """Bring the thread's review-queue rows in line with its checkpoint (the caller holds the thread)."""
    from service.conversations import _review_request

    settle_rows(service.context.database_url, thread_id, _review_request(live), dict(live.values.get("review") or {}))


def settle_rows(database_url: str, thread_id: str, pending: Mapping[str, Any] | None, review: Mapping[str, Any],
                *, claims_are_dead: bool = False) -> None:
    """The review-queue rows of a thread, set by what its checkpoint says: the review it waits on
    (``pending``, a review request) is open, and the others are resolved (with the decision in ``review``,
    the thread's last review, when it is theirs). The caller holds the thread; ``claims_are_dead``: it also
    knows that no run is under way anywhere, so a claim left on the open review belongs to a resume that died.
    """
    audit = open_audit_log(database_url)
    waiting_turn = int(pending["context"]["turn"]) if pending else None
    now = datetime.now(UTC)
    unsettled = audit.unsettled_reviews(thread_id)
    for item in unsettled:
        if item.turn == waiting_turn:
            continue
        decided = review.get("decision") if review.get("turn") == item.turn else None
        audit.resolve_review(thread_id, item.turn, decided or {"settled": "the thread no longer waits on it"},
                             at=now)
    if pending is None or waiting_turn is None:
        return
    # The review waited on is usually among the unsettled ones: read it again only when it is not.
    row = next((i for i in unsettled if i.turn == waiting_turn), None) or audit.review_item(thread_id, waiting_turn)
    if row is None:
        audit.open_review(**queue_entry(thread_id, pending["context"]))
    elif row.status != "open" and (claims_are_dead or not _someone_on_it(database_url, thread_id, row, now)):
        audit.reopen_review(thread_id, waiting_turn)


def _someone_on_it(database_url: str, thread_id: str, item: QueueItem, now: datetime) -> bool:
    """Is a resume of this review still under way somewhere? Not in a process of this kind (it would hold the
    thread's lock); an API server's run holds no lock, but it has a run in progress in Aegra's table, and its
    claim expires."""
    if item.status != "resolving" or item.claim_expired(now):
        return False
    return api_run_in_progress(database_url, thread_id)


_RUNS_TABLE_SEEN: set[str] = set()  # databases where Aegra's runs table exists (it is never dropped)


def api_run_in_progress(database_url: str, thread_id: str) -> bool:
    """Whether the API server (Aegra, Postgres only) has a run pending or running on the thread.

    Two reads of their own, outside a transaction (autocommit: no BEGIN and COMMIT round trips); the first, whether
    the API server's tables exist at all, only until they do."""
    if not database_url.startswith(("postgresql", "postgres://")):
        return False
    from sqlalchemy import text
    from sqlalchemy.exc import ProgrammingError

    from foundation.db import open_database

    with open_database(database_url).single() as conn:
        if database_url not in _RUNS_TABLE_SEEN:
            if conn.exec_driver_sql("SELECT to_regclass('public.runs')").scalar() is None:
                return False
            _RUNS_TABLE_SEEN.add(database_url)
        try:
            found = conn.execute(text("SELECT 1 FROM runs WHERE thread_id = :t AND status IN ('pending', "
                                      "'running') LIMIT 1"), {"t": thread_id}).first()
        except ProgrammingError as exc:  # a database dropped and made again under the same name, without them
            if type(exc.orig).__name__ != "UndefinedTable":
                raise
            _RUNS_TABLE_SEEN.discard(database_url)
            return False
    return found is not None


def settle_after_failure(service: SupportService, thread_id: str) -> None:
    """A resume failed: settle the review by what became durable (reopen it if the decision did not)."""
    from service.conversations import _review_request

    try:
        live = service.graph.get_state(service._config(thread_id))
        if _review_request(live) is None and unfinished(service, live):
            return  # the answer is durable, its run is not finished: the next touch finishes it, then settles
        settle_reviews(service, thread_id, live)
    except Exception:  # the database itself may be what failed; the next turn settles it
        log.exception("thread %s: could not settle the review after a failed resume", thread_id)
