"""Compute the support metrics from the audit log (``audit_events``) and the review queue, on SQLite or Postgres.

The database does the scanning, filtering, joining and grouping; Python only folds rows that are already one
per conversation, per review or per histogram bin into the figures (durations and percentiles, which the two
dialects spell differently). Definitions: docs/metrics.md.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, select, true
from sqlalchemy.sql import Subquery

from foundation.audit_tables import audit_events, review_queue
from foundation.db import Database
from graphs.support.csat import CSAT_EVENT
from service.metrics.model import (
    Calibration,
    ConfidenceBin,
    Costs,
    Csat,
    Durations,
    Escalation,
    HandlingTime,
    Metrics,
    MetricsSettings,
    QueueCount,
    Resolution,
    ReviewerLoad,
    RiskPoint,
    Selective,
    SentimentDay,
    Workload,
)
from service.metrics.reasons import group_reasons
from service.metrics.tokens import counted, recorded_cost, token_columns

ev = audit_events
rq = review_queue
_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")


def compute_metrics(db: Database, settings: MetricsSettings | None = None) -> Metrics:
    """Every figure of the metrics report for the period of ``settings``."""
    s = settings or MetricsSettings()
    with db.begin() as conn:
        conversations = _conversations(conn, s)
        csat_rows = _csat(conn, s)
        calibration = _calibration(conn, s)
        workload = _workload(conn, s)
        tokens = _tokens(conn, s)
        sentiment = _sentiment(conn, db, s)
        reviews = _review_reasons(conn, s)
    resolution, handling, escalation_base, human = _fold_conversations(conversations, s)
    queues = {queue: QueueCount(n, _ratio(n, len(conversations))) for queue, n in sorted(reviews.queues.items())}
    escalation = Escalation(escalation_base[0], escalation_base[1], _ratio(escalation_base[1], escalation_base[0]),
                            queues, dict(reviews.reasons.most_common()), group_reasons(reviews.texts))
    return Metrics(
        since=s.since, until=s.until, resolution=resolution, handling_time=handling, escalation=escalation,
        csat=_fold_csat(*csat_rows), calibration=calibration, workload=workload,
        costs=_costs(len(conversations), human, tokens, s), sentiment=sentiment,
        selective=selective(calibration, s.target_risk),
    )


# --- conversations: one row per thread ------------------------------------------------------------------------

def _started() -> Subquery:
    """Threads and the time of their first customer message (the conversation's start)."""
    return (select(ev.c.thread_id, func.min(ev.c.created_at).label("started_at"))
            .where(ev.c.kind == "ingest").group_by(ev.c.thread_id).subquery("started"))


def _in_period(s: MetricsSettings, column: Any) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [true()]
    if s.since is not None:
        conditions.append(column >= _utc(s.since))
    if s.until is not None:
        conditions.append(column < _utc(s.until))
    return and_(*conditions)


def _period_threads(s: MetricsSettings) -> Subquery:
    started = _started()
    return select(started.c.thread_id, started.c.started_at).where(
        _in_period(s, started.c.started_at), _in_queues(s, started.c.thread_id)).subquery("period_threads")


def _assessed_queue() -> Any:
    return ev.c.payload["queue"].as_string()


def _in_queues(s: MetricsSettings, thread_id: Any) -> ColumnElement[bool]:
    """Threads of ``s.queues``: a turn of theirs was assessed for one of those queues (all threads: no filter)."""
    if s.queues is None:
        return true()
    return thread_id.in_(select(ev.c.thread_id).where(ev.c.kind == "assess", _assessed_queue().in_(s.queues)))


def _conversations(conn: Connection, s: MetricsSettings) -> list[dict[str, Any]]:
    threads = _period_threads(s)
    resolved = (select(ev.c.thread_id, func.min(ev.c.created_at).label("resolved_at"))
                .where(ev.c.kind == "respond", ev.c.payload["status"].as_string() == "resolved")
                .group_by(ev.c.thread_id).subquery("resolved"))
    escalated = (select(rq.c.thread_id, func.min(rq.c.created_at).label("escalated_at"),
                        func.count().label("reviews"))
                 .group_by(rq.c.thread_id).subquery("escalated"))
    again = ev.alias("again")
    reopened = (select(again.c.thread_id, func.min(again.c.created_at).label("reopened_at"))
                .join(resolved, resolved.c.thread_id == again.c.thread_id)
                .where(again.c.kind == "ingest", again.c.created_at > resolved.c.resolved_at)
                .group_by(again.c.thread_id).subquery("reopened"))
    query = (select(threads.c.thread_id, threads.c.started_at, resolved.c.resolved_at, escalated.c.escalated_at,
                    escalated.c.reviews, reopened.c.reopened_at)
             .select_from(threads)
             .outerjoin(resolved, resolved.c.thread_id == threads.c.thread_id)
             .outerjoin(escalated, escalated.c.thread_id == threads.c.thread_id)
             .outerjoin(reopened, reopened.c.thread_id == threads.c.thread_id))
    rows = []
    for row in conn.execute(query).mappings():
        item = dict(row)
        for key in ("started_at", "resolved_at", "escalated_at", "reopened_at"):
            item[key] = _aware(item[key])
        rows.append(item)
    return rows


def _fold_conversations(rows: list[dict[str, Any]], s: MetricsSettings
                        ) -> tuple[Resolution, HandlingTime, tuple[int, int], int]:
    resolved = fcr = reopened = escalated = 0
    times: dict[str, list[float]] = {"all": [], "bot": [], "human": []}
    for c in rows:
        if c["escalated_at"] is not None:
            escalated += 1
        if c["resolved_at"] is None:
            continue
        resolved += 1
        human_before = c["escalated_at"] is not None and c["escalated_at"] <= c["resolved_at"]
        again = c["reopened_at"] is not None and c["reopened_at"] - c["resolved_at"] <= s.reopen_window
        reopened += again
        fcr += not human_before and not again
        seconds = (c["resolved_at"] - c["started_at"]).total_seconds()
        times["all"].append(seconds)
        times["human" if human_before else "bot"].append(seconds)
    resolution = Resolution(len(rows), resolved, fcr, reopened, _ratio(fcr, len(rows)))
    handling = HandlingTime(durations(times["all"]), durations(times["bot"]), durations(times["human"]))
    return resolution, handling, (len(rows), escalated), escalated


# --- escalations: reviews of the period's conversations ----------------------------------------------------------

class _Reviews:
    def __init__(self) -> None:
        self.queues: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.texts: list[str] = []


def _review_reasons(conn: Connection, s: MetricsSettings) -> _Reviews:
    threads = _period_threads(s)
    out = _Reviews()
    per_queue = (select(rq.c.queue, func.count(rq.c.thread_id.distinct()))
                 .join(threads, threads.c.thread_id == rq.c.thread_id).group_by(rq.c.queue))
    for queue, n in conn.execute(per_queue):
        out.queues[str(queue)] = int(n)
    for (reasons,) in conn.execute(select(rq.c.reasons).join(threads, threads.c.thread_id == rq.c.thread_id)):
        for reason in reasons or []:
            out.reasons[reason_category(str(reason))] += 1
            out.texts.append(str(reason))
    return out


def reason_category(reason: str) -> str:
    """A review reason with its numbers masked, so that the same rule groups whatever the amount."""
    return _NUMBER.sub("#", reason).strip()


# --- CSAT ----------------------------------------------------------------------------------------------------------

def _csat(conn: Connection, s: MetricsSettings) -> tuple[list[tuple[str, int]], set[str]]:
    """The period's ratings in time order, and the conversations the agent asked for one."""
    threads = _period_threads(s)
    query = (select(ev.c.thread_id, ev.c.payload["score"].as_integer())
             .join(threads, threads.c.thread_id == ev.c.thread_id)
             .where(ev.c.kind == CSAT_EVENT).order_by(ev.c.created_at, ev.c.id))
    ratings = [(str(t), int(score)) for t, score in conn.execute(query) if score is not None]
    asked = (select(ev.c.thread_id).distinct().join(threads, threads.c.thread_id == ev.c.thread_id)
             .where(ev.c.kind == "respond", ev.c.payload["csat_asked"].as_boolean().is_(True)))
    return ratings, {str(t) for t in conn.execute(asked).scalars()}


def _fold_csat(rows: list[tuple[str, int]], asked: set[str]) -> Csat:
    latest = dict(rows)  # ordered by time: the latest rating of a thread wins
    scores = list(latest.values())
    distribution = {str(n): 0 for n in range(1, 6)}
    for score in scores:
        distribution[str(score)] = distribution.get(str(score), 0) + 1
    answered = len(asked & latest.keys())
    return Csat(len(scores), statistics.fmean(scores) if scores else None, distribution, len(asked),
                _ratio(answered, len(asked)))


# --- confidence and calibration ------------------------------------------------------------------------------------

def _calibration(conn: Connection, s: MetricsSettings) -> Calibration:
    n = s.confidence_bins
    in_queues = true() if s.queues is None else _assessed_queue().in_(s.queues)
    first_assess = (select(func.min(ev.c.id).label("id"))
                    .where(ev.c.kind == "assess", _in_period(s, ev.c.created_at), in_queues)
                    .group_by(ev.c.thread_id, ev.c.turn).subquery("first_assess"))
    confidence = ev.c.payload["confidence"].as_float()
    bin_of = case(*[(confidence < (b + 1) / n, b) for b in range(n - 1)], else_=n - 1).label("bin")
    reviewed = rq.c.thread_id.is_not(None)
    base = (select(bin_of, confidence.label("confidence"), rq.c.status, rq.c.decision)
            .select_from(ev.join(first_assess, first_assess.c.id == ev.c.id)
                         .outerjoin(rq, and_(rq.c.thread_id == ev.c.thread_id, rq.c.turn == ev.c.turn)))
            .where(confidence.is_not(None)))
    turns: Counter[int] = Counter()
    sums: defaultdict[int, float] = defaultdict(float)
    judged: Counter[int] = Counter()
    ok: Counter[int] = Counter()
    # Turns no person reviewed: counted and summed per bin in the database.
    plain = base.where(~reviewed).subquery("plain")
    for b, count, total in conn.execute(select(plain.c.bin, func.count(), func.sum(plain.c.confidence))
                                        .group_by(plain.c.bin)):
        turns[int(b)] += int(count)
        sums[int(b)] += float(total)
        judged[int(b)] += int(count)
        ok[int(b)] += int(count)
    # Reviewed turns (a minority): the reviewer's decisions say whether the agent's proposal stood.
    for b, conf, status, decision in conn.execute(base.where(reviewed)):
        turns[int(b)] += 1
        sums[int(b)] += float(conf)
        if status == "resolved" and decision:
            judged[int(b)] += 1
            ok[int(b)] += not corrected(decision)
    bins = []
    for b in range(n):
        observed = _ratio(ok[b], judged[b])
        bins.append(ConfidenceBin(round(b / n, 6), round((b + 1) / n, 6), turns[b],
                                  sums[b] / turns[b] if turns[b] else None, judged[b], ok[b], observed))
    total_judged = sum(judged.values())
    ece = None
    if total_judged:
        # Each bin's gap is between the confidence and the outcome of the same (judged) turns; for bins where
        # some turns still wait, the bin's mean confidence stands in for theirs.
        ece = sum(bn.judged / total_judged * abs((bn.observed or 0.0) - (bn.mean_confidence or 0.0))
                  for bn in bins if bn.judged)
    return Calibration(sum(turns.values()), total_judged, bins, ece)


def selective(cal: Calibration, target_risk: float) -> Selective:
    """The risk–coverage curve at each bin's lower edge: answering alone every turn at or above it."""
    curve = []
    total = cal.turns
    for b in range(len(cal.bins) - 1, -1, -1):
        above = cal.bins[b:]
        turns = sum(x.turns for x in above)
        judged = sum(x.judged for x in above)
        if not turns:
            continue
        risk = 1.0 - sum(x.handled_ok for x in above) / judged if judged else None
        curve.append(RiskPoint(cal.bins[b].lower, turns / total, risk))
    within = [p for p in curve if p.risk is not None and p.risk <= target_risk + 1e-12]
    return Selective(target_risk, curve, max(within, key=lambda p: p.coverage) if within else None)


def corrected(decision: dict[str, Any]) -> bool:
    """Did the reviewer change what the agent proposed? Anything but approving every action unchanged."""
    decisions = decision.get("decisions") or []
    return not decisions or any(d.get("type") != "approve" for d in decisions)


# --- reviewer workload ---------------------------------------------------------------------------------------------

def _workload(conn: Connection, s: MetricsSettings) -> Workload:
    waiting = and_(rq.c.status.in_(("open", "resolving")), true() if s.queues is None else rq.c.queue.in_(s.queues))
    open_by_queue = {str(q): int(n) for q, n in conn.execute(
        select(rq.c.queue, func.count()).where(waiting).group_by(rq.c.queue).order_by(rq.c.queue))}
    oldest = _aware(conn.execute(select(func.min(rq.c.created_at)).where(waiting)).scalar())
    now = _utc(s.now or datetime.now(UTC))
    rows = conn.execute(select(rq.c.assigned_to, rq.c.created_at, rq.c.resolved_at)
                        .where(rq.c.status == "resolved", rq.c.resolved_at.is_not(None),
                               _in_period(s, rq.c.created_at),
                               true() if s.queues is None else rq.c.queue.in_(s.queues)))
    every: list[float] = []
    per: defaultdict[str, list[float]] = defaultdict(list)
    for reviewer, created, resolved in rows:
        seconds = (_aware(resolved) - _aware(created)).total_seconds()  # type: ignore[operator]
        every.append(seconds)
        per[reviewer or "unknown"].append(seconds)
    loads = [ReviewerLoad(r, len(v), durations(v)) for r, v in sorted(per.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    return Workload(open_by_queue, (now - oldest).total_seconds() if oldest else None, durations(every), loads)


# --- tokens and costs ----------------------------------------------------------------------------------------------

class _Tokens(NamedTuple):
    input: int
    output: int
    carrying: int  # events with token counts
    recorded_cost: float  # dollars the events recorded themselves (cost_usd)
    unpriced_input: int  # tokens of events that recorded no cost: priced with the metrics settings
    unpriced_output: int


def _tokens(conn: Connection, s: MetricsSettings) -> _Tokens:
    threads = _period_threads(s)
    input_tokens, output_tokens = token_columns(ev.c.payload)
    cost = recorded_cost(ev.c.payload)

    def total(column: Any, where: Any = None) -> Any:
        return func.coalesce(func.sum(column if where is None else case((where, column))), 0)

    query = (select(total(input_tokens), total(output_tokens),
                    func.count().filter(or_(input_tokens.is_not(None), output_tokens.is_not(None))),
                    total(cost), total(input_tokens, cost.is_(None)), total(output_tokens, cost.is_(None)))
             .join(threads, threads.c.thread_id == ev.c.thread_id).where(counted(ev.c.kind)))
    i, o, carrying, dollars, unpriced_i, unpriced_o = conn.execute(query).one()
    return _Tokens(int(i), int(o), int(carrying), float(dollars), int(unpriced_i), int(unpriced_o))


def _costs(conversations: int, human: int, tokens: _Tokens, s: MetricsSettings) -> Costs:
    priced = (tokens.unpriced_input * s.price_input_per_million
              + tokens.unpriced_output * s.price_output_per_million) / 1e6
    token_cost = tokens.recorded_cost + priced
    automated = conversations - human
    without = conversations * s.cost_human
    with_agent = human * s.cost_human + automated * s.cost_automated + token_cost
    return Costs(conversations, human, automated, _ratio(automated, conversations), tokens.input, tokens.output,
                 tokens.carrying > 0, round(token_cost, 6), round(tokens.recorded_cost, 6), round(without, 6),
                 round(with_agent, 6), round(without - with_agent, 6))


# --- sentiment trend -----------------------------------------------------------------------------------------------

def _sentiment(conn: Connection, db: Database, s: MetricsSettings) -> list[SentimentDay]:
    day = (func.to_char(func.timezone("UTC", ev.c.created_at), "YYYY-MM-DD") if db.dialect == "postgresql"
           else func.strftime("%Y-%m-%d", ev.c.created_at)).label("day")
    score = ev.c.payload[("sentiment", "score")].as_float()
    negative = ev.c.payload[("sentiment", "label")].as_string() == "negative"
    query = (select(day, func.count(score), func.avg(score), func.count().filter(negative))
             .where(ev.c.kind == "ingest", _in_period(s, ev.c.created_at), _in_queues(s, ev.c.thread_id),
                    score.is_not(None))
             .group_by(day).order_by(day))
    return [SentimentDay(str(d), int(n), float(mean) if mean is not None else None, int(neg))
            for d, n, mean, neg in conn.execute(query)]


# --- helpers -------------------------------------------------------------------------------------------------------

def durations(values: list[float]) -> Durations:
    """Count, mean, median and 90th percentile (linear interpolation between ranks, as numpy's default)."""
    if not values:
        return Durations(0, None, None, None)
    ordered = sorted(values)
    return Durations(len(ordered), statistics.fmean(ordered), statistics.median(ordered), percentile(ordered, 0.9))


def percentile(ordered: list[float], q: float) -> float:
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _aware(at: datetime | None) -> datetime | None:
    return None if at is None else _utc(at)


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
