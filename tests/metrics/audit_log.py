"""A small audit log written by hand, whose every metric is worked out by hand in tests/metrics/test_compute.py.

Seven conversations, all but G on 2 and 3 November 2026 (T0 = 2 Nov 09:00 UTC):

  A  bot-only, resolved after 120 s (asked for a rating), rated 4 then 5 (the latest counts); confidence 0.95
  B  bot-only, resolved after 300 s (asked, no rating), reopened a day later (turn 2, confidence 0.45); 0.85
  C  a billing review queued at +1 min, approved by sam after 1,800 s, resolved at +32 min (1,920 s); rated 3;
     confidence 0.62 (a second assess of the same turn after the approval, 0.99, is not a new turn)
  D  an accounts review queued at once, rejected by dana after 600 s, resolved at +10 min in dana's words (so
     not asked for a rating); confidence 0.35
  E  a billing review still open (queued at T0+4 h); confidence 0.15
  F  bot-only, waiting for the customer; an invalid message; model tokens 1000+500 in, 200+100 out; 0.72
  G  on 20 October, before the period: resolved, rated 1, confidence 0.10 — counted nowhere
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from foundation.audit import AuditLog, forget_audit_log, open_audit_log
from foundation.db import close_database
from tests.pg import create_database, drop_database

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 10, tzinfo=UTC)
NOW = T0 + timedelta(hours=6)


def _at(minutes: float = 0, *, hours: float = 0, days: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, hours=hours, days=days)


def _ingest(log: AuditLog, thread: str, turn: int, at: datetime, score: float, label: str) -> None:
    log.record(thread, turn, "ingest", {"valid": True, "text": "…",
                                        "sentiment": {"score": score, "label": label, "urgency": "normal",
                                                      "asks_for_human": False}}, at=at)


def _assess(log: AuditLog, thread: str, turn: int, at: datetime, confidence: float, route: str) -> None:
    log.record(thread, turn, "assess", {"confidence": confidence, "threshold": 0.7, "signals": {}, "route": route,
                                        "reasons": [], "queue": "general"}, at=at)


def _respond(log: AuditLog, thread: str, turn: int, at: datetime, status: str, by: str = "agent") -> None:
    asked = status == "resolved" and by == "agent"  # as respond does: a reviewer's own words carry no question
    log.record(thread, turn, "respond", {"reply": "…", "status": status, "by": by, "csat_asked": asked}, at=at)


def _review(log: AuditLog, thread: str, queue: str, reasons: list[str], queued: datetime,
            decided: tuple[str, str, datetime] | None) -> None:
    log.open_review(thread_id=thread, turn=1, queue=queue, priority="normal", customer_id=None, summary="…",
                    reasons=reasons, confidence=None, at=queued)
    if decided is not None:
        reviewer, decision, at = decided
        assert log.claim_review(thread, 1, reviewer, now=at)
        payload: dict[str, Any] = {"decisions": [{"type": decision}], "reviewer": reviewer}
        log.resolve_review(thread, 1, payload, at=at)


def write_audit_log(log: AuditLog) -> None:
    # A
    _ingest(log, "A", 1, _at(0), 0.5, "positive")
    _assess(log, "A", 1, _at(0.5), 0.95, "respond")
    _respond(log, "A", 1, _at(2), "resolved")
    log.record("A", 2, "csat", {"score": 4, "comment": None, "source": "conversation"}, at=_at(3))
    log.record("A", 2, "csat", {"score": 5, "comment": "changed my mind", "source": "api"}, at=_at(10))
    # B
    _ingest(log, "B", 1, _at(hours=1), -0.5, "negative")
    _assess(log, "B", 1, _at(1, hours=1), 0.85, "respond")
    _respond(log, "B", 1, _at(5, hours=1), "resolved")
    _ingest(log, "B", 2, _at(hours=1, days=1), -0.2, "neutral")
    _assess(log, "B", 2, _at(1, hours=1, days=1), 0.45, "respond")
    _respond(log, "B", 2, _at(2, hours=1, days=1), "awaiting_customer")
    # C
    _ingest(log, "C", 1, _at(hours=2), 0.0, "neutral")
    _assess(log, "C", 1, _at(0.5, hours=2), 0.62, "human_review")
    _review(log, "C", "billing", ["refund of $349.99 is above the $100.00 approval limit"], _at(1, hours=2),
            ("sam", "approve", _at(31, hours=2)))
    _assess(log, "C", 1, _at(31.5, hours=2), 0.99, "respond")
    _respond(log, "C", 1, _at(32, hours=2), "resolved")
    log.record("C", 2, "csat", {"score": 3, "comment": None, "source": "conversation"}, at=_at(40, hours=2))
    # D
    _ingest(log, "D", 1, _at(hours=3), -0.9, "negative")
    _assess(log, "D", 1, _at(0, hours=3), 0.35, "human_review")
    _review(log, "D", "accounts", ["identity verification failed 3 times",
                                   "the customer is very upset (sentiment -0.85)"], _at(hours=3),
            ("dana", "reject", _at(10, hours=3)))
    _respond(log, "D", 1, _at(10, hours=3), "resolved", by="dana")
    # E
    _ingest(log, "E", 1, _at(hours=4), -0.3, "negative")
    _assess(log, "E", 1, _at(0.5, hours=4), 0.15, "human_review")
    _review(log, "E", "billing", ["refund of $120.00 is above the $100.00 approval limit"], _at(hours=4), None)
    # F
    _ingest(log, "F", 1, _at(hours=5), 0.2, "positive")
    log.record("F", 1, "understand", {"intents": [], "usage": {"input_tokens": 1000, "output_tokens": 200}},
               at=_at(0.2, hours=5))
    log.record("F", 1, "plan", {"steps": [], "tokens": {"input": 500, "output": 100}}, at=_at(0.3, hours=5))
    _assess(log, "F", 1, _at(0.5, hours=5), 0.72, "respond")
    _respond(log, "F", 1, _at(1, hours=5), "awaiting_customer")
    log.record("F", 2, "ingest", {"valid": False, "problem": "the message is empty"}, at=_at(2, hours=5))
    # G, before the period
    g = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
    log.record("G", 1, "ingest", {"valid": True, "text": "…", "sentiment": {"score": -1.0, "label": "negative"}},
               at=g)
    _assess(log, "G", 1, g + timedelta(seconds=5), 0.10, "respond")
    _respond(log, "G", 1, g + timedelta(seconds=9), "resolved")
    log.record("G", 1, "csat", {"score": 1, "comment": None, "source": "api"}, at=g + timedelta(minutes=1))
    log.record("G", 1, "understand", {"usage": {"input_tokens": 99999, "output_tokens": 99999}}, at=g)


def written_log(request: pytest.FixtureRequest, factory: pytest.TempPathFactory, name: str,
                write: Callable[[AuditLog], None]) -> Iterator[AuditLog]:
    """For a module-scoped fixture parametrised sqlite/postgres: a fresh audit log with ``write``'s events."""
    if request.param == "sqlite":
        url = f"sqlite:///{factory.mktemp(name) / 'audit.db'}"
    else:
        admin = request.getfixturevalue("pg_admin_url")
        url = create_database(admin)
    log = open_audit_log(url)
    try:
        write(log)
        yield log
    finally:
        forget_audit_log(url)
        close_database(url)
        if request.param == "postgres":
            drop_database(admin, url)
