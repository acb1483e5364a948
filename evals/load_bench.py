"""``supportgraph bench load``: many conversations at once through ``supportgraph serve`` on one Postgres.

Each conversation is a demo customer with a key of its own, on a thread of its own: where is my order, then
(by turns) a request a person must see, a refund of a delivered order (confirmed), or questions. Whenever a thread waits
for a reviewer, a reviewer client (one key, every queue) reads the request and answers it (approves what may be
approved, else answers in person). Afterwards the business data is checked: no order refunded twice, no refund
on an order nobody asked about. A benchmark: it prints errors, turn latency and the check; it asserts nothing.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg

from evals.serve_bench import TIMEOUT, percentile
from evals.served import Server, databases, start_support, stop, work_folder
from foundation import server_timing as timing
from foundation.principals import Principal
from service.demo import CONVERSATIONS
from tools.store import prepare_demo_store

PERSON_TEXT = CONVERSATIONS[3].messages[0]  # the demo's upset customer asking for a person
REVIEWER = "load-reviewer"
IN_PERSON = "Hi, this is Sam from customer care: I have read your messages and I'm calling you now."


@dataclass
class LoadReport:
    conversations: int
    workers: int
    think: float
    turn_ms: list[float] = field(default_factory=list)  # every customer turn (runs.wait)
    resume_ms: list[float] = field(default_factory=list)  # every reviewer resume (runs.wait)
    errors: list[str] = field(default_factory=list)
    interrupted: int = 0
    stuck: int = 0  # threads that still waited for a reviewer after three decisions in one turn
    refunds_asked: int = 0
    refunds_made: int = 0
    double_refunds: list[int] = field(default_factory=list)  # orders refunded more than once
    unasked_refunds: list[int] = field(default_factory=list)  # orders refunded that no conversation asked about
    seconds: float = 0.0
    # every run: (seconds since the start, what, client ms, the server's phases: foundation.server_timing)
    runs: list[tuple[float, str, float, dict[str, float]]] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def line(self) -> str:
        every = self.turn_ms + self.resume_ms
        return (f"{self.conversations} conversations at once ({self.think:g} s between turns), {self.workers} "
                f"worker(s): {len(self.errors)} errors · "
                f"{len(self.turn_ms)} customer turns + {len(self.resume_ms)} reviewer resumes in "
                f"{self.seconds:.1f} s · turn p50 {percentile(every, 50):.0f} ms · p99 {percentile(every, 99):.0f} "
                f"ms · resume p50 {percentile(self.resume_ms, 50):.0f} ms · {self.interrupted} interrupted, "
                f"{self.stuck} still waiting after three decisions · "
                f"refunds asked {self.refunds_asked}, made {self.refunds_made}, twice {len(self.double_refunds)}, "
                f"unasked {len(self.unasked_refunds)}")

    def phases(self) -> list[str]:
        """Where the runs' time went, by the server's ``Server-Timing`` (foundation.server_timing) and the
        client's clock: for customer turns and reviewer resumes, the median run and the slowest 1 % (mean of
        each phase); ``outside`` is the client's time the server did not see (the connection, the worker's
        queue before the guard took the request)."""
        lines = []
        for what in ("customer turn", "reviewer resume"):
            runs = sorted((r for r in self.runs if r[1] == what), key=lambda r: r[2])
            if not runs:
                continue
            middle = runs[len(runs) // 2: len(runs) // 2 + 1]
            slowest = runs[-max(1, len(runs) // 100):]
            for label, group in (("median", middle), ("slowest 1 %", slowest)):
                lines.append(f"{what}s, {label} ({len(group)}; at {_at(group)} s): " + _mean_phases(group))
        if self.runs:
            buckets: dict[int, list[float]] = {}
            for at, _, ms, _ in self.runs:
                buckets.setdefault(int(at // 10) * 10, []).append(ms)
            lines.append("runs by start (s: count, p50/p99 ms): " + " · ".join(
                f"{start}: {len(ms)}, {percentile(ms, 50):.0f}/{percentile(ms, 99):.0f}"
                for start, ms in sorted(buckets.items())))
        return lines


PHASES = ("outside", "guard", "before", "steps", "cpu", "between", "after")


def _mean_phases(group: list[tuple[float, str, float, dict[str, float]]]) -> str:
    sums = dict.fromkeys(("client", *PHASES), 0.0)
    for _, _, ms, phases in group:
        sums["client"] += ms
        sums["outside"] += ms - phases.get("total", ms)
        for name in PHASES[1:]:
            sums[name] += phases.get(name, 0.0)
    return " · ".join(f"{name} {value / len(group):.0f}" for name, value in sums.items()) + " ms"


def _at(group: list[tuple[float, str, float, dict[str, float]]]) -> str:
    starts = sorted(r[0] for r in group)
    return f"{starts[0]:.0f}" if len(starts) == 1 else f"{starts[0]:.0f}–{starts[-1]:.0f}"


def _customers(count: int) -> list[str]:
    return [f"C{n:04d}" for n in range(1, count + 1)]


def _orders(database_url: str, customers: list[str]) -> dict[str, tuple[int, int | None]]:
    """customer → (an order to track, a delivered order to ask a refund for, if any)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute("SELECT customer_id, id, status FROM orders WHERE customer_id = ANY(%s) "
                            "ORDER BY placed_at DESC", (customers,)).fetchall()
    found: dict[str, tuple[int, int | None]] = {}
    for customer, order, status in rows:  # newest first: the delivered order most likely in the refund window
        first, delivered = found.get(customer, (order, None))
        found[customer] = (first, delivered if delivered is not None or status != "delivered" else order)
    return found


def _decisions(request: dict[str, Any]) -> dict[str, Any]:
    """What the reviewer answers: approve every action that may be approved, else answer in person."""
    decisions = []
    for config in request.get("review_configs", []):
        if "approve" in config.get("allowed_decisions", []):
            decisions.append({"type": "approve"})
        else:
            decisions.append({"type": "respond", "message": IN_PERSON})
    return {"decisions": decisions}


class _Conversation:
    def __init__(self, server: Server, customer: httpx.AsyncClient, reviewer: httpx.AsyncClient,
                 report: LoadReport) -> None:
        self.server, self.customer, self.reviewer, self.report = server, customer, reviewer, report

    async def _wait(self, client: httpx.AsyncClient, thread_id: str, body: dict[str, Any], times: list[float],
                    what: str) -> dict[str, Any] | None:
        """The run's values (None on an error, recorded)."""
        started = time.perf_counter()
        try:
            response = await client.post(f"/threads/{thread_id}/runs/wait",
                                         json={"assistant_id": self.server.assistant, **body})
        except httpx.HTTPError as exc:
            self.report.errors.append(f"{what}: {type(exc).__name__}")
            return None
        times.append((time.perf_counter() - started) * 1000)
        self.report.runs.append((started - self.report.started, what, times[-1],
                                 timing.parse(response.headers.get("server-timing", ""))))
        values = response.json() if response.status_code == 200 else None
        if not isinstance(values, dict) or "__error__" in values:
            self.report.errors.append(f"{what}: {response.status_code} {response.text[:200]}")
            return None
        return values

    async def _request(self, thread_id: str) -> dict[str, Any] | None:
        """The review request the thread waits on, as the reviewer reads it."""
        for _ in range(5):
            state = await self.reviewer.get(f"/threads/{thread_id}/state")
            interrupts = (state.json().get("interrupts") or []) if state.status_code == 200 else []
            if interrupts:
                return dict(interrupts[0]["value"])
            await asyncio.sleep(0.2)
        self.report.errors.append(f"the reviewer cannot read the waiting thread's request (last answer "
                                  f"{state.status_code})")
        return None

    async def turn(self, thread_id: str, text: str) -> bool:
        values = await self._wait(self.customer, thread_id, {"input": {"messages": [{"role": "user",
                                                                                     "content": text}]}},
                                  self.report.turn_ms, "customer turn")
        for _ in range(3):  # a decision may bring the thread back to a reviewer (a step that needs another)
            if values is None:
                return False
            if "__interrupt__" not in values:
                return True
            self.report.interrupted += 1
            request = await self._request(thread_id)
            if request is None:
                return False
            values = await self._wait(self.reviewer, thread_id, {"command": {"resume": _decisions(request)}},
                                      self.report.resume_ms, "reviewer resume")
        if values is not None and "__interrupt__" in values:
            self.report.stuck += 1
        return False


async def _play(conversation: _Conversation, n: int, orders: tuple[int, int | None], turns: int,
                think: float) -> int | None:
    """One conversation; returns the order it asked a refund for, if any."""
    response = await conversation.customer.post("/threads", json={})
    if response.status_code != 200:
        conversation.report.errors.append(f"open thread: {response.status_code}")
        return None
    thread_id = response.json()["thread_id"]
    tracked, delivered = orders
    refund = delivered if n % 4 == 1 and delivered is not None else None
    if n % 4 == 0:
        texts = [f"Where is my order {tracked}?", PERSON_TEXT]
    elif refund is not None:
        texts = [f"Where is my order {tracked}?", f"I'd like a refund for order {refund}, it arrived damaged."]
    else:
        texts = [f"Where is my order {tracked}?", "What payment methods do you accept?"]
    texts += ["How long does standard delivery take?", "thanks, that's all"]
    await asyncio.sleep(random.uniform(0, think))  # conversations open at once, not in lock step
    for i, text in enumerate(texts[:turns]):
        if i:
            await asyncio.sleep(random.uniform(0.5, 1.5) * think)  # the customer reads and types
        if not await conversation.turn(thread_id, text):
            break
    return refund if refund is not None and turns >= 2 else None


def _refund_ids(database_url: str) -> set[str]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM refunds").fetchall()}


def _check_refunds(database_url: str, before: set[str], asked: set[int], report: LoadReport) -> None:
    """The refunds the run made: at most one per order, and only on orders a conversation asked about."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute("SELECT id, order_id FROM refunds").fetchall()
    made: dict[int, int] = {}
    for refund_id, order in rows:
        if refund_id not in before:
            made[order] = made.get(order, 0) + 1
    report.refunds_made = sum(made.values())
    report.double_refunds = sorted(order for order, count in made.items() if count > 1)
    report.unasked_refunds = sorted(order for order in made if order not in asked)


def bench_load(admin_url: str, *, conversations: int = 100, turns: int = 4, workers: int = 2, think: float = 10.0,
               progress: Callable[[str], None] = print) -> LoadReport:
    """``conversations`` conversations at once (``turns`` customer turns each, ``think`` seconds on average
    between a conversation's turns, as a customer reads and types) on one fresh database."""
    customers = _customers(conversations)
    principals = (*(Principal(f"load-{c}", "customer", customer_id=c) for c in customers),
                  Principal(REVIEWER, "reviewer", queues=("billing", "technical", "accounts", "general")))
    report = LoadReport(conversations, workers, think)
    with work_folder() as folder, databases(admin_url, 1) as (database_url,):
        prepare_demo_store(database_url)  # the throwaway database gets the demo company (serve seeds nothing)
        progress(f"starting supportgraph serve with {workers} worker(s)")
        server = start_support(database_url, workers, folder, principals)
        try:
            orders, before = _orders(database_url, customers), _refund_ids(database_url)
            asked = asyncio.run(_run(server, customers, orders, turns, think, report))
            _check_refunds(database_url, before, asked, report)
        finally:
            stop(server)
    return report


async def _run(server: Server, customers: list[str], orders: dict[str, tuple[int, int | None]], turns: int,
               think: float, report: LoadReport) -> set[int]:
    limits = httpx.Limits(max_connections=len(customers) + 10, max_keepalive_connections=len(customers) + 10)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=TIMEOUT, limits=limits,
                                 headers=server.headers(REVIEWER)) as reviewer:
        clients = [httpx.AsyncClient(base_url=server.base_url, timeout=TIMEOUT, headers=server.headers(f"load-{c}"))
                   for c in customers]
        try:
            started = report.started = time.perf_counter()
            refunds = await asyncio.gather(*(
                _play(_Conversation(server, client, reviewer, report), n, orders.get(c, (10001, None)), turns, think)
                for n, (c, client) in enumerate(zip(customers, clients, strict=True))))
            report.seconds = time.perf_counter() - started
        finally:
            for client in clients:
                await client.aclose()
    asked = {order for order in refunds if order is not None}
    report.refunds_asked = len(asked)
    return asked
