"""The metrics report in the Prometheus text exposition format, through prometheus_client's own registry.

A scrape-style snapshot: every figure is a gauge over the report's period; a figure with no data (a rate over
no conversations) is left out rather than exported as 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from service.metrics.model import Durations, Metrics

PREFIX = "supportgraph"


def prometheus_text(metrics: Metrics) -> str:
    """The report as Prometheus text (version 0.0.4)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ReportCollector(metrics))
    return generate_latest(registry).decode("utf-8")


def _gauge(name: str, doc: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", doc, labels=labels)


def _add(family: GaugeMetricFamily, labels: list[str], value: float | None) -> None:
    if value is not None:
        family.add_metric(labels, float(value))


def _value(name: str, doc: str, value: float | None) -> GaugeMetricFamily:
    """A gauge of one value, without labels."""
    family = _gauge(name, doc)
    _add(family, [], value)
    return family


def _labelled(name: str, doc: str, label: str, values: Iterable[tuple[str, float | None]]) -> GaugeMetricFamily:
    """A gauge with one label: a sample per (label value, value)."""
    family = _gauge(name, doc, [label])
    for key, value in values:
        _add(family, [key], value)
    return family


def _durations(family: GaugeMetricFamily, labels: list[str], d: Durations) -> None:
    for stat, value in (("mean", d.mean), ("median", d.median), ("p90", d.p90)):
        _add(family, [*labels, stat], value)


class _ReportCollector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[GaugeMetricFamily]:
        m = self.metrics
        r = m.resolution
        yield _labelled("conversations", "Conversations that started in the period, by outcome.", "outcome", (
            ("all", r.conversations), ("resolved", r.resolved), ("reopened", r.reopened),
            ("first_contact_resolved", r.first_contact_resolved), ("escalated", m.escalation.escalated),
            ("automated", m.costs.automated)))
        yield _value("first_contact_resolution_ratio",
                     "Conversations resolved with no human review and not reopened, over all conversations.",
                     r.fcr_rate)

        aht = _gauge("handling_time_seconds", "First customer message to resolution.", ["handled_by", "stat"])
        for who, d in (("all", m.handling_time.all), ("bot", m.handling_time.bot_only),
                       ("human", m.handling_time.human_handled)):
            _durations(aht, [who], d)
        yield aht

        yield _value("escalation_ratio", "Conversations with a human review over all conversations.",
                     m.escalation.rate)
        yield _labelled("escalation_queue_ratio", "Conversations escalated to a queue over all conversations.",
                        "queue", ((queue, count.rate) for queue, count in m.escalation.by_queue.items()))
        yield _labelled("escalation_reasons", "Human reviews by reason (numbers masked as #).", "reason",
                        m.escalation.by_reason.items())

        c = m.csat
        yield _value("csat_mean", "Mean customer-satisfaction rating (1-5), latest rating per conversation.", c.mean)
        yield _labelled("csat_ratings", "Conversations by customer-satisfaction rating.", "score",
                        c.distribution.items())
        yield _value("csat_response_ratio", "Conversations asked for a rating that gave one, over those asked.",
                     c.response_rate)

        bins = [(f"{b.lower:.2f}", b) for b in m.calibration.bins]
        yield _labelled("confidence_turns", "Assessed turns by confidence bin (lower bound).", "bin",
                        ((label, b.turns) for label, b in bins))
        yield _labelled("confidence_observed_ratio",
                        "Reliability diagram: turns handled without human correction, per confidence bin.", "bin",
                        ((label, b.observed) for label, b in bins))
        yield _labelled("confidence_mean", "Mean confidence of the turns in a confidence bin.", "bin",
                        ((label, b.mean_confidence) for label, b in bins))
        yield _value("confidence_expected_calibration_error", "Expected calibration error of the confidence.",
                     m.calibration.ece)

        w = m.workload
        yield _labelled("review_queue_size", "Reviews waiting now (open or being resumed), by queue.", "queue",
                        w.open_by_queue.items())
        yield _value("review_oldest_open_seconds", "Age of the oldest waiting review.", w.oldest_open_seconds)
        resume = _gauge("review_time_to_resume_seconds", "Review queued to the reviewer's decision.",
                        ["reviewer", "stat"])
        _durations(resume, ["all"], w.time_to_resume)
        for load in w.by_reviewer:
            _durations(resume, [load.reviewer], load.time_to_resume)
        yield resume
        yield _labelled("reviews_resolved", "Reviews decided in the period, by reviewer.", "reviewer",
                        ((load.reviewer, load.reviews) for load in w.by_reviewer))

        k = m.costs
        yield _value("automation_ratio", "Conversations no person worked on over all conversations.",
                     k.automation_rate)
        yield _labelled("model_tokens", "Model tokens recorded in the audit log.", "direction",
                        (("input", k.input_tokens), ("output", k.output_tokens)))
        yield _labelled("cost_dollars", "Support cost of the period's conversations.", "scenario", (
            ("without_agent", k.cost_without_agent), ("with_agent", k.cost_with_agent),
            ("model_tokens", k.token_cost), ("savings", k.savings)))

        yield _labelled("sentiment_mean", "Mean sentiment (-1 to +1) of customer messages, per UTC day.", "day",
                        ((day.day, day.mean_score) for day in m.sentiment))
        messages = _gauge("sentiment_messages", "Customer messages per UTC day, by sentiment.", ["day", "label"])
        for day in m.sentiment:
            _add(messages, [day.day, "all"], day.messages)
            _add(messages, [day.day, "negative"], day.negative)
        yield messages
