"""Router benchmarks: generated support messages (varied, mostly distinct, built from the project's examples) and
the timing loops of ``supportgraph bench router``."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from graphs.reasoners.local.entities import extract_entities
from graphs.reasoners.local.examples import load_examples
from graphs.reasoners.local.sentiment import analyse_sentiment

_OPENERS = ("", "", "", "hi, ", "Hello! ", "hey ", "Good morning. ", "ok so ", "Excuse me, ", "URGENT: ")
_CLOSERS = ("", "", "", " thanks", " Thank you!", " pls", " asap", " cheers", "??", " - sent from my phone")
_NAMES = ("Maya", "Jonas", "Priya", "Tom", "Aiko", "Lena", "Omar", "Sofia")


def generated_messages(count: int, *, seed: int = 0) -> list[str]:
    """``count`` messages: a project example with a random opener, closer, order number or signature."""
    rng = random.Random(seed)
    base = [e.text for e in load_examples()]
    out = []
    for _ in range(count):
        text = rng.choice(base)
        extra = rng.random()
        if extra < 0.3:
            text += f" (order {rng.randint(10000, 19999)})"
        elif extra < 0.45:
            text += f" - {rng.choice(_NAMES)}"
        out.append(f"{rng.choice(_OPENERS)}{text}{rng.choice(_CLOSERS)}")
    return out


@dataclass
class BatchFigures:
    steady_rate: float  # messages per second of wall-clock time once the first row is out (median run)
    overall_rate: float  # messages per second of wall-clock time, start-up (model load, workers) included
    start_s: float  # seconds until the first row came out (median run)
    steady_runs: list[float]


@dataclass
class SingleFigures:
    p50_ms: float
    p90_ms: float
    cpu_p50_ms: float


def bench_batch(run: Callable[[list[str]], Iterator[object]], texts: list[str], repeats: int) -> BatchFigures:
    """Time ``run(texts)``, which yields a row per message handled, ``repeats`` times.

    The steady rate counts the rows after the first and the time after it came out, so a one-off start-up (worker
    processes loading the model) is reported apart (``start_s``) instead of diluting the throughput.
    """
    steady, overall, starts = [], [], []
    for _ in range(repeats):
        began = time.perf_counter()
        first: float | None = None
        n = 0
        for _row in run(texts):
            n += 1
            if first is None:
                first = time.perf_counter()
        end = time.perf_counter()
        first = first if first is not None else end
        starts.append(first - began)
        steady.append((n - 1) / max(end - first, 1e-9) if n > 1 else 0.0)
        overall.append(n / max(end - began, 1e-9))
    return BatchFigures(statistics.median(steady), statistics.median(overall), statistics.median(starts), steady)


def bench_singles(detect: Callable[[str], object], texts: list[str], repeats: int) -> SingleFigures:
    """Per-message latency of ``detect``, medians over ``repeats`` runs of p50 and p90 (wall) and p50 (CPU)."""
    p50s, p90s, cpu50s = [], [], []
    for _ in range(repeats):
        walls, cpus = [], []
        for text in texts:
            wall, cpu = time.perf_counter(), time.process_time()
            detect(text)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        walls.sort()
        p50s.append(statistics.median(walls))
        p90s.append(walls[int(0.9 * (len(walls) - 1))])
        cpu50s.append(statistics.median(cpus))
    return SingleFigures(statistics.median(p50s), statistics.median(p90s), statistics.median(cpu50s))


def bench_columns(texts: list[str], catalogue: tuple[str, ...], repeats: int) -> dict[str, float]:
    """CPU milliseconds per message of triage's entity and sentiment columns (medians over ``repeats`` runs).

    Each column is run once over the texts before timing, so the caches (dates, catalogue tokens) are as warm
    as they are in a long triage run.
    """

    now = datetime(2026, 1, 1, tzinfo=UTC)
    columns: dict[str, Callable[[str], object]] = {
        "entities": lambda text: extract_entities(text, now=now, catalogue=catalogue),
        "sentiment": analyse_sentiment,
    }
    out = {}
    for name, column in columns.items():
        for text in texts:
            column(text)
        runs = []
        for _ in range(repeats):
            began = time.process_time()
            for text in texts:
                column(text)
            runs.append((time.process_time() - began) * 1000 / max(len(texts), 1))
        out[name] = statistics.median(runs)
    return out
