"""Human-in-the-loop review on each checkpointer: the interrupt request, every decision type, refused
resumes, and a reviewer resuming from another process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from foundation.audit import open_audit_log
from graphs.support.review import InvalidDecision
from service.conversations import NotWaitingForReview, SupportService, TurnReport, WaitingForReview
from tests.graph.conftest import message_count, refunds_of

THREAD = "refund-review"
REFUND_TEXT = "I want a refund for order 10002, the headphones arrived broken"


def _interrupt(service: SupportService) -> TurnReport:
    report = service.send(THREAD, REFUND_TEXT, customer_id="C0001")
    assert report.status == "awaiting_review", f"status {report.status!r}, expected awaiting_review"
    assert report.review_request is not None, "a $349.99 refund must wait for a reviewer"
    return report


def _refund_args(report: TurnReport, **changes: Any) -> dict[str, Any]:
    assert report.review_request is not None
    return {**report.review_request["action_requests"][0]["args"], **changes}


def test_refund_above_the_limit_interrupts_for_review(service: SupportService, database_url: str) -> None:
    report = _interrupt(service)
    request = report.review_request
    assert request is not None
    assert service.pending_review(THREAD) == request, "pending_review must return the same request"
    actions = request["action_requests"]
    assert [a["name"] for a in actions] == ["refund_order"], f"actions {actions}"
    assert actions[0]["args"]["order_id"] == 10002, actions[0]
    assert "$349.99" in actions[0]["description"], actions[0]["description"]
    configs = request["review_configs"]
    assert len(configs) == 1 and configs[0]["action_name"] == "refund_order", configs
    assert configs[0]["allowed_decisions"] == ["approve", "edit", "reject", "respond"], configs[0]
    assert "amount" in configs[0]["args_schema"]["properties"], configs[0]["args_schema"]
    context = request["context"]
    for key in ("customer", "conversation", "intents", "plan", "confidence", "signals", "reasons"):
        assert key in context, f"review context lacks {key!r}: {sorted(context)}"
    assert context["customer"]["customer_id"] == "C0001", context["customer"]
    assert context["conversation"][0] == {"role": "customer", "text": REFUND_TEXT}, context["conversation"]
    assert [i["intent"] for i in context["intents"]] == ["get_refund"], context["intents"]
    assert [s["tool"] for s in context["plan"]] == ["get_order", "get_refund_status", "refund_order"], context["plan"]
    assert isinstance(context["confidence"], float) and context["signals"], context
    assert any("above the $100.00 limit" in r for r in context["reasons"]), context["reasons"]
    assert refunds_of(database_url, 10002) == [], "nothing may be refunded before a reviewer approves"

    items = open_audit_log(database_url).review_items()
    assert [(i.thread_id, i.turn, i.queue, i.status, i.customer_id) for i in items] == [
        (THREAD, 1, "billing", "open", "C0001")], f"review queue {items}"


def test_approve_executes_the_refund(service: SupportService, database_url: str) -> None:
    _interrupt(service)
    report = service.resume(THREAD, {"decisions": [{"type": "approve"}], "reviewer": "alice"})
    rows = refunds_of(database_url, 10002)
    assert [(r["amount"], r["approved_by"]) for r in rows] == [(349.99, "alice")], f"refunds {rows}"
    assert report.status == "resolved", report.status
    assert service.pending_review(THREAD) is None, "the thread still waits after the decision"
    assert "$349.99" in report.replies[-1], report.replies
    assert report.review is not None and report.review["reviewer"] == "alice", report.review
    assert open_audit_log(database_url).review_items() == [], "the queue row is still open"
    resolved = open_audit_log(database_url).review_items(status="resolved")
    assert [(i.thread_id, i.status) for i in resolved] == [(THREAD, "resolved")], resolved
    kinds = [e["kind"] for e in open_audit_log(database_url).events(THREAD)]
    assert "review_decision" in kinds, kinds


def test_edit_refunds_the_edited_amount(service: SupportService, database_url: str) -> None:
    report = _interrupt(service)
    edited = {"name": "refund_order", "args": _refund_args(report, amount=100.00)}
    done = service.resume(THREAD, {"decisions": [{"type": "edit", "edited_action": edited}], "reviewer": "bob"})
    rows = refunds_of(database_url, 10002)
    assert [(r["amount"], r["approved_by"]) for r in rows] == [(100.0, "bob")], f"refunds {rows}"
    assert done.status == "resolved", done.status
    assert "$100.00" in done.replies[-1], done.replies


@pytest.mark.parametrize("change", [{"amount": -5}, {"currency": "EUR"}], ids=["negative-amount", "unknown-field"])
def test_invalid_edit_is_refused_and_the_thread_keeps_waiting(service: SupportService, database_url: str,
                                                            change: dict[str, Any]) -> None:
    report = _interrupt(service)
    before = message_count(service, THREAD)
    edited = {"name": "refund_order", "args": _refund_args(report, **change)}
    with pytest.raises(InvalidDecision, match="refund_order"):
        service.resume(THREAD, {"decisions": [{"type": "edit", "edited_action": edited}], "reviewer": "bob"})
    assert service.pending_review(THREAD) == report.review_request, "the thread must still wait, unchanged"
    assert message_count(service, THREAD) == before, "a refused decision must not change the thread"
    assert refunds_of(database_url, 10002) == [], "a refused decision must not refund"
    assert [i.status for i in open_audit_log(database_url).review_items()] == ["open"]


def test_reject_sends_the_reason_and_refunds_nothing(service: SupportService, database_url: str) -> None:
    _interrupt(service)
    reason = "the damage is not covered by the warranty"
    report = service.resume(THREAD, {"decisions": [{"type": "reject", "message": reason}], "reviewer": "carol"})
    assert refunds_of(database_url, 10002) == [], "a rejected refund was executed"
    assert reason in report.replies[-1], f"the reason is missing from {report.replies!r}"
    refund = [s for s in report.plan if s["tool"] == "refund_order"]
    assert [s["status"] for s in refund] == ["rejected"], refund
    assert service.pending_review(THREAD) is None


def test_respond_sends_exactly_the_reviewers_text(service: SupportService, database_url: str) -> None:
    _interrupt(service)
    text = "Hi Maya, could you send us a photo of the damaged headphones? Then we'll refund you right away."
    report = service.resume(THREAD, {"decisions": [{"type": "respond", "message": text}], "reviewer": "dan"})
    assert report.replies == [text], f"replies {report.replies!r}"
    assert refunds_of(database_url, 10002) == [], "a 'respond' decision must not refund"
    assert service.pending_review(THREAD) is None


def test_a_thread_that_is_not_waiting_refuses_resume(service: SupportService) -> None:
    _interrupt(service)
    service.resume(THREAD, {"decisions": [{"type": "approve"}], "reviewer": "alice"})
    with pytest.raises(NotWaitingForReview):
        service.resume(THREAD, {"decisions": [{"type": "approve"}], "reviewer": "alice"})
    service.send("plain", "where is my order?")
    with pytest.raises(NotWaitingForReview):
        service.resume("plain", {"decisions": [{"type": "approve"}], "reviewer": "alice"})


def test_a_waiting_thread_refuses_customer_messages(service: SupportService, database_url: str) -> None:
    report = _interrupt(service)
    before = message_count(service, THREAD)
    with pytest.raises(WaitingForReview):
        service.send(THREAD, "hello? any news?")
    assert message_count(service, THREAD) == before, "the refused message was added to the thread"
    assert service.pending_review(THREAD) == report.review_request, "the review request changed"
    assert refunds_of(database_url, 10002) == []


@pytest.mark.slow
def test_a_reviewer_in_another_process_resumes_the_thread(
    service: SupportService, database_url: str, supportgraph_home: Path
) -> None:
    _interrupt(service)
    env = {**os.environ, "SUPPORTGRAPH_HOME": str(supportgraph_home)}
    env.pop("SUPPORTGRAPH_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "supportgraph", "review", "resume", THREAD, "--approve", "--reviewer", "erin",
         "--database-url", database_url],
        env=env, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    rows = refunds_of(database_url, 10002)
    assert [(r["amount"], r["approved_by"]) for r in rows] == [(349.99, "erin")], f"refunds {rows}"
    assert service.pending_review(THREAD) is None, "this process still sees the thread waiting"
    values = service.graph.get_state({"configurable": {"thread_id": THREAD}}).values
    assert values["status"] == "resolved", values["status"]
    assert values["messages"][-1].type == "ai" and "$349.99" in values["messages"][-1].content
