"""The lead's dashboard as data: the period's figures (compute_metrics) and the headline figures per day or week.

One JSON document that web/inbox/dashboard.js draws, whether the inbox serves it (``GET /inbox/dashboard``)
or ``supportgraph metrics --html`` writes it into a self-contained page (service/metrics/report.py).
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from foundation.db import Database
from service.metrics.compute import compute_metrics
from service.metrics.model import Metrics, MetricsSettings

Bucket = Literal["day", "week"]
MAX_BUCKETS = 120
DEFAULT_DAYS = 30


def headline(m: Metrics) -> dict[str, float | int | None]:
    """The tiles: first-contact resolution, handling time, CSAT, escalation and automation rates, savings."""
    return {
        "conversations": m.resolution.conversations,
        "fcr_rate": m.resolution.fcr_rate,
        "handling_median_seconds": m.handling_time.all.median,
        "csat_mean": m.csat.mean,
        "escalation_rate": m.escalation.rate,
        "automation_rate": m.costs.automation_rate,
        "savings": m.costs.savings,
    }


def buckets(since: datetime, until: datetime, bucket: Bucket) -> list[tuple[datetime, datetime]]:
    """Whole UTC days (weeks from Monday) from the one holding ``since`` to the one holding ``until``."""
    step = timedelta(days=1 if bucket == "day" else 7)
    start = since.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if bucket == "week":
        start -= timedelta(days=start.weekday())
    out: list[tuple[datetime, datetime]] = []
    while start < until and len(out) < MAX_BUCKETS:
        out.append((start, start + step))
        start += step
    return out


def dashboard_data(db: Database, settings: MetricsSettings, bucket: Bucket = "day") -> dict[str, Any]:
    """The period's figures and their trend; a period without a start covers the last DEFAULT_DAYS days."""
    now = settings.now or datetime.now(UTC)
    until = settings.until or now
    since = settings.since or until - timedelta(days=DEFAULT_DAYS)
    figures = compute_metrics(db, settings)
    trend = []
    for start, end in buckets(since, until, bucket):
        m = compute_metrics(db, replace(settings, since=start, until=end))
        trend.append({"start": start.isoformat(), "end": end.isoformat(), **headline(m)})
    return {
        "generated_at": now.isoformat(),
        "since": settings.since.isoformat() if settings.since else None,
        "until": settings.until.isoformat() if settings.until else None,
        "queues": list(settings.queues) if settings.queues is not None else None,
        "bucket": bucket,
        "headline": headline(figures),
        "trend": trend,
        "metrics": asdict(figures),
    }
