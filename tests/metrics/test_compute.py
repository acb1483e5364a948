"""Each metric's definition, checked on the hand-written audit log of tests/metrics/audit_log.py (SQLite and
Postgres). The expected figures are worked out by hand in the comments, not by the code under test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from foundation.audit import AuditLog
from service.metrics import Metrics, MetricsSettings, compute_metrics
from tests.metrics.audit_log import NOW, SINCE, UNTIL, write_audit_log, written_log

SETTINGS = MetricsSettings(since=SINCE, until=UNTIL, cost_human=6.0, cost_automated=0.5,
                           price_input_per_million=2.0, price_output_per_million=8.0, now=NOW)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def audit_log(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuditLog]:
    """The hand-written log, written once per database for the tests of this module."""
    yield from written_log(request, tmp_path_factory, "metrics", write_audit_log)


@pytest.fixture(scope="module")
def metrics(audit_log: AuditLog) -> Metrics:
    return compute_metrics(audit_log.db, SETTINGS)


def test_first_contact_resolution(metrics: Metrics) -> None:
    r = metrics.resolution
    assert r.conversations == 6  # A–F; G started before the period
    assert r.resolved == 4  # A, B, C, D
    assert r.reopened == 1  # B wrote again a day after its resolution (within 7 days)
    assert r.first_contact_resolved == 1  # A: C and D had a human review first, B was reopened
    assert r.fcr_rate == pytest.approx(1 / 6)


def test_average_handling_time_bot_only_and_human_handled(metrics: Metrics) -> None:
    h = metrics.handling_time
    # A 120 s and B 300 s without a person; C 1,920 s and D 600 s with one.
    assert (h.all.count, h.all.mean, h.all.median) == (4, pytest.approx(735.0), pytest.approx(450.0))
    assert h.all.p90 == pytest.approx(600 + 0.7 * (1920 - 600))  # rank 2.7 of [120, 300, 600, 1920]
    assert (h.bot_only.count, h.bot_only.mean, h.bot_only.median) == (2, pytest.approx(210.0), pytest.approx(210.0))
    assert (h.human_handled.count, h.human_handled.mean) == (2, pytest.approx(1260.0))


def test_escalation_rate_by_queue_and_reason(metrics: Metrics) -> None:
    e = metrics.escalation
    assert (e.conversations, e.escalated) == (6, 3)  # C, D, E
    assert e.rate == pytest.approx(0.5)
    assert {q: (c.conversations, c.rate) for q, c in e.by_queue.items()} == {
        "accounts": (1, pytest.approx(1 / 6)), "billing": (2, pytest.approx(2 / 6))}
    assert e.by_reason == {
        "refund of $# is above the $# approval limit": 2,  # C ($349.99) and E ($120.00)
        "identity verification failed # times": 1,
        "the customer is very upset (sentiment #)": 1,
    }


def test_csat_mean_distribution_and_response_rate(metrics: Metrics) -> None:
    c = metrics.csat
    assert c.ratings == 2  # A (its latest rating, 5) and C (3); G's 1 is outside the period
    assert c.mean == pytest.approx(4.0)
    assert c.distribution == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}
    assert c.asked == 3  # A, B and C; D was resolved in a reviewer's own words, which carry no question
    assert c.response_rate == pytest.approx(2 / 3)


def test_confidence_histogram_and_reliability(metrics: Metrics) -> None:
    cal = metrics.calibration
    # First assessment of each turn: A1 .95, B1 .85, B2 .45, C1 .62 (not the .99 after approval), D1 .35,
    # E1 .15, F1 .72; G's .10 is before the period.
    assert cal.turns == 7
    assert [b.turns for b in cal.bins] == [0, 1, 0, 1, 1, 0, 1, 1, 1, 1]
    assert cal.judged == 6  # E waits for its reviewer
    by_lower = {round(b.lower, 1): b for b in cal.bins}
    assert (by_lower[0.1].judged, by_lower[0.1].observed) == (0, None)  # E
    assert (by_lower[0.3].handled_ok, by_lower[0.3].observed) == (0, 0.0)  # D: the reviewer rejected
    assert (by_lower[0.6].handled_ok, by_lower[0.6].observed) == (1, 1.0)  # C: approved unchanged
    assert by_lower[0.6].mean_confidence == pytest.approx(0.62)
    # |1-.95| + |1-.85| + |1-.45| + |1-.62| + |0-.35| + |1-.72| = 1.76 over 6 judged turns
    assert cal.ece == pytest.approx(1.76 / 6)


def test_risk_coverage_and_the_threshold_for_the_target_risk(metrics: Metrics) -> None:
    sel = metrics.selective
    assert sel is not None and sel.target_risk == 0.05
    by_threshold = {round(p.threshold, 1): p for p in sel.curve}
    # ≥ 0.7: A .95, B1 .85, F .72 — all judged right (3 of 7 turns)
    assert by_threshold[0.7].coverage == pytest.approx(3 / 7) and by_threshold[0.7].risk == 0.0
    # ≥ 0.3 adds C .62 (right), B2 .45 (right), D .35 (wrong): 1 wrong of 6 judged
    assert by_threshold[0.3].coverage == pytest.approx(6 / 7) and by_threshold[0.3].risk == pytest.approx(1 / 6)
    # the most coverage whose risk is within 5 %: answering alone from 0.4 up (C and B2 were right too)
    assert sel.chosen is not None and round(sel.chosen.threshold, 1) == 0.4, sel.chosen
    assert sel.chosen.coverage == pytest.approx(5 / 7) and sel.chosen.risk == 0.0


def test_reviewer_workload(metrics: Metrics) -> None:
    w = metrics.workload
    assert w.open_by_queue == {"billing": 1}  # E
    assert w.oldest_open_seconds == pytest.approx(2 * 3600)  # queued at T0+4 h, now T0+6 h
    t = w.time_to_resume
    assert (t.count, t.median, t.p90) == (2, pytest.approx(1200.0), pytest.approx(600 + 0.9 * 1200))
    assert [(r.reviewer, r.reviews, r.time_to_resume.median) for r in w.by_reviewer] == [
        ("dana", 1, pytest.approx(600.0)), ("sam", 1, pytest.approx(1800.0))]


def test_automation_rate_tokens_and_cost_savings(metrics: Metrics) -> None:
    c = metrics.costs
    assert (c.conversations, c.human_handled, c.automated) == (6, 3, 3)
    assert c.automation_rate == pytest.approx(0.5)
    assert (c.input_tokens, c.output_tokens, c.tokens_recorded) == (1500, 300, True)  # G's are outside
    assert c.token_cost == pytest.approx((1500 * 2.0 + 300 * 8.0) / 1e6)
    assert c.cost_without_agent == pytest.approx(36.0)
    assert c.cost_with_agent == pytest.approx(3 * 6.0 + 3 * 0.5 + 0.0054)
    assert c.savings == pytest.approx(36.0 - 19.5054)


def test_sentiment_trend_per_day(metrics: Metrics) -> None:
    days = [(d.day, d.messages, d.negative) for d in metrics.sentiment]
    assert days == [("2026-11-02", 6, 3), ("2026-11-03", 1, 0)]  # F's invalid message has no sentiment
    assert metrics.sentiment[0].mean_score == pytest.approx((0.5 - 0.5 + 0.0 - 0.9 - 0.3 + 0.2) / 6)
    assert metrics.sentiment[1].mean_score == pytest.approx(-0.2)


def test_the_period_selects_conversations_by_their_start(audit_log: AuditLog) -> None:
    everything = compute_metrics(audit_log.db, MetricsSettings(now=NOW))
    assert everything.resolution.conversations == 7  # G too
    assert everything.csat.distribution["1"] == 1
    assert everything.costs.input_tokens == 1500 + 99999
    nothing = compute_metrics(audit_log.db, MetricsSettings(since=UNTIL, now=NOW))
    assert nothing.resolution.conversations == 0 and nothing.resolution.fcr_rate is None
    assert nothing.handling_time.all.mean is None and nothing.csat.mean is None
    assert nothing.costs.tokens_recorded is False and nothing.calibration.ece is None


def test_a_queue_filter_keeps_the_conversations_assessed_for_it(audit_log: AuditLog) -> None:
    from dataclasses import replace

    general = compute_metrics(audit_log.db, replace(SETTINGS, queues=("general",)))
    assert general.resolution.conversations == 6 and general.calibration.turns > 0  # every turn was for general
    billing = compute_metrics(audit_log.db, replace(SETTINGS, queues=("billing",)))
    assert (billing.resolution.conversations, billing.calibration.turns, billing.escalation.by_code) == (0, 0, [])
    assert billing.workload.open_by_queue == {"billing": 1}  # E waits in billing
