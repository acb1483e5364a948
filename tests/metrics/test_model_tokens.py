"""Model tokens and their cost in the cost savings, read from the LLM reasoner's audit events (SQLite and
Postgres): ``llm_call`` events are counted once each with the cost they recorded; ``llm_usage`` events (a turn's
running totals, repeated after a resumed review) are not counted again. Figures worked out by hand below."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from foundation.audit import AuditLog, forget_audit_log, open_audit_log
from service.conversations import open_service
from service.metrics import Metrics, MetricsSettings, compute_metrics
from service.metrics.prometheus import prometheus_text
from tests.graph.session_home import use_session_home
from tests.llm.scripted import planned, scripted, step, understood
from tests.metrics.audit_log import NOW, SINCE, T0, UNTIL, _assess, _ingest, _respond, _review, written_log
from tools.store import close_store

SETTINGS = MetricsSettings(since=SINCE, until=UNTIL, cost_human=6.0, cost_automated=0.5,
                           price_input_per_million=2.0, price_output_per_million=8.0, now=NOW)


def _call(log: AuditLog, thread: str, turn: int, minutes: float, node: str, prompt: int, completion: int,
          cost: float, error: str | None = None) -> None:
    """An ``llm_call`` event shaped as graphs/reasoners/llm/accounting.py's CallRecord.payload() writes it."""
    log.record(thread, turn, "llm_call", {
        "node": node, "model": "gpt-4o-mini", "attempt": 1, "tools": ["SupportPlan"], "prompt_tokens": prompt,
        "completion_tokens": completion, "measured": True, "cost_usd": cost, "latency_ms": 412.0,
        "counted_prompt_tokens": prompt - 7, "prompt_tokens_all_tools": prompt + 900, "error": error,
        "extra": {}}, latency_ms=412.0, at=T0 + timedelta(minutes=minutes))


def _usage(log: AuditLog, thread: str, turn: int, minutes: float, calls: int, prompt: int, completion: int,
           cost: float) -> None:
    """An ``llm_usage`` event as the assess node writes it: the turn's totals so far."""
    log.record(thread, turn, "llm_usage", {
        "calls": calls, "prompt_tokens": prompt, "completion_tokens": completion, "cost_usd": cost,
        "prompt_tokens_saved_by_tool_selection": 900}, at=T0 + timedelta(minutes=minutes))


def write_model_log(log: AuditLog) -> None:
    # M1: the agent alone, two turns; the second turn's only call failed (its prompt was still sent and billed).
    _ingest(log, "M1", 1, T0, 0.1, "neutral")
    _call(log, "M1", 1, 0.1, "understand", 1200, 80, 0.00023)
    _call(log, "M1", 1, 0.2, "plan", 2400, 150, 0.00045)
    _assess(log, "M1", 1, T0 + timedelta(minutes=0.3), 0.9, "respond")
    _usage(log, "M1", 1, 0.3, 2, 3600, 230, 0.00068)
    _respond(log, "M1", 1, T0 + timedelta(minutes=0.4), "awaiting_customer")
    _ingest(log, "M1", 2, T0 + timedelta(minutes=5), 0.2, "positive")
    _call(log, "M1", 2, 5.1, "understand", 900, 0, 0.000135, error="Timeout: no reply in 30 s")
    _assess(log, "M1", 2, T0 + timedelta(minutes=5.2), 0.92, "respond")
    _usage(log, "M1", 2, 5.2, 1, 900, 0, 0.000135)
    _respond(log, "M1", 2, T0 + timedelta(minutes=5.3), "resolved")
    # M2: a billing review; the turn is assessed again after the approval and its llm_usage repeats the totals.
    # One event carries tokens the older way (usage.*) with no recorded cost: priced with the settings.
    _ingest(log, "M2", 1, T0 + timedelta(hours=1), -0.2, "neutral")
    log.record("M2", 1, "understand", {"intents": [], "usage": {"input_tokens": 500, "output_tokens": 40}},
               at=T0 + timedelta(hours=1, minutes=0.1))
    _call(log, "M2", 1, 60.2, "understand", 1000, 60, 0.000186)
    _call(log, "M2", 1, 60.3, "plan", 2000, 100, 0.00036)
    _assess(log, "M2", 1, T0 + timedelta(hours=1, minutes=0.4), 0.5, "human_review")
    _usage(log, "M2", 1, 60.4, 2, 3000, 160, 0.000546)
    _review(log, "M2", "billing", ["refund of $149.00 is above the $100.00 approval limit"],
            T0 + timedelta(hours=1, minutes=1), ("sam", "approve", T0 + timedelta(hours=1, minutes=20)))
    _assess(log, "M2", 1, T0 + timedelta(hours=1, minutes=20.1), 0.99, "respond")
    _usage(log, "M2", 1, 80.1, 2, 3000, 160, 0.000546)
    _respond(log, "M2", 1, T0 + timedelta(hours=1, minutes=20.2), "resolved")
    # Outside the period: counted nowhere.
    before = SINCE - timedelta(days=3)
    _ingest(log, "M0", 1, before, 0.0, "neutral")
    log.record("M0", 1, "llm_call", {"prompt_tokens": 99999, "completion_tokens": 99999, "cost_usd": 9.0},
               at=before)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def model_log(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuditLog]:
    yield from written_log(request, tmp_path_factory, "model-metrics", write_model_log)


@pytest.fixture(scope="module")
def metrics(model_log: AuditLog) -> Metrics:
    return compute_metrics(model_log.db, SETTINGS)


def test_llm_calls_are_counted_once_with_their_recorded_cost(metrics: Metrics) -> None:
    c = metrics.costs
    assert (c.conversations, c.human_handled, c.automated) == (2, 1, 1)
    # llm_call: 1200 + 2400 + 900 + 1000 + 2000 in, 80 + 150 + 0 + 60 + 100 out; the usage.* event: 500 / 40.
    # The three llm_usage events (3600, 900, 3000 + 3000 again) add nothing.
    assert (c.input_tokens, c.output_tokens, c.tokens_recorded) == (8000, 430, True)
    recorded = 0.00023 + 0.00045 + 0.000135 + 0.000186 + 0.00036  # = 0.001361, as the calls recorded it
    priced = (500 * 2.0 + 40 * 8.0) / 1e6  # = 0.00132, only the event without a recorded cost
    assert c.recorded_token_cost == pytest.approx(0.001361)
    assert c.token_cost == pytest.approx(recorded + priced) == pytest.approx(0.002681)
    assert c.cost_without_agent == pytest.approx(12.0)
    assert c.cost_with_agent == pytest.approx(6.0 + 0.5 + 0.002681)
    assert c.savings == pytest.approx(12.0 - 6.502681)


def test_the_exports_carry_the_model_cost(metrics: Metrics) -> None:
    text = prometheus_text(metrics)
    samples: dict[str, Any] = {}
    for line in text.splitlines():
        if line.startswith("supportgraph_model_tokens{") or line.startswith("supportgraph_cost_dollars{"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    assert samples['supportgraph_model_tokens{direction="input"}'] == 8000
    assert samples['supportgraph_cost_dollars{scenario="model_tokens"}'] == pytest.approx(0.002681)


def test_the_llm_reasoners_own_events_reach_the_costs(database_url: str,
                                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    """The same reading on events the LLM reasoner itself wrote (a scripted model; tokens counted by tiktoken)."""
    use_session_home(tmp_path_factory)
    model = scripted(understood("track_order", order_ids=[10003]),
                     planned(step("order", "track_order", "get_order", {"order_id": 10003})))
    try:
        with open_service(database_url, reasoner="llm", chat_model=model) as service:
            service.send("m-llm", "where is my order 10003?", customer_id="C0001")
        events = open_audit_log(database_url).events("m-llm")
        calls = [e["payload"] for e in events if e["kind"] == "llm_call"]
        assert len(calls) == 2 and any(e["kind"] == "llm_usage" for e in events), [e["kind"] for e in events]
        costs = compute_metrics(open_audit_log(database_url).db, MetricsSettings()).costs
    finally:
        close_store(database_url)
        forget_audit_log(database_url)
    assert costs.input_tokens == sum(c["prompt_tokens"] for c in calls) > 0
    assert costs.output_tokens == sum(c["completion_tokens"] for c in calls) > 0
    assert costs.recorded_token_cost == pytest.approx(sum(c["cost_usd"] for c in calls), abs=1e-6)
    assert costs.token_cost == costs.recorded_token_cost > 0  # nothing left to price at the (zero) metrics prices
