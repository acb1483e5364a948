"""The ``Server-Timing`` header of a run request: where the server spent the run's time (foundation/spans.py).

Phases, in milliseconds, from the moment the guard took the request:

* ``guard``: its checks, the thread's lock included, until Aegra gets the request;
* ``before``: Aegra's work until the graph's first step starts (the run's records, the checkpoint read, the wait
  for a thread to run the step in);
* ``steps``: the graph's steps, end to end; ``cpu``: the CPU time of the threads that ran them (the rest of
  ``steps`` is their waits: the database, the locks, the CPU taken by other threads and processes);
* ``between``: the gaps between the steps (their checkpoints, the stored events, the next step's wait);
* ``after``: from the last step to the answer (the last checkpoint, the run's status and output);
* ``total``: the guard's whole time.

A run that ran no step (refused by Aegra, or answered from the checkpoint) has ``guard`` and ``total`` only.
``supportgraph bench load`` reads the header; browsers' developer tools show it too.
"""

from __future__ import annotations

import time
from contextlib import suppress

from foundation.spans import Spans

HEADER = b"server-timing"


def phases(spans: Spans, forwarded: float, responded: float | None = None) -> dict[str, float]:
    """The phases above, in milliseconds."""
    responded = time.perf_counter() if responded is None else responded
    out = {"guard": forwarded - spans.started}
    if spans.steps:
        first = min(s[1] for s in spans.steps)
        last = max(s[2] for s in spans.steps)
        walls = sum(s[2] - s[1] for s in spans.steps)
        out |= {"before": first - forwarded, "steps": walls, "cpu": sum(s[3] for s in spans.steps),
                "between": (last - first) - walls, "after": responded - last}
    out["total"] = responded - spans.started
    return {name: round(seconds * 1000, 2) for name, seconds in out.items()}


def header(spans: Spans, forwarded: float) -> tuple[bytes, bytes]:
    value = ", ".join(f"{name};dur={ms}" for name, ms in phases(spans, forwarded).items())
    return HEADER, value.encode("ascii")


def parse(value: str) -> dict[str, float]:
    """A ``Server-Timing`` header's durations by name (the client side: the load benchmark)."""
    out = {}
    for part in value.split(","):
        name, _, rest = part.strip().partition(";")
        for param in rest.split(";"):
            key, _, number = param.strip().partition("=")
            if key == "dur" and name:
                with suppress(ValueError):
                    out[name] = float(number)
    return out
