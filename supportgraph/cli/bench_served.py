"""``supportgraph bench serve | checkpoint | load | cpu``: the served graph against its server's floor, what a turn
costs the checkpointer, a many-client load test, and a turn's CPU in process (registered on ``bench`` in
``supportgraph.cli``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from supportgraph.cli.common import CliError, console

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PostgresOpt = Annotated[str, typer.Option("--database-url", help="A Postgres server the benchmark may create (and "
                                          "then drops) its databases on.")]


def _counts(text: str, option: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        counts = ()
    if not counts or min(counts) < 1:
        raise CliError(f"{option} takes comma-separated positive whole numbers, e.g. 20,50 (got {text!r})")
    return counts


def bench_serve_command(
    database_url: PostgresOpt = ADMIN_URL,
    rounds: Annotated[int, typer.Option(min=1, max=50, help="Interleaved rounds; medians are printed.")] = 3,
    sequential: Annotated[int, typer.Option(min=1, max=10_000, help="Runs timed one by one per round.")] = 30,
    clients: Annotated[str, typer.Option(help="Comma-separated concurrent client counts.")] = "20,50",
    runs_per_client: Annotated[int, typer.Option(min=1, max=100, help="Runs per client at each client count.")]
    = 3,
    workers: Annotated[str, typer.Option(help="Comma-separated worker counts, each started in turn.")] = "1,2",
) -> None:
    """The served support graph against its server's floor (a trivial 3-node graph on bare Aegra with the same
    checkpointer), interleaved in rounds on loopback: sequential p50/p99 on fresh threads, throughput per client
    count and worker count, the second worker's gain, and each figure's support/floor ratio."""
    from evals.serve_bench import bench_serve

    client_counts, worker_counts = _counts(clients, "--clients"), _counts(workers, "--workers")
    load = os.getloadavg()
    console.print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs · {rounds} "
                  f"round(s) · {sequential} sequential runs per round · clients {clients} · workers {workers}")
    try:
        report = bench_serve(database_url, rounds=rounds, sequential_runs=sequential, clients=client_counts,
                             runs_per_client=runs_per_client, workers=worker_counts, progress=console.print)
    except Exception as exc:  # a server that would not start, a database that cannot be reached
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CliError(f"the benchmark failed: {reason}") from None
    console.print(f"{'figure':<44} {'floor':>9} {'support':>9} {'ratio':>7}")
    for label, floor, support, ratio in report.rows():
        console.print(f"{label:<44} {floor:>9.1f} {support:>9.1f} {ratio:>7.2f}")
    console.print(f"failed runs: floor {report.floor.errors}, support {report.support.errors}")


def bench_checkpoint_command(
    database_url: Annotated[list[str] | None, typer.Option(
        "--database-url", help="Database(s) to run on; default: a fresh SQLite file and, when one answers, a fresh "
        f"database on {ADMIN_URL}. Repeat to compare.")] = None,
    turns: Annotated[int, typer.Option(min=1, max=500, help="Turns of the conversation.")] = 20,
    resumes: Annotated[int, typer.Option(min=0, max=500, help="Interrupted threads resumed and timed.")] = 10,
) -> None:
    """Checkpoint bytes written per turn over one conversation, what the latest state keeps (per key), and the
    resume latency of an interrupted thread, in process (a given database must be migrated and hold the demo
    company: supportgraph db upgrade, supportgraph demo seed)."""
    from evals.checkpoint_bench import bench_checkpoint
    from evals.served import create_database, drop_database
    from tools.store import prepare_demo_store

    created: list[str] = []
    urls = list(database_url or [f"sqlite:///{tempfile.mkdtemp(prefix='sg-bench-')}/bench.db"])
    if database_url is None:
        try:
            created.append(create_database(ADMIN_URL))
            urls.append(created[0])
        except Exception:
            console.print(f"(no Postgres at {ADMIN_URL}: SQLite only)")
    try:
        if database_url is None:
            for url in urls:
                prepare_demo_store(url)  # the throwaway databases get the demo company
        for url in urls:
            r = bench_checkpoint(url, turns=turns, resumes=resumes)
            for line in r.lines():
                console.print(line)
    finally:
        for url in created:
            from foundation.db import close_database

            close_database(url)
            drop_database(ADMIN_URL, url)


def bench_load_command(
    database_url: PostgresOpt = ADMIN_URL,
    conversations: Annotated[int, typer.Option(min=1, max=300, help="Conversations at once (one demo customer "
                                               "each).")] = 100,
    turns: Annotated[int, typer.Option(min=1, max=5, help="Customer turns per conversation.")] = 4,
    workers: Annotated[int, typer.Option(min=1, max=16, help="Worker processes of the server.")] = 2,
    think: Annotated[float, typer.Option(min=0, max=600, help="Seconds between a conversation's turns, on average "
                                         "(the customer reading and typing); 0 sends them back to back.")] = 10.0,
) -> None:
    """Many conversations at once through `supportgraph serve` on one Postgres, a reviewer client answering every
    thread that waits: errors, turn p50/p99, resume p50, and the refunds checked afterwards (none twice, none
    unasked)."""
    from evals.load_bench import bench_load

    load = os.getloadavg()
    console.print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")
    try:
        report = bench_load(database_url, conversations=conversations, turns=turns, workers=workers, think=think,
                            progress=console.print)
    except Exception as exc:  # a server that would not start, a database that cannot be reached
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CliError(f"the benchmark failed: {reason}") from None
    console.print(report.line())
    for line in report.phases():
        console.print(f"  {line}")
    for error in report.errors[:10]:
        console.print(f"  error: {error}")
    if report.double_refunds or report.unasked_refunds:
        console.print(f"  refunded twice: {report.double_refunds} · refunded unasked: {report.unasked_refunds}")



def bench_cpu_command(
    database_url: Annotated[str | None, typer.Option(
        "--database-url", help="A migrated database holding the demo company; default: a fresh database on "
        f"{ADMIN_URL}, dropped afterwards.")] = None,
    text: Annotated[str, typer.Option(help="The customer's message, sent on a fresh thread each turn.")]
    = "Where is my order 10003?",
    turns: Annotated[int, typer.Option(min=1, max=10_000, help="Turns timed of each graph.")] = 200,
    profile: Annotated[Path | None, typer.Option(help="Write a cProfile of the support turns here (pstats, CPU "
                                                 "clock).")] = None,
) -> None:
    """Median CPU of a support turn in process (fresh threads, one message) against the floor graph of `bench
    serve` on the same checkpointer, interleaved turn by turn: what the graph's own work costs."""
    from evals.served import create_database, drop_database
    from evals.turn_cpu import bench_turn_cpu
    from tools.store import prepare_demo_store

    url = database_url
    if url is None:
        url = create_database(ADMIN_URL)
        prepare_demo_store(url)
    try:
        r = bench_turn_cpu(url, text=text, turns=turns, profile=profile)
    finally:
        if database_url is None:
            from foundation.db import close_database

            close_database(url)
            drop_database(ADMIN_URL, url)
    console.print(f"load average {r.load:.2f} on {os.cpu_count()} CPUs · {r.turns} turns of each, medians")
    console.print(f"support: CPU {r.support_cpu_ms:.2f} ms, wall {r.support_wall_ms:.2f} ms · floor: CPU "
                  f"{r.floor_cpu_ms:.2f} ms, wall {r.floor_wall_ms:.2f} ms · support's own CPU "
                  f"{r.own_cpu_ms:.2f} ms ({r.support_cpu_ms / r.floor_cpu_ms:.2f}× the floor)")
    if profile is not None:
        console.print(f"profile of the support turns: {profile}")
