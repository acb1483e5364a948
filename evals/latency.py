"""Turn-latency benchmark: median and p90 of full graph turns (ingest → respond) on a given database.

A benchmark, not a test: run ``supportgraph bench turns`` and read the figures; the machine is shared and noisy.
"""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass

from service.conversations import open_service

# Signed-in customer C0001; each script is one short conversation, replayed on new threads.
SCRIPTS: tuple[tuple[str, ...], ...] = (
    ("Where is my order 10003?",),
    ("How long does standard delivery take?",),
    ("Please cancel order 10001", "no, leave it"),
    ("Can I get a refund for order 10004? The HDMI cable is faulty.",),
    ("What payment methods do you accept?",),
    ("I forgot my password",),
)


@dataclass
class LatencyReport:
    database: str
    turns: int
    median_ms: float
    p90_ms: float
    mean_ms: float
    warm_up_s: float


def bench_turns(database_url: str, *, turns: int = 50) -> LatencyReport:
    """Run ``turns`` customer turns (after warm-up) and report their latency."""
    started = time.perf_counter()
    with open_service(database_url) as service:
        service.warm_up()
        warm = time.perf_counter() - started
        latencies: list[float] = []
        run = uuid.uuid4().hex[:6]
        n = 0
        while len(latencies) < turns:
            script = SCRIPTS[n % len(SCRIPTS)]
            thread = f"bench-{run}-{n}"
            for text in script:
                if len(latencies) >= turns:
                    break
                t0 = time.perf_counter()
                service.send(thread, text, customer_id="C0001")
                latencies.append((time.perf_counter() - t0) * 1000)
            n += 1
    ordered = sorted(latencies)
    return LatencyReport(
        database=database_url.split("@")[-1] if "@" in database_url else database_url,
        turns=len(latencies),
        median_ms=statistics.median(ordered),
        p90_ms=ordered[max(0, int(len(ordered) * 0.9) - 1)],
        mean_ms=statistics.fmean(ordered),
        warm_up_s=warm,
    )
