"""``supportgraph eval …`` and ``supportgraph bench …``: how good and how fast the agent is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from supportgraph.cli_common import CliError, console

eval_app = typer.Typer(help="Measure how good the agent is.", no_args_is_help=True)
bench_app = typer.Typer(help="Measure how fast it is (benchmarks print figures; they assert nothing).",
                        no_args_is_help=True)


@eval_app.command("intents")
def eval_intents(
    data: Annotated[Path | None, typer.Option(help="Labelled CSV/JSONL (or a folder holding one) to score on; "
                                              "default: the project's held-out split and, when present, "
                                              "../shared/data/bitext-dev.")] = None,
) -> None:
    """Accuracy, macro-F1, calibration error, weakest intents and top confusions of the intent router."""
    from evals.intents import BITEXT_DIR, evaluate, held_out_examples, load_labelled
    from graphs.reasoners.local.router import load_router

    router = load_router()
    sets = [("project held-out", held_out_examples())]
    if data is not None:
        if not data.exists():
            raise CliError(f"no such file or folder: {data}")
        sets = [(str(data), load_labelled(data))]
    elif BITEXT_DIR.exists():
        sets.append(("bitext-dev", load_labelled(BITEXT_DIR)))
    for name, examples in sets:
        report = evaluate(router, examples, dataset=name)
        console.print(f"[bold]{name}[/] ({report.n} messages): accuracy {report.accuracy:.3f} · macro-F1 "
                      f"{report.macro_f1:.3f} · expected calibration error {report.expected_calibration_error:.3f}")
        weakest = sorted(report.per_intent_recall.items(), key=lambda kv: kv[1])[:5]
        console.print("  weakest recall: " + ", ".join(f"{k} {v:.2f}" for k, v in weakest))
        console.print("  top confusions: " + ", ".join(f"{g}→{p} ×{n}" for g, p, n in report.confusions[:5]))


@bench_app.command("turns")
def bench_turns_command(
    turns: Annotated[int, typer.Option(min=1, max=10_000, help="How many customer turns to time.")] = 50,
    database_url: Annotated[list[str] | None, typer.Option(
        "--database-url", help="Database(s) to run on; default: a fresh SQLite file. Repeat to compare.")] = None,
) -> None:
    """Median and p90 latency of whole graph turns, after the model and store are warm."""
    import tempfile

    from evals.latency import bench_turns

    urls = database_url or [f"sqlite:///{tempfile.mkdtemp(prefix='sg-bench-')}/bench.db"]
    for url in urls:
        r = bench_turns(url, turns=turns)
        console.print(f"{r.database}: {r.turns} turns · median {r.median_ms:.1f} ms · p90 {r.p90_ms:.1f} ms · "
                      f"mean {r.mean_ms:.1f} ms (warm-up {r.warm_up_s:.1f} s)")
