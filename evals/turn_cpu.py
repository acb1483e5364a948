"""CPU of one support turn in process, against a trivial graph on the same checkpointer: what the graph's own work
costs, without a server around it.

``supportgraph bench cpu`` runs the support graph (``SupportService.graph``, ``durability="sync"`` as every host
runs it) on fresh threads with one message, and the floor graph of ``bench serve`` (evals/serve_floor.py) compiled
with the same checkpointer, interleaved turn by turn so both see the same state of a shared machine; it prints the
median process CPU (``time.process_time``: every thread, LangGraph's background checkpoint writes included) and
wall time of each. ``--profile FILE`` writes a cProfile of the support turns (pstats; on the CPU clock).

A benchmark, not a test: it asserts nothing. The database must be migrated and hold the demo company.
"""

from __future__ import annotations

import cProfile
import os
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage

from service.conversations import open_service


@dataclass
class CpuReport:
    turns: int
    support_cpu_ms: float
    support_wall_ms: float
    floor_cpu_ms: float
    floor_wall_ms: float
    load: float

    @property
    def own_cpu_ms(self) -> float:
        """What the support turn costs beyond the floor's."""
        return self.support_cpu_ms - self.floor_cpu_ms


def bench_turn_cpu(
    database_url: str,
    *,
    text: str = "Where is my order 10003?",
    customer_id: str = "C0001",
    turns: int = 200,
    warm: int = 20,
    profile: Path | None = None,
) -> CpuReport:
    """Median CPU and wall time of ``turns`` support turns (``text`` on a fresh thread each) and of as many floor
    turns on the same checkpointer, after ``warm`` turns of each."""
    from evals.serve_floor import builder as floor_builder

    load = os.getloadavg()[0]
    run = uuid.uuid4().hex[:8]
    with open_service(database_url) as service:
        service.warm_up()
        floor = floor_builder.compile(checkpointer=service.graph.checkpointer, name="floor")
        profiler = cProfile.Profile(time.process_time) if profile is not None else None

        def support(i: int) -> None:
            payload: Any = {"messages": [HumanMessage(content=text)], "customer_id": customer_id}
            service.graph.invoke(payload, service._config(f"cpu-{run}-{i}"), context=service.context, durability="sync")

        def bare(i: int) -> None:
            config: Any = {"configurable": {"thread_id": f"cpu-floor-{run}-{i}"}}
            floor.invoke({"messages": [HumanMessage(content=text)]}, config, durability="sync")

        for i in range(warm):
            support(-1 - i)
            bare(-1 - i)
        figures: dict[str, tuple[list[float], list[float]]] = {"support": ([], []), "floor": ([], [])}

        def timed(name: str, turn: Callable[[int], None], i: int, prof: cProfile.Profile | None) -> None:
            cpu, wall = time.process_time(), time.perf_counter()
            if prof is not None:
                prof.enable()
            turn(i)
            if prof is not None:
                prof.disable()
            figures[name][0].append((time.process_time() - cpu) * 1000)
            figures[name][1].append((time.perf_counter() - wall) * 1000)

        for i in range(turns):
            timed("support", support, i, profiler)
            timed("floor", bare, i, None)
        if profiler is not None and profile is not None:
            profiler.dump_stats(profile)
    med = {name: (statistics.median(cpu), statistics.median(wall)) for name, (cpu, wall) in figures.items()}
    return CpuReport(
        turns=turns,
        support_cpu_ms=med["support"][0],
        support_wall_ms=med["support"][1],
        floor_cpu_ms=med["floor"][0],
        floor_wall_ms=med["floor"][1],
        load=load,
    )
