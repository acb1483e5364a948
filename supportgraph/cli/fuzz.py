"""``supportgraph fuzz policy``: the policy fuzzer's long run (evals/policy_fuzz; tests/policy is its bounded run).

Generates plans through a scripted chat model with the LLM reasoner, over several turns and threads of one customer,
with reviewers' decisions, and checks the money and access invariants on the store after every turn. Prints the
examples tried, the customer turns, model plans and reviewer decisions they made, the writes that went through (by
tool), every breach with its minimal reproducing scenario, the time taken and model plans per second.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from supportgraph.cli.common import CliError, console

fuzz_app = typer.Typer(help="Fuzz the agent's policy: generated plans against the store's invariants.",
                       no_args_is_help=True)


@fuzz_app.command("policy")
def fuzz_policy(
    examples: Annotated[int, typer.Option(min=1, max=10_000_000, help="How many scenarios to generate.")] = 1000,
    database_url: Annotated[str | None, typer.Option(
        help="Which database to fuzz on: sqlite:///FILE (a copy of FILE, or a freshly seeded store, is the template) "
             "or postgresql://… (the fuzzer creates its databases on that server and drops them). Nothing is written "
             "to the database named. Default: SQLite in a temporary directory.",
    )] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (the same seed generates the same scenarios).")] = None,
    max_turns: Annotated[int, typer.Option(min=1, max=50, help="Most turns per scenario.")] = 6,
    no_shrink: Annotated[bool, typer.Option("--no-shrink", help="Report breaches as found, unshrunk.")] = False,
    progress_every: Annotated[int, typer.Option(min=1, help="Print the counts every this many examples.")] = 100,
) -> None:
    """Run the policy fuzzer and report examples tried, breaches found (minimal scenarios) and time; exit 1 on a
    breach."""
    from evals.policy_fuzz.runner import fuzz
    from evals.policy_fuzz.world import template_database

    if database_url is not None and not database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise CliError(f"--database-url must be sqlite:///… or postgresql://…, not {database_url[:60]!r}")
    where = "Postgres" if database_url and not database_url.startswith("sqlite:///") else "SQLite"
    console.print(f"fuzzing the policy on {where}: {examples} examples, at most {max_turns} turns each, "
                  f"seed {seed if seed is not None else 'random'}")
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(prefix="sg-fuzz-", dir=shm if shm.is_dir() else None) as tmp:
        workdir = Path(tmp)
        with template_database(database_url, workdir) as url:
            result = fuzz(url, workdir, examples, seed=seed, max_turns=max_turns, shrink=not no_shrink,
                          progress=lambda r: console.print(f"… {r.summary()}"), every=progress_every)
    console.print(result.summary())
    console.print("writes that went through, by tool: " + (", ".join(
        f"{tool} {n}" for tool, n in result.ran.most_common()) or "none"))
    for breach in result.breaches:
        console.print(f"[red]BREACH {breach.invariant}[/]: {breach.detail}")
        console.print(breach.example or "(no example recorded)", markup=False)
    if result.breaches:
        raise typer.Exit(1)
