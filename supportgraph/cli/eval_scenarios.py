"""``supportgraph eval scenarios``: play the scenario files end to end and score them as tau2-bench does."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, get_args, get_type_hints

import typer

from supportgraph.cli.common import CliError, console
from supportgraph.cli.llm import BaseUrlOpt, ModelOpt, model_context

# Commands import service/, evals/ and graphs/ inside the function: they load LangGraph, the router and torch
# (~2 s) that `supportgraph --help` and the other commands need not pay.


def _reasoners() -> tuple[str, ...]:
    from graphs.support.context import Context

    return get_args(get_type_hints(Context)["reasoner"])


def eval_scenarios(
    path: Annotated[Path | None, typer.Argument(help="A scenario file or folder (default: evals/scenarios/).")]
    = None,
    trials: Annotated[int, typer.Option("--trials", "-k", min=1, max=50,
                                        help="Plays of each scenario; pass^1…pass^k are reported.")] = 1,
    out: Annotated[Path | None, typer.Option(help="Folder for scenarios.json and scenarios.md.")] = None,
    only: Annotated[list[str] | None, typer.Option("--only", help="Run only scenarios with this id or tag "
                                                   "(repeatable).")] = None,
    database_url: Annotated[str | None, typer.Option(
        "--database-url", help="postgresql://… server to create a fresh database on per play (default: a fresh "
        "SQLite file per play).")] = None,
    reasoner: Annotated[str | None, typer.Option(help="Which reasoner understands and plans (the graph's Context."
                                                 "reasoner; 'local' is the offline one). Default: 'llm' with "
                                                 "--model or SUPPORTGRAPH_MODEL, else 'local'.")] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    langsmith: Annotated[bool, typer.Option("--langsmith/--no-langsmith", help="Run through LangSmith's "
                                            "evaluate with an offline client (nothing is uploaded).")] = True,
    perturb: Annotated[str | None, typer.Option(
        "--perturb", help="Also play every scenario with its customer messages rewritten (typos, lower, "
        "no_punctuation, filler, reorder, id_formats, bare_answers; 'all' or a comma list) and report each "
        "kind's pass-rate drop. The headline figures stay those of the originals.")] = None,
    twins: Annotated[Path | None, typer.Option(
        "--twins", help="A file or folder of paraphrased twins written by someone else (id p-<id>, e.g. "
        "evals/scenarios/blind/para8): played too, and reported as the 'paraphrase' row of the perturbation "
        "suite (drop, broke, mended).")] = None,
) -> None:
    """Play each scenario on a fresh store and report pass^k, escalation precision/recall, resolution rate,
    confidence calibration error and results per flow."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from evals.perturb import drop_table, parse_kinds, twins_of
    from evals.perturb import perturb as rewrite
    from evals.scenario_files import load_scenarios
    from evals.scenario_format import ScenarioError
    from evals.scenario_report import model_usage, write_reports
    from evals.scenario_runner import run_scenarios
    from evals.scenario_scoring import TrialResult, summarise

    if reasoner is not None and reasoner not in _reasoners():
        raise CliError(f"unknown reasoner {reasoner!r}: this build has {', '.join(_reasoners())}")
    run_settings = _run_settings(reasoner, model_context(model, base_url))
    if database_url and not database_url.startswith(("postgresql://", "postgres://", "sqlite")):
        raise CliError(f"unsupported --database-url {database_url[:60]!r}: use postgresql://user@host:port/db")
    try:
        scenarios = load_scenarios(path, only=only)
    except ScenarioError as exc:
        raise CliError(str(exc)) from None
    try:
        kinds = parse_kinds(perturb) if perturb is not None else []
    except ValueError as exc:
        raise CliError(str(exc)) from None
    originals = len(scenarios)
    try:
        written = twins_of(scenarios, load_scenarios(twins)) if twins is not None else []
    except (ScenarioError, ValueError) as exc:
        raise CliError(str(exc)) from None
    scenarios += [rewrite(s, kind) for kind in kinds for s in scenarios[:originals]] + written
    if database_url and not database_url.startswith("sqlite"):
        _check_server(database_url)
    started = datetime.now(UTC)
    tally = {"passed": 0, "failed": 0}
    with Progress(TextColumn("[bold]scenarios[/]"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[tally]}"), TimeElapsedColumn(), TextColumn("{task.description}"),
                  console=console, transient=False) as progress:
        task = progress.add_task("warming up", total=len(scenarios) * trials, tally="")

        def on_trial(result: TrialResult) -> None:
            tally["passed" if result.passed else "failed"] += 1
            progress.update(task, advance=1, description=result.scenario_id,
                            tally=f"[green]{tally['passed']} passed[/] [red]{tally['failed']} failed[/]")

        run = run_scenarios(scenarios, trials=trials, server_url=database_url, run_settings=run_settings,
                            langsmith=langsmith, on_trial=on_trial)
    if kinds or written:
        own = {s.id for s in scenarios[:originals]}
        passed: dict[str, list[bool]] = {}
        for result in run.results:
            passed.setdefault(result.scenario_id, []).append(result.passed)
        run.summary = {**summarise([r for r in run.results if r.scenario_id in own], trials),
                       "perturbation": drop_table({k: sum(v) / len(v) for k, v in passed.items()})}
    _print_summary(run.summary, run.langsmith)
    usage = model_usage(run)
    if usage:
        console.print(f"model {run_settings['model']}: {usage['calls']} calls ({usage['failed_calls']} failed) · "
                      f"{usage['prompt_tokens']:,} tokens in / {usage['completion_tokens']:,} out · "
                      f"${usage['cost_usd']:.4f} recorded")
    if out is not None:
        meta = {**_described(run_settings), "database": "postgresql" if database_url else "sqlite",
                "started_at": started.isoformat(timespec="seconds"), "trials": trials,
                "source": str(path or "evals/scenarios"), "langsmith": langsmith}
        json_path, md_path = write_reports(run, out, meta)
        console.print(f"wrote {json_path} and {md_path}")


def _run_settings(reasoner: str | None, model: dict[str, Any]) -> dict[str, Any]:
    """The Context fields of every play: ``--model``/``--base-url`` as ``supportgraph send`` takes them, else the
    ``--reasoner`` named, else the configured default (the LLM reasoner when SUPPORTGRAPH_MODEL is set)."""
    from graphs.support.context import Context

    if model and reasoner not in (None, "llm"):
        raise CliError(f"--reasoner {reasoner} cannot use --model/--base-url: they choose the llm reasoner")
    settings = model or ({"reasoner": reasoner} if reasoner else {})
    context = Context(**settings)
    if context.reasoner == "llm" and not context.llm_enabled():
        raise CliError("the llm reasoner needs a model: pass --model NAME or set SUPPORTGRAPH_MODEL")
    settings["reasoner"] = context.reasoner
    if context.reasoner == "llm":
        settings |= {"model": context.model, "base_url": context.base_url}
    return settings


def _described(run_settings: dict[str, Any]) -> dict[str, Any]:
    """What the report's meta says about the reasoner: its name, and the model and endpoint it talked to."""
    meta = {"reasoner": run_settings["reasoner"]}
    if run_settings["reasoner"] == "llm":
        meta |= {"model": run_settings["model"], "base_url": run_settings.get("base_url") or "OpenAI"}
    return meta


def _print_summary(s: dict[str, Any], langsmith: dict[str, Any]) -> None:
    from rich.table import Table

    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{100 * v:.1f}%"

    esc = s["escalation"]
    ece = s["calibration"]["expected_calibration_error"]
    figures = " · ".join(f"pass^{k} {pct(v)}" for k, v in s["pass_hat_k"].items())
    console.print(f"[bold]{s['scenarios']} scenarios × {s['trials_per_scenario']}[/]: {figures} · escalation "
                  f"precision {pct(esc['precision'])} recall {pct(esc['recall'])} · resolution rate "
                  f"{pct(s['resolution_rate'])} · calibration error {'n/a' if ece is None else f'{ece:.3f}'}")
    if langsmith:
        console.print(f"[dim]LangSmith experiment {langsmith['experiment']} (offline, not uploaded)[/]")
    k = s["trials_per_scenario"]
    table = Table("flow", "scenarios", "pass rate", f"pass^{k}", title="per flow")
    for flow, f in s["per_flow"].items():
        table.add_row(flow, str(f["scenarios"]), pct(f["pass_rate"]), pct(f[f"pass^{k}"]))
    console.print(table)
    for sid, f in s["failing"].items():
        console.print(f"[red]FAIL[/] {sid} ({f['failed_trials']}/{f['trials']}): {'; '.join(f['reasons'])}")
    if "perturbation" in s:
        drops = Table("messages", "scenarios", "pass rate", "drop (points)", "broke", "mended",
                      title="perturbation suite (same scenarios, customer messages rewritten)")
        for kind, row in s["perturbation"].items():
            drops.add_row(kind, str(row["scenarios"]), pct(row["pass_rate"]), f"{row['drop_points']:.1f}",
                          str(row.get("broke", "")), str(row.get("mended", "")))
        console.print(drops)


def _check_server(url: str) -> None:
    """Refuse a Postgres server the runner cannot create scenario databases on, before anything runs."""
    import psycopg

    from evals.scenario_store import fresh_database

    try:
        with fresh_database(url):
            pass
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CliError(f"cannot create scenario databases on {url.split('@')[-1]}: {first}") from None
