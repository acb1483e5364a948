"""Where a served run's time goes: the graph's steps, timed into the request that started the run.

``serve``'s guard opens a :class:`Spans` for each run request (``collecting``); Aegra creates the run's task in
the request's context and LangGraph runs each step in a thread that copies it, so the steps of that run record
their wall time and the CPU time of the thread that ran them (``step``) into the same object. The guard answers
with them in a ``Server-Timing`` header (foundation.server_timing), which ``supportgraph bench load`` reads to
split a turn's latency into the queue before the server took the request, the guard's checks, Aegra's work
before, between and after the steps, and the steps themselves (their CPU, and their waits). Outside a request
(the CLI, tests) nothing is collected: ``step`` costs one context-variable read.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class Spans:
    """One request's timings, on the ``time.perf_counter`` clock (seconds)."""

    started: float = field(default_factory=time.perf_counter)
    steps: list[tuple[str, float, float, float]] = field(default_factory=list)  # (name, start, end, CPU seconds)


_current: ContextVar[Spans | None] = ContextVar("supportgraph_spans", default=None)


@contextmanager
def collecting() -> Iterator[Spans]:
    """Collect the spans of whatever runs in this context (and the tasks and threads it starts) until exit."""
    spans = Spans()
    token = _current.set(spans)
    try:
        yield spans
    finally:
        _current.reset(token)


@contextmanager
def step(name: str) -> Iterator[None]:
    """Time a graph step into the request's spans, if a request collects them."""
    spans = _current.get()
    if spans is None:
        yield
        return
    start, cpu = time.perf_counter(), time.thread_time()
    try:
        yield
    finally:
        spans.steps.append((name, start, time.perf_counter(), time.thread_time() - cpu))
