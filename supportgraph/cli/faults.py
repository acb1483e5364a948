"""``supportgraph bench faults``: kill, restart, overlap and break things many times, and count what broke."""

from __future__ import annotations

from typing import Annotated

import typer

from supportgraph.cli.common import CliError, console


def bench_faults(
    trials: Annotated[int, typer.Option(help="Trials per scenario and database.")] = 10,
    scenario: Annotated[list[str] | None, typer.Option(
        help="Scenarios to run (default all): resume-kill, send-kill, concurrent, crm-outage, pg-restart.")] = None,
    database: Annotated[str, typer.Option(
        help="sqlite, postgres (a throwaway cluster from the local PostgreSQL binaries, never a shared "
             "server) or both.")] = "both",
    seed: Annotated[int, typer.Option(help="Seed of the fault choices after the first pass.")] = 0,
) -> None:
    """Run fault trials and print, per scenario and database, the trials and the invariant breaches.

    Each trial kills a real `supportgraph send` / `review resume` (kill -9 at a crash point or after a random
    delay), sends to one thread at once, breaks the remote CRM or restarts Postgres mid-turn, then checks the
    store: every approved movement happened exactly once, no accepted message or reply was lost, every thread
    ends resumable. Exit status 1 if any invariant was breached.
    """
    from evals.faults import SCENARIOS, run_trials
    from evals.faults_pg import PG_SCENARIOS, throwaway_postgres
    from evals.served import work_folder

    if trials < 1:
        raise CliError("--trials must be at least 1")
    chosen = scenario or [*SCENARIOS, *PG_SCENARIOS]
    unknown = [s for s in chosen if s not in SCENARIOS and s not in PG_SCENARIOS]
    if unknown:
        raise CliError(f"unknown scenario {unknown[0]!r}: choose from {', '.join([*SCENARIOS, *PG_SCENARIOS])}")
    if database not in ("sqlite", "postgres", "both"):
        raise CliError("--database is sqlite, postgres or both")
    breaches = 0
    with work_folder("sg-faults-") as workdir, throwaway_postgres() if database != "sqlite" else _none() as cluster:
        kinds = ([("sqlite", "sqlite")] if database != "postgres" else []) + \
                ([("postgres", cluster.admin_url)] if cluster is not None else [])
        for name in chosen:
            for label, kind in kinds:
                if name in PG_SCENARIOS:
                    if cluster is None or label != "postgres":
                        continue
                    results = list(PG_SCENARIOS[name](cluster, trials, workdir=workdir, seed=seed))
                else:
                    results = list(run_trials(kind, name, trials, workdir=workdir / label, seed=seed))
                broken = [t for t in results if t.breaches]
                breaches += sum(len(t.breaches) for t in results)
                console.print(f"{name:<12} {label:<9} trials {len(results):>3}   invariant breaches "
                              f"{sum(len(t.breaches) for t in results):>3}   "
                              f"faults {', '.join(sorted({t.fault for t in results}))}")
                for t in broken:
                    for b in t.breaches:
                        console.print(f"  ✗ {t.fault} ({t.outcome}): {b}")
    if breaches:
        raise typer.Exit(1)


class _none:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None
