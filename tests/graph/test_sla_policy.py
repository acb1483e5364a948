"""SLA hours are Policy values: a run's override sets a created ticket's due time, the deployment's sets when a
review is due, so which review the queue lists first and which is overdue (both checkpointers)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from foundation.audit import AuditLog, open_audit_log
from foundation.policy import Policy
from foundation.settings import get_settings
from service.conversations import open_service
from supportgraph.inbox import ReviewQuery, _review_json
from tools.store import close_store, open_store
from tools.store.schema import tickets

CLOCK = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
COMPLAINT = "I want to make a complaint: your delivery driver was rude and threw my parcel over the fence"


def _complaint_ticket_due(database_url: str, thread_id: str, **context: object) -> timedelta:
    """Send a complaint (its flow opens a high-priority ticket) and return the ticket's due time minus its
    creation time."""
    with open_service(database_url, clock=CLOCK.isoformat(), **context) as service:
        service.send(thread_id, COMPLAINT)
    with open_store(database_url).db.begin() as conn:
        row = conn.execute(select(tickets).where(tickets.c.thread_id == thread_id)).one()
    assert row.priority == "high", row
    due, created = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (row.sla_due_at, row.created_at))
    assert created == CLOCK
    return due - created


def test_a_runs_sla_hours_set_the_due_time_of_the_ticket_it_opens(demo_database_url: str) -> None:
    database_url = demo_database_url
    try:
        assert _complaint_ticket_due(database_url, "sla-default") == timedelta(hours=4)
        assert _complaint_ticket_due(database_url, "sla-run", sla_hours_high=9) == timedelta(hours=9)
    finally:
        close_store(database_url)


@pytest.fixture
def audit(database_url: str) -> Iterator[AuditLog]:
    yield open_audit_log(database_url)
    get_settings.cache_clear()


def _open(audit: AuditLog, thread_id: str, priority: str, at: datetime) -> None:
    audit.open_review(thread_id=thread_id, turn=1, queue="billing", priority=priority, customer_id=None,
                      summary=f"{priority} review", reasons=["a refund above the limit"], confidence=None, at=at)


def _queue(audit: AuditLog, now: datetime, policy: Policy | None = None) -> list[tuple[str, bool]]:
    """The open reviews in queue order, each with the inbox's overdue flag (``breached``)."""
    breached = ReviewQuery(breached=True)
    return [(i.thread_id, breached.matches(_review_json(i, now) | {"intents": []}))
            for i in audit.review_items(policy=policy)]


def test_the_deployments_sla_hours_order_the_review_queue_and_flag_overdue_reviews(
        audit: AuditLog, monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.now(UTC)
    _open(audit, "high-3h", "high", now - timedelta(hours=3))  # default: due in 1 h
    _open(audit, "urgent-10m", "urgent", now - timedelta(minutes=10))  # default: due in 50 min
    _open(audit, "low-2d", "low", now - timedelta(days=2))  # default: due in a day

    assert _queue(audit, now) == [("urgent-10m", False), ("high-3h", False), ("low-2d", False)]
    [high] = [i for i in audit.review_items() if i.thread_id == "high-3h"]
    assert high.sla_due_at == high.created_at + timedelta(hours=4)

    # The deployment answers high-priority reviews within 2 hours and low ones within a day.
    monkeypatch.setenv("SUPPORTGRAPH_SLA_HOURS_HIGH", "2")
    monkeypatch.setenv("SUPPORTGRAPH_SLA_HOURS_LOW", "24")
    monkeypatch.setenv("SUPPORTGRAPH_SLA_HOURS_NORMAL", "12")
    get_settings.cache_clear()
    assert _queue(audit, now) == [("low-2d", True), ("high-3h", True), ("urgent-10m", False)]

    # A reader may pass another policy (the same values as the defaults here).
    assert _queue(audit, now, Policy()) == [("urgent-10m", False), ("high-3h", False), ("low-2d", False)]
