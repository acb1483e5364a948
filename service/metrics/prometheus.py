"""The metrics report in the Prometheus text exposition format, through prometheus_client's own registry.

A scrape-style snapshot: every figure is a gauge over the report's period; a figure with no data (a rate over
no conversations) is left out rather than exported as 0.
"""

from __future__ import annotations

from collections.abc import Iterator

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


def _durations(family: GaugeMetricFamily, labels: list[str], d: Durations) -> None:
    for stat, value in (("mean", d.mean), ("median", d.median), ("p90", d.p90)):
        _add(family, [*labels, stat], value)


class _ReportCollector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[GaugeMetricFamily]:
        m = self.metrics
        r = m.resolution
        conv = _gauge("conversations", "Conversations that started in the period, by outcome.", ["outcome"])
        for outcome, n in (("all", r.conversations), ("resolved", r.resolved), ("reopened", r.reopened),
                           ("first_contact_resolved", r.first_contact_resolved),
                           ("escalated", m.escalation.escalated), ("automated", m.costs.automated)):
            _add(conv, [outcome], n)
        yield conv
        fcr = _gauge("first_contact_resolution_ratio",
                     "Conversations resolved with no human review and not reopened, over all conversations.")
        _add(fcr, [], r.fcr_rate)
        yield fcr

        aht = _gauge("handling_time_seconds", "First customer message to resolution.", ["handled_by", "stat"])
        for who, d in (("all", m.handling_time.all), ("bot", m.handling_time.bot_only),
                       ("human", m.handling_time.human_handled)):
            _durations(aht, [who], d)
        yield aht

        esc = _gauge("escalation_ratio", "Conversations with a human review over all conversations.")
        _add(esc, [], m.escalation.rate)
        yield esc
        by_queue = _gauge("escalation_queue_ratio", "Conversations escalated to a queue over all conversations.",
                          ["queue"])
        for queue, count in m.escalation.by_queue.items():
            _add(by_queue, [queue], count.rate)
        yield by_queue
        reasons = _gauge("escalation_reasons", "Human reviews by reason (numbers masked as #).", ["reason"])
        for reason, n in m.escalation.by_reason.items():
            _add(reasons, [reason], n)
        yield reasons

        c = m.csat
        csat_mean = _gauge("csat_mean", "Mean customer-satisfaction rating (1-5), latest rating per conversation.")
        _add(csat_mean, [], c.mean)
        yield csat_mean
        csat = _gauge("csat_ratings", "Conversations by customer-satisfaction rating.", ["score"])
        for score, n in c.distribution.items():
            _add(csat, [score], n)
        yield csat
        csat_rate = _gauge("csat_response_ratio", "Conversations asked for a rating that gave one, over those asked.")
        _add(csat_rate, [], c.response_rate)
        yield csat_rate

        turns = _gauge("confidence_turns", "Assessed turns by confidence bin (lower bound).", ["bin"])
        observed = _gauge("confidence_observed_ratio",
                          "Reliability diagram: turns handled without human correction, per confidence bin.", ["bin"])
        mean_conf = _gauge("confidence_mean", "Mean confidence of the turns in a confidence bin.", ["bin"])
        for b in m.calibration.bins:
            label = f"{b.lower:.2f}"
            _add(turns, [label], b.turns)
            _add(observed, [label], b.observed)
            _add(mean_conf, [label], b.mean_confidence)
        yield from (turns, observed, mean_conf)
        ece = _gauge("confidence_expected_calibration_error", "Expected calibration error of the confidence.")
        _add(ece, [], m.calibration.ece)
        yield ece

        w = m.workload
        waiting = _gauge("review_queue_size", "Reviews waiting now (open or being resumed), by queue.", ["queue"])
        for name, n in w.open_by_queue.items():
            _add(waiting, [name], n)
        yield waiting
        oldest = _gauge("review_oldest_open_seconds", "Age of the oldest waiting review.")
        _add(oldest, [], w.oldest_open_seconds)
        yield oldest
        resume = _gauge("review_time_to_resume_seconds", "Review queued to the reviewer's decision.",
                        ["reviewer", "stat"])
        _durations(resume, ["all"], w.time_to_resume)
        for load in w.by_reviewer:
            _durations(resume, [load.reviewer], load.time_to_resume)
        yield resume
        reviews = _gauge("reviews_resolved", "Reviews decided in the period, by reviewer.", ["reviewer"])
        for load in w.by_reviewer:
            _add(reviews, [load.reviewer], load.reviews)
        yield reviews

        k = m.costs
        automation = _gauge("automation_ratio", "Conversations no person worked on over all conversations.")
        _add(automation, [], k.automation_rate)
        yield automation
        tokens = _gauge("model_tokens", "Model tokens recorded in the audit log.", ["direction"])
        _add(tokens, ["input"], k.input_tokens)
        _add(tokens, ["output"], k.output_tokens)
        yield tokens
        cost = _gauge("cost_dollars", "Support cost of the period's conversations.", ["scenario"])
        _add(cost, ["without_agent"], k.cost_without_agent)
        _add(cost, ["with_agent"], k.cost_with_agent)
        _add(cost, ["model_tokens"], k.token_cost)
        _add(cost, ["savings"], k.savings)
        yield cost

        sentiment = _gauge("sentiment_mean", "Mean sentiment (-1 to +1) of customer messages, per UTC day.", ["day"])
        messages = _gauge("sentiment_messages", "Customer messages per UTC day, by sentiment.", ["day", "label"])
        for day in m.sentiment:
            _add(sentiment, [day.day], day.mean_score)
            _add(messages, [day.day, "all"], day.messages)
            _add(messages, [day.day, "negative"], day.negative)
        yield from (sentiment, messages)
