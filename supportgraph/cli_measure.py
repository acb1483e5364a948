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
    out: Annotated[Path | None, typer.Option(help="Folder for a JSON report and a reliability-diagram PNG "
                                             "per data set.")] = None,
    show_all: Annotated[bool, typer.Option("--all-intents", help="Print every intent's recall, not just the "
                                           "weakest.")] = False,
) -> None:
    """Accuracy, macro-F1, calibration error, per-intent recall and top confusions of the intent router."""
    import json
    import re

    from evals.intents import BITEXT_DIR, evaluate, held_out_examples, load_labelled, save_reliability_diagram
    from graphs.reasoners.local.router import load_router

    sets = [("project held-out", held_out_examples)]
    if data is not None:
        if not data.exists():
            raise CliError(f"no such file or folder: {data}")
        path = data
        sets = [(str(data), lambda: load_labelled(path))]
    elif BITEXT_DIR.exists():
        sets.append(("bitext-dev", lambda: load_labelled(BITEXT_DIR)))
    router = load_router()
    for name, load in sets:
        examples = load()
        if not examples:
            raise CliError(f"no labelled examples in {name}")
        report = evaluate(router, examples, dataset=name)
        console.print(f"[bold]{name}[/] ({report.n} messages): accuracy {report.accuracy:.3f} · macro-F1 "
                      f"{report.macro_f1:.3f} · expected calibration error {report.expected_calibration_error:.3f}")
        recalls = sorted(report.per_intent_recall.items(), key=lambda kv: kv[1])
        shown = recalls if show_all else recalls[:8]
        console.print("  recall (weakest first): " + ", ".join(
            f"{k} {v:.2f} (n={report.per_intent_support[k]})" for k, v in shown))
        console.print("  top confusions (gold→predicted): " + ", ".join(
            f"{g}→{p} ×{n}" for g, p, n in report.confusions[:8]))
        if out is not None:
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[-60:] or "data"
            out.mkdir(parents=True, exist_ok=True)
            json_path = out / f"intents-{slug}.json"
            json_path.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
            png = save_reliability_diagram(report, out / f"intents-{slug}-reliability.png")
            console.print(f"  wrote {json_path} and {png}")


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


@bench_app.command("router")
def bench_router_command(
    messages: Annotated[int, typer.Option(min=100, max=1_000_000, help="Generated messages for the batch "
                                          "figure.")] = 5_000,
    singles: Annotated[int, typer.Option(min=10, max=10_000, help="Messages timed one by one with detect().")] = 200,
    repeats: Annotated[int, typer.Option(min=1, max=20, help="Runs of each measurement; medians are printed.")] = 3,
    threads: Annotated[int | None, typer.Option(help="torch.set_num_threads for this run (default: torch's).")]
    = None,
    max_seq_length: Annotated[int | None, typer.Option(help="Cap the embedder's tokens per message.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=4096, help="Triage batch size.")] = 256,
) -> None:
    """Batch triage throughput (messages/s through triage_rows) and single-message detect() p50/p90 latency."""
    import os
    import statistics
    import time

    # Must precede torch's import: idle OpenMP workers then sleep instead of spinning, which on a busy 2-core machine
    # cut detect()'s p90 from ~470 ms to ~40 ms (and p50 from ~59 to ~21 ms) in our measurements.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch

    from evals.latency_router import generated_messages
    from graphs.reasoners.local.embedder import load_embedder
    from graphs.reasoners.local.router import load_router
    from supportgraph.triage import triage_rows

    if threads is not None:
        torch.set_num_threads(threads)
    model = load_embedder()
    if max_seq_length is not None:
        model.max_seq_length = max_seq_length
    router = load_router()
    router.detect("warm up the model please")
    texts = generated_messages(messages, seed=7)
    console.print(f"torch threads {torch.get_num_threads()} · OMP_WAIT_POLICY {os.environ['OMP_WAIT_POLICY']} · "
                  f"max_seq_length {model.max_seq_length} · "
                  f"{len(texts)} generated messages ({len(set(texts))} distinct) · batch {batch_size}")
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        n = sum(1 for _ in triage_rows(({"text": t} for t in texts), "text", batch_size=batch_size))
        rates.append(n / (time.perf_counter() - started))
    console.print(f"batch triage: {statistics.median(rates):,.0f} messages/s (median of {repeats}; "
                  f"runs {', '.join(f'{r:,.0f}' for r in rates)})")
    singles_texts = generated_messages(singles, seed=11)
    p50s, p90s = [], []
    for _ in range(repeats):
        times = []
        for text in singles_texts:
            started = time.perf_counter()
            router.detect(text)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p50s.append(statistics.median(times))
        p90s.append(times[int(0.9 * (len(times) - 1))])
    console.print(f"single detect(): p50 {statistics.median(p50s):.1f} ms · p90 {statistics.median(p90s):.1f} ms "
                  f"(median of {repeats} runs of {singles})")


from supportgraph.cli_eval_scenarios import eval_scenarios  # noqa: E402  (its own module; registered here)

eval_app.command("scenarios")(eval_scenarios)
