"""``supportgraph bench serve``: the support graph served against its server's floor, side by side.

The floor is a trivial 3-node graph on bare Aegra with the same checkpointer (evals/serve_floor.py); the support
graph runs under ``supportgraph serve`` (its guard and keys) answering "where is my order 10003?" for a signed-in
customer. Both run on loopback ports over their own fresh database on one Postgres, interleaved in rounds (the
order alternates), so machine noise falls on both: sequential p50/p99 of ``runs.wait`` on fresh threads,
throughput at each client count, with 1 and then 2 worker processes. A benchmark: it prints, it asserts nothing.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from evals.served import Server, databases, start_floor, start_support, stop, work_folder
from tools.store import prepare_demo_store

QUESTION = "where is my order 10003?"
CUSTOMER = "bench-customer"
TIMEOUT = httpx.Timeout(120.0)


class RunFailed(RuntimeError):
    """A benchmark run did not answer 200 with the graph's reply."""


@dataclass
class ServeFigures:
    """What one server measured, figure name → list of per-round values (sequential: every run's ms)."""

    sequential_ms: list[float] = field(default_factory=list)
    throughput: dict[tuple[int, int], list[float]] = field(default_factory=dict)  # (workers, clients) → runs/s
    cpu_ms: list[float] = field(default_factory=list)  # server CPU per run (all its processes) in each phase
    errors: int = 0


@dataclass
class ServeReport:
    floor: ServeFigures
    support: ServeFigures
    rounds: int
    clients: tuple[int, ...]
    workers: tuple[int, ...]

    def rows(self) -> list[tuple[str, float, float, float]]:
        """(figure, floor, support, support/floor) in print order; latencies in ms, throughput in runs/s."""
        rows = []
        for label, pick in (("sequential p50 ms", 50), ("sequential p99 ms", 99)):
            f, s = percentile(self.floor.sequential_ms, pick), percentile(self.support.sequential_ms, pick)
            rows.append((f"1 worker, {label}", f, s, s / f if f else 0.0))
        for workers in self.workers:
            for clients in self.clients:
                f = _median(self.floor.throughput.get((workers, clients), []))
                s = _median(self.support.throughput.get((workers, clients), []))
                rows.append((f"{workers} worker{'s' if workers > 1 else ''}, {clients} clients runs/s", f, s,
                             s / f if f else 0.0))
        f, s = _median(self.floor.cpu_ms), _median(self.support.cpu_ms)
        rows.append(("server CPU ms per run (all phases)", f, s, s / f if f else 0.0))
        if len(self.workers) > 1:
            most, first = max(self.clients), self.workers[0]
            for second in self.workers[1:]:
                gain = [_gain(figures, first, second, most) for figures in (self.floor, self.support)]
                rows.append((f"gain {first}→{second} workers at {most} clients", gain[0], gain[1],
                             gain[1] / gain[0] if gain[0] else 0.0))
        return rows


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of process ``pid`` and its children so far, from /proc (0 where there is none):
    a figure the other processes of a shared machine barely move, unlike wall time."""
    clock = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for each in (pid, *map(int, children)):
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / clock
    except (OSError, ValueError, IndexError):
        return 0.0
    return total


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def _gain(figures: ServeFigures, first: int, second: int, clients: int) -> float:
    base = _median(figures.throughput.get((first, clients), []))
    return _median(figures.throughput.get((second, clients), [])) / base if base else 0.0


# ---- one server's client side ---------------------------------------------------------------------------------


def _client(server: Server, connections: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.base_url, timeout=TIMEOUT, headers=server.headers(
        CUSTOMER if server.kind == "support" else None), limits=httpx.Limits(max_connections=connections,
                                                                            max_keepalive_connections=connections))


async def new_threads(client: httpx.AsyncClient, count: int, concurrency: int = 10) -> list[str]:
    """Up to ``count`` fresh threads (not timed); one the server fails to open is left out (a failed run)."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> str | None:
        async with gate:
            try:
                response = await client.post("/threads", json={})
            except httpx.HTTPError:
                return None
            return str(response.json()["thread_id"]) if response.status_code == 200 else None

    return [t for t in await asyncio.gather(*(one() for _ in range(count))) if t is not None]


async def ask(client: httpx.AsyncClient, server: Server, thread_id: str, text: str = QUESTION) -> dict[str, Any]:
    """One customer message through ``runs.wait``; the thread's values, or RunFailed."""
    response = await client.post(f"/threads/{thread_id}/runs/wait", json={
        "assistant_id": server.assistant, "input": {"messages": [{"role": "user", "content": text}]}})
    if response.status_code != 200:
        raise RunFailed(f"runs/wait answered {response.status_code}: {response.text[:300]}")
    values = response.json()
    if not isinstance(values, dict) or "__error__" in values or not values.get("messages"):
        raise RunFailed(f"runs/wait answered without a reply: {str(values)[:300]}")
    return values


async def sequential(server: Server, runs: int) -> tuple[list[float], int]:
    """ms of each of ``runs`` runs, one after another, each on a fresh thread; and how many failed."""
    async with _client(server, 2) as client:
        threads = await new_threads(client, runs)
        timings, failed = [], runs - len(threads)
        for thread_id in threads:
            started = time.perf_counter()
            try:
                await ask(client, server, thread_id)
            except (RunFailed, httpx.HTTPError):
                failed += 1
                continue
            timings.append((time.perf_counter() - started) * 1000)
    return timings, failed


async def throughput(server: Server, clients: int, runs: int) -> tuple[float, int]:
    """runs/s of ``runs`` runs by ``clients`` concurrent clients (fresh threads), and how many failed."""
    async with _client(server, clients) as client:
        threads = await new_threads(client, runs)
        queue: asyncio.Queue[str] = asyncio.Queue()
        for thread_id in threads:
            queue.put_nowait(thread_id)
        failed = runs - len(threads)

        async def worker() -> None:
            nonlocal failed
            while not queue.empty():
                thread_id = queue.get_nowait()
                try:
                    await ask(client, server, thread_id)
                except (RunFailed, httpx.HTTPError):
                    failed += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return (runs - failed) / elapsed, failed


# ---- the benchmark --------------------------------------------------------------------------------------------


def bench_serve(admin_url: str, *, rounds: int = 3, sequential_runs: int = 30, clients: Sequence[int] = (20, 50),
                runs_per_client: int = 3, workers: Sequence[int] = (1, 2), warm_up: int = 5,
                progress: Callable[[str], None] = print) -> ServeReport:
    """Start the floor and the support server (each on a fresh database of ``admin_url``'s server) for each worker
    count in turn and measure both, interleaved, ``rounds`` times. Throughput runs ``runs_per_client`` runs per
    client at each client count."""
    figures = {"floor": ServeFigures(), "support": ServeFigures()}
    with work_folder() as folder, databases(admin_url, 2) as (floor_db, support_db):
        prepare_demo_store(support_db)  # the throwaway database gets the demo company (serve seeds nothing)
        for count in workers:
            progress(f"starting the floor and the support server with {count} worker(s)")
            servers = [start_floor(floor_db, count, folder)]
            try:
                servers.append(start_support(support_db, count, folder))
                asyncio.run(_warm(servers, warm_up))
                for r in range(rounds):
                    for server in servers if r % 2 == 0 else servers[::-1]:
                        mine = figures[server.kind]
                        if count == workers[0]:
                            timings, failed = asyncio.run(sequential(server, sequential_runs))
                            mine.sequential_ms += timings
                            mine.errors += failed
                        for n in clients:
                            cpu = cpu_seconds(server.process.pid)
                            rate, failed = asyncio.run(throughput(server, n, n * runs_per_client))
                            mine.cpu_ms.append((cpu_seconds(server.process.pid) - cpu) * 1000 / (n * runs_per_client))
                            mine.throughput.setdefault((count, n), []).append(rate)
                            mine.errors += failed
                    progress(f"  round {r + 1}/{rounds} done")
            finally:
                for server in servers:
                    stop(server)
    return ServeReport(figures["floor"], figures["support"], rounds, tuple(clients), tuple(workers))


async def _warm(servers: list[Server], runs: int) -> None:
    for server in servers:
        async with _client(server, 4) as client:
            threads = await new_threads(client, max(runs, server.workers * 2))
            await asyncio.gather(*(ask(client, server, t) for t in threads))
