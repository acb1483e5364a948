"""Reviewers working the queue: two resumes at once, assignment, taking a thread over and handing it back."""

from __future__ import annotations

import threading
from typing import Any

from foundation.audit import open_audit_log
from graphs.support.review import InvalidDecision
from service.conversations import (
    NotWaitingForReview,
    ReviewInProgress,
    SupportService,
    open_service,
)
from tests.graph.conftest import refunds_of

REFUND_TEXT = "I want a refund for order 10002, the headphones arrived broken"


def test_two_reviewers_resuming_at_once_apply_one_decision(service: SupportService, database_url: str) -> None:
    service.send("race", REFUND_TEXT, customer_id="C0001")
    assert service.pending_review("race") is not None
    barrier = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def reviewer(name: str) -> None:
        with open_service(database_url) as own:  # each reviewer has their own connection, as two processes would
            barrier.wait()
            try:
                outcomes[name] = own.resume("race", {"decisions": [{"type": "approve"}], "reviewer": name})
            except (ReviewInProgress, NotWaitingForReview) as exc:
                outcomes[name] = exc

    threads = [threading.Thread(target=reviewer, args=(n,)) for n in ("ana", "ben")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    errors = [v for v in outcomes.values() if isinstance(v, Exception)]
    assert len(outcomes) == 2 and len(errors) == 1, outcomes
    assert "race" in str(errors[0]), f"the loser is told which thread: {errors[0]}"
    refunds = refunds_of(database_url, 10002)
    assert len(refunds) == 1 and refunds[0]["amount"] == 349.99, f"exactly one refund, got {refunds}"
    assert service.pending_review("race") is None


def test_assignment_and_sla_show_in_the_queue(service: SupportService, database_url: str) -> None:
    service.send("assign", REFUND_TEXT, customer_id="C0001")
    log = open_audit_log(database_url)
    assert log.assign_review("assign", "carla")
    [item] = [i for i in log.review_items() if i.thread_id == "assign"]
    assert item.assigned_to == "carla"
    assert item.priority in {"normal", "high", "urgent"}
    assert item.sla_due_at > item.created_at
    assert not log.assign_review("no-such-thread", "carla")


def test_a_reviewer_takes_the_thread_over_and_hands_it_back(service: SupportService) -> None:
    service.send("takeover", "I want to talk to a real person please", customer_id="C0002")
    first = service.resume("takeover", {"decisions": [{"type": "respond", "message": "Hi, Dana here. How can I help?"}],
                                        "reviewer": "dana", "take_over": True})
    assert first.replies == ["Hi, Dana here. How can I help?"]
    assert first.values["human_owner"] == "dana"
    assert first.status == "awaiting_customer", "a thread a person owns is not resolved while they own it"

    # While Dana owns the thread the agent does not answer: the customer's message waits for her.
    waiting = service.send("takeover", "where is my order 10005?")
    assert waiting.replies == [], f"the agent answered a thread a human owns: {waiting.replies}"
    request = waiting.review_request
    assert request is not None and request["review_configs"][0]["allowed_decisions"] == ["respond"]
    assert "dana" in request["context"]["reasons"][0]
    try:
        service.resume("takeover", {"decisions": [{"type": "approve"}], "reviewer": "dana"})
    except InvalidDecision as exc:
        assert "not allowed" in str(exc)
    else:
        raise AssertionError("only a reply is possible while a human owns the thread")
    back = service.resume("takeover", {"decisions": [{"type": "respond", "message": "It was delivered; the agent "
                                                       "can help you from here."}],
                                       "reviewer": "dana", "hand_back": True})
    assert back.values["human_owner"] is None

    # Handed back: the agent answers again by itself.
    again = service.send("takeover", "how long does standard delivery take?")
    assert again.review_request is None and again.replies, again


def test_several_held_actions_get_one_decision_each(service: SupportService, database_url: str) -> None:
    report = service.send("two-holds", "The headphones from order 10002 are broken, I want a refund. "
                                       "Also please delete my account.", customer_id="C0001")
    request = report.review_request
    assert request is not None, report.replies
    names = [a["name"] for a in request["action_requests"]]
    assert sorted(names) == ["delete_account", "refund_order"], names
    decisions = [{"type": "approve"} if n == "refund_order" else {"type": "reject", "message": "kept open"}
                 for n in names]
    try:
        service.resume("two-holds", {"decisions": decisions[:1], "reviewer": "eve"})
    except InvalidDecision as exc:
        assert "expected 2 decision(s)" in str(exc)
    else:
        raise AssertionError("one decision for two actions must be refused")
    done = service.resume("two-holds", {"decisions": decisions, "reviewer": "eve"})
    statuses = {s["tool"]: s["status"] for s in done.plan}
    assert statuses["refund_order"] == "done" and statuses["delete_account"] == "rejected", statuses
    assert [r["amount"] for r in refunds_of(database_url, 10002)] == [349.99]


def test_a_claim_left_by_a_dead_resume_expires(service: SupportService, database_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    from foundation.audit import CLAIM_EXPIRES_AFTER

    report = service.send("dead-claim", REFUND_TEXT, customer_id="C0001")
    turn = report.turn
    log = open_audit_log(database_url)
    assert log.claim_review("dead-claim", turn, "gus")  # gus's resume is then killed before it finishes
    later = datetime.now(UTC) + CLAIM_EXPIRES_AFTER + timedelta(minutes=1)
    assert log.claim_review("dead-claim", turn, "hal", now=later), "an expired claim can be taken over"
    assert not log.claim_review("dead-claim", turn, "ivy", now=later), "but only by one reviewer"
    # hal's resume dies too. A live resume would hold the thread (foundation/thread_lock.py); nobody does, so
    # the next resume gives the dead claim back at once and applies its own decision, exactly once.
    report = service.resume("dead-claim", {"decisions": [{"type": "approve"}], "reviewer": "jo"})
    assert report.review_request is None and "349.99" in report.replies[-1], report.replies
    assert [r["approved_by"] for r in refunds_of(database_url, 10002)] == ["jo"]
