"""A review decision and its effect are one durable unit; a turn cut short is finished on the next touch.

Each test stops a turn at a crash point (foundation/crash.py) as ``kill -9`` would, then touches the thread
again and checks the store: every approved movement happened exactly once, the customer was told what was
done, and the thread is resumable. Runs on SQLite and Postgres.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from foundation.audit import AuditLog, open_audit_log
from service.conversations import NotWaitingForReview, SupportService
from tests.faults.conftest import Killed
from tests.graph.conftest import message_count, refunds_of
from tools.store import open_store
from tools.store.schema import operations

THREAD = "durable"
REFUND_TEXT = "I want a refund for order 10002, the headphones arrived broken"  # $349.99: needs a reviewer
SMALL_REFUND = "I'd like a refund for order 10004"  # $14.99: the agent refunds it itself
APPROVE: dict[str, Any] = {"decisions": [{"type": "approve"}], "reviewer": "ana"}


def _waiting(service: SupportService) -> None:
    report = service.send(THREAD, REFUND_TEXT, customer_id="C0001")
    assert report.review_request is not None, report.status


def _values(service: SupportService) -> dict[str, Any]:
    return dict(service.graph.get_state({"configurable": {"thread_id": THREAD}}).values)


def _replies(service: SupportService) -> list[str]:
    return [str(m.content) for m in _values(service)["messages"] if m.type == "ai"]


def test_a_resume_killed_after_the_refund_is_finished_on_the_next_read(
        service: SupportService, database_url: str, kill_at: Callable[[str], None],
        revive: Callable[[], None]) -> None:
    _waiting(service)
    kill_at("store:1")  # the refund has committed; the step's result is not checkpointed yet
    with pytest.raises(Killed):
        service.resume(THREAD, APPROVE)
    revive()
    assert len(refunds_of(database_url, 10002)) == 1
    assert service.pending_review(THREAD) is None, "the approved run was not finished"
    rows = refunds_of(database_url, 10002)
    assert [(r["amount"], r["approved_by"]) for r in rows] == [(349.99, "ana")], rows
    assert "349.99" in _replies(service)[-1], _replies(service)
    assert "already" not in _replies(service)[-1], _replies(service)
    [item] = open_audit_log(database_url).review_items(status=None)
    assert item.status == "resolved", item
    with pytest.raises(NotWaitingForReview):
        service.resume(THREAD, APPROVE)
    assert len(refunds_of(database_url, 10002)) == 1


def test_a_resume_killed_before_the_decision_is_durable_gives_the_review_back(
        service: SupportService, database_url: str, kill_at: Callable[[str], None],
        revive: Callable[[], None]) -> None:
    _waiting(service)
    kill_at("claim:1")
    with pytest.raises(Killed):
        service.resume(THREAD, APPROVE)
    revive()
    service.recover_claimed_reviews()  # what `supportgraph review list` does first
    [item] = open_audit_log(database_url).review_items()
    assert (item.thread_id, item.status) == (THREAD, "open"), item
    report = service.resume(THREAD, APPROVE)
    assert report.review_request is None and "349.99" in report.replies[-1], report.replies
    assert len(refunds_of(database_url, 10002)) == 1


def test_a_review_is_resolved_only_with_its_decision(service: SupportService, database_url: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The human_review node dies after it has worked out the decision, before its result is stored."""
    _waiting(service)
    record = AuditLog.record

    def die_at_the_decision(self: AuditLog, thread_id: str, turn: int, kind: str, *args: Any, **kw: Any) -> None:
        if kind == "review_decision":
            raise Killed
        record(self, thread_id, turn, kind, *args, **kw)

    monkeypatch.setattr(AuditLog, "record", die_at_the_decision)
    with pytest.raises(Killed):
        service.resume(THREAD, APPROVE)
    monkeypatch.undo()
    [item] = open_audit_log(database_url).review_items(status=None)
    assert item.status != "resolved", "the review was marked done before its decision was durable"
    assert refunds_of(database_url, 10002) == []
    # The next read finishes the decision if the reviewer's answer became durable, else gives the review back.
    if service.pending_review(THREAD) is not None:
        [item] = open_audit_log(database_url).review_items()
        assert item.status == "open" and refunds_of(database_url, 10002) == [], item
        service.resume(THREAD, APPROVE)
    [item] = open_audit_log(database_url).review_items(status=None)
    assert item.status == "resolved", item
    assert "349.99" in _replies(service)[-1], _replies(service)
    assert len(refunds_of(database_url, 10002)) == 1


def test_an_expired_claim_is_back_in_the_queue(service: SupportService, database_url: str) -> None:
    _waiting(service)
    audit = open_audit_log(database_url)
    assert audit.claim_review(THREAD, 1, "gone", now=datetime.now(UTC) - timedelta(minutes=11))
    assert [i.thread_id for i in audit.review_items()] == [THREAD]
    assert service.resume(THREAD, APPROVE).review_request is None
    assert len(refunds_of(database_url, 10002)) == 1


def test_a_send_killed_after_the_refund_is_completed_and_told_truthfully_on_retry(
        service: SupportService, database_url: str, kill_at: Callable[[str], None],
        revive: Callable[[], None]) -> None:
    kill_at("store:1")
    with pytest.raises(Killed):
        service.send(THREAD, SMALL_REFUND, customer_id="C0001")
    revive()
    assert len(refunds_of(database_url, 10004)) == 1
    report = service.send(THREAD, SMALL_REFUND, customer_id="C0001")  # the customer's retry
    assert report.replies and "14.99" in report.replies[-1], report.replies
    assert "already" not in " ".join(report.replies), report.replies
    assert len(refunds_of(database_url, 10004)) == 1
    customer_messages = [m for m in _values(service)["messages"] if m.type == "human"]
    assert [str(m.content) for m in customer_messages] == [SMALL_REFUND]
    assert message_count(service, THREAD) == 2


def test_every_checkpoint_write_is_a_safe_place_to_die(service: SupportService, database_url: str,
                                                       kill_at: Callable[[str], None],
                                                       revive: Callable[[], None]) -> None:
    """Kill an approved resume after each of its checkpoint writes in turn: one touch finishes each, and
    each approval refunds its $10 exactly once."""
    threads = []
    for n in range(1, 12):
        thread = f"{THREAD}-{n}"
        threads.append(thread)
        request = service.send(thread, REFUND_TEXT, customer_id="C0001").review_request
        assert request is not None
        edit = {"type": "edit", "edited_action": {"name": "refund_order",
                                                  "args": {**request["action_requests"][0]["args"], "amount": 10}}}
        kill_at(f"checkpoint:{n}")
        try:
            service.resume(thread, {"decisions": [edit], "reviewer": "ana"})
            finished = True
        except Killed:
            finished = False
        revive()
        assert service.pending_review(thread) is None, f"checkpoint:{n}: the thread still waits"
        state = service.graph.get_state({"configurable": {"thread_id": thread}})
        assert not state.next, f"checkpoint:{n}: the run was left unfinished {state.next}"
        assert "10.00" in str(state.values["messages"][-1].content), (n, state.values["messages"][-1])
        if finished:
            break
    with open_store(database_url).db.begin() as conn:
        keys = list(conn.execute(select(operations.c.key).where(operations.c.key.like(f"{THREAD}-%"))).scalars())
    assert sorted(k.split(":")[0] for k in keys) == sorted(threads), keys
    assert [r["amount"] for r in refunds_of(database_url, 10002)] == [10.0] * len(threads)
    assert all(i.status == "resolved" for i in open_audit_log(database_url).review_items(status=None))
