"""``supportgraph eval …`` and ``supportgraph bench …``: how good and how fast the agent is."""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from supportgraph.cli.common import CliError, console

if TYPE_CHECKING:
    import numpy as np

# Commands import service/, evals/ and graphs/ inside the function: they load LangGraph, the router and torch
# (~2 s) that `supportgraph --help` and the other commands need not pay.

eval_app = typer.Typer(help="Measure how good the agent is.", no_args_is_help=True)
bench_app = typer.Typer(help="Measure how fast it is (benchmarks print figures; they assert nothing).",
                        no_args_is_help=True)


@eval_app.command("intents")
def eval_intents(
    data: Annotated[Path | None, typer.Option(help="Labelled CSV/JSONL (or a folder holding one) to score on; "
                                              "default: the project's test split and, when present, "
                                              "../shared/data/bitext-dev.")] = None,
    project_only: Annotated[bool, typer.Option("--project-only", help="Only the project's own splits (test, and "
                                               "calibration with --calibration); never bitext-dev. Use this "
                                               "while developing: bitext-dev is evaluation-only.")] = False,
    calibration: Annotated[bool, typer.Option("--calibration", help="Also report the calibration splits (what the "
                                              "temperatures and the deferral rule were fitted on).")] = False,
    out: Annotated[Path | None, typer.Option(help="Folder for a JSON report and a reliability-diagram PNG "
                                             "per data set.")] = None,
    show_all: Annotated[bool, typer.Option("--all-intents", help="Print every intent's recall, not just the "
                                           "weakest.")] = False,
) -> None:
    """Accuracy, macro-F1, calibration error, per-intent recall and top confusions of the intent router.

    Scores the shipped cascade (what the graph and triage use) in full, and its fast path and MiniLM path alone.
    The project test split is never used to fit or choose anything; bitext-dev is evaluation-only.
    """
    from evals.intents import (
        BITEXT_DIR,
        calibration_examples,
        evaluate_paths,
        load_labelled,
        save_reliability_diagram,
        shifted_calibration_examples,
        shifted_test_examples,
        test_examples,
        varied_held_out_examples,
    )
    from graphs.reasoners.local.router import load_router

    sets = [("project test", test_examples), ("project shifted test", shifted_test_examples),
            ("project varied held-out", varied_held_out_examples)]
    if calibration:
        sets += [("project calibration", calibration_examples),
                 ("project shifted calibration", shifted_calibration_examples)]
    if data is not None:
        if project_only:
            raise CliError("--data and --project-only exclude each other")
        if not data.exists():
            raise CliError(f"no such file or folder: {data}")
        path = data
        sets = [(str(data), lambda: load_labelled(path))]
    elif BITEXT_DIR.exists() and not project_only:
        sets.append(("bitext-dev", lambda: load_labelled(BITEXT_DIR)))
    router = load_router()
    for name, load in sets:
        examples = load()
        if not examples and name.startswith(("project shifted", "project varied")):
            continue  # intent_shift.jsonl and intent_heldout.jsonl are optional
        if not examples:
            raise CliError(f"no labelled examples in {name}")
        reports = evaluate_paths(router, examples, dataset=name)
        report = reports["cascade"]
        console.print(f"[bold]{name}[/] ({report.n} messages), shipped cascade (threshold {router.threshold:.2f}, "
                      f"{report.deferred_share or 0:.1%} deferred to MiniLM): accuracy {report.accuracy:.3f} · "
                      f"macro-F1 {report.macro_f1:.3f} · expected calibration error "
                      f"{report.expected_calibration_error:.3f}")
        for label, key in (("fast path alone (static vectors + word n-grams)", "fast"),
                           ("MiniLM path alone", "minilm"),
                           ("both heads combined on every message", "both")):
            r = reports[key]
            console.print(f"  {label}: accuracy {r.accuracy:.3f} · macro-F1 {r.macro_f1:.3f} · "
                          f"expected calibration error {r.expected_calibration_error:.3f}")
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
            json_path.write_text(json.dumps({"threshold": router.threshold, **report.to_json(),
                                             "paths": {k: r.to_json() for k, r in reports.items() if k != "cascade"}},
                                            indent=2) + "\n", encoding="utf-8")
            png = save_reliability_diagram(report, out / f"intents-{slug}-reliability.png")
            console.print(f"  wrote {json_path} and {png}")


@bench_app.command("turns")
def bench_turns_command(
    turns: Annotated[int, typer.Option(min=1, max=10_000, help="How many customer turns to time.")] = 50,
    database_url: Annotated[list[str] | None, typer.Option(
        "--database-url", help="Database(s) to run on; default: a fresh SQLite file. Repeat to compare.")] = None,
) -> None:
    """Median and p90 latency of whole graph turns, after the model and store are warm (a given database must be
    migrated and hold the demo company: supportgraph db upgrade, supportgraph demo seed)."""
    from evals.latency import bench_turns
    from tools.store import prepare_demo_store

    urls = database_url or [f"sqlite:///{tempfile.mkdtemp(prefix='sg-bench-')}/bench.db"]
    if not database_url:
        prepare_demo_store(urls[0])  # the throwaway database gets the demo company
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
    batch_size: Annotated[int, typer.Option(min=1, max=4096, help="Triage batch size.")] = 256,
    minilm_messages: Annotated[int, typer.Option(min=0, max=1_000_000, help="Messages for the MiniLM-alone and "
                                                 "both-heads batch figures (0 skips them).")] = 500,
    data: Annotated[Path | None, typer.Option(help="Time the batch figures on this CSV/JSONL file's messages (its "
                                              "first --messages rows) instead of generated ones.")] = None,
    text_column: Annotated[str, typer.Option(help="The message column of --data.")] = "text",
) -> None:
    """Batch triage throughput and single-message detect() p50/p90: the cascade (triage), both heads (the
    conversation), each head alone. On generated messages, or on a file's (--data): how much the cascade defers,
    and so its rate, depends on how the messages are written.

    Batch triage runs in one worker process per CPU (as `supportgraph triage` does) and, for comparison, in this
    process alone; its rate is the steady one, after the first row is out, with the start-up reported beside it.
    Prints the load average at the start: the machine may be shared.
    """
    # Must precede torch's import: idle OpenMP workers then sleep instead of spinning, which on a busy 2-core machine
    # cut detect()'s p90 from ~470 ms to ~40 ms (and p50 from ~59 to ~21 ms) in our measurements.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    file_texts: list[str] = []
    if data is not None:  # read before the models load: a file it cannot read is refused at once
        from service.triage import TriageError
        from service.triage.files import read_texts

        if not data.is_file():
            raise CliError(f"no such file: {data}")
        try:
            file_texts = read_texts(data, text_column, messages)
        except (TriageError, UnicodeDecodeError) as exc:
            raise CliError(f"cannot read {data}: {exc}") from None
    import torch

    from evals.latency_router import bench_batch, bench_singles, generated_messages
    from graphs.reasoners.local.router import load_router
    from service.triage import triage_rows
    from tools.store.demo_catalogue import PRODUCTS

    if threads is not None:
        torch.set_num_threads(threads)
    router = load_router()
    router.detect("warm up the model please")
    router.full.detect("warm up the model please")
    if data is None:
        texts, source = generated_messages(messages, seed=7), "generated messages"
    else:
        texts, source = file_texts, f"messages of {data.name}"
    catalogue = tuple(name for name, _, _ in PRODUCTS)
    load = os.getloadavg()
    console.print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs · torch threads "
                  f"{torch.get_num_threads()} · {len(texts)} {source} ({len(set(texts))} distinct) · "
                  f"batch {batch_size} · cascade threshold {router.threshold:.2f}")

    def triage(sample: list[str], model: str, workers: int) -> Iterator[dict[str, object]]:
        return triage_rows(({"text": t} for t in sample), "text", batch_size=batch_size, catalogue=catalogue,
                           router=model, workers=workers)

    cpus = os.cpu_count() or 1
    runs = [("cascade (shipped)", "cascade", texts, cpus), ("cascade (shipped)", "cascade", texts, 1),
            ("fast path alone", "fast", texts, cpus)]
    if minilm_messages:
        runs += [("MiniLM path alone", "minilm", texts[:minilm_messages], cpus),
                 ("both heads on every message", "both", texts[:minilm_messages], cpus)]
    for label, model, sample, workers in runs:
        b = bench_batch(functools.partial(triage, model=model, workers=workers), sample, repeats)
        console.print(f"batch triage, {label}, {workers} worker process{'es' if workers > 1 else ''}: "
                      f"{b.steady_rate:,.0f} messages/s (median of {repeats}; runs "
                      f"{', '.join(f'{r:,.0f}' for r in b.steady_runs)}) · {b.overall_rate:,.0f} messages/s with "
                      f"the {b.start_s:.1f} s start-up")
    _, deferred = router.route(texts)
    console.print(f"  cascade deferred {deferred.mean():.1%} of the messages to MiniLM")
    singles_texts = generated_messages(singles, seed=11)
    for label, intent_model in (("both heads (the conversation's router)", router.thorough()),
                                ("cascade (bulk triage)", router), ("fast path alone", router.fast),
                                ("MiniLM path alone", router.full)):
        r = bench_singles(intent_model.detect, singles_texts, repeats)
        console.print(f"single detect(), {label}: p50 {r.p50_ms:.1f} ms · p90 {r.p90_ms:.1f} ms · CPU p50 "
                      f"{r.cpu_p50_ms:.1f} ms (median of {repeats} runs of {singles})")


@bench_app.command("columns")
def bench_columns_command(
    messages: Annotated[int, typer.Option(min=100, max=1_000_000, help="Generated messages to time.")] = 20_000,
    repeats: Annotated[int, typer.Option(min=1, max=20, help="Runs of each column; medians are printed.")] = 3,
) -> None:
    """CPU time per message of bulk triage's columns besides the intent model: entities (against the demo
    catalogue) and sentiment, in this process. Prints the load average at the start: the machine may be shared."""
    from evals.latency_router import bench_columns, generated_messages
    from tools.store.demo_catalogue import PRODUCTS

    texts = generated_messages(messages, seed=7)
    load = os.getloadavg()
    console.print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs · {len(texts)} "
                  f"generated messages ({len(set(texts))} distinct)")
    for column, ms in bench_columns(texts, tuple(name for name, _, _ in PRODUCTS), repeats).items():
        console.print(f"{column}: {ms:.4f} CPU ms per message (median of {repeats})")


@bench_app.command("embeddings")
def bench_embeddings_command(
    messages: Annotated[int, typer.Option(min=100, max=100_000, help="Generated messages per batch run.")] = 2_000,
    singles: Annotated[int, typer.Option(min=10, max=10_000, help="Messages embedded one by one.")] = 300,
    repeats: Annotated[int, typer.Option(min=1, max=20, help="Runs of each measurement; medians are printed.")] = 3,
    batch_sizes: Annotated[str, typer.Option(help="Comma-separated batch sizes.")] = "32,64,128",
    torch_too: Annotated[bool, typer.Option("--torch/--no-torch", help="Also time the PyTorch "
                                            "sentence-transformers model, for comparison.")] = True,
) -> None:
    """MiniLM sentence embeddings alone: single-text p50/p90 and batch messages/s, ONNX Runtime int8 (what embed()
    runs) and float32 against the PyTorch model they were exported from. float32 and torch batch texts by length;
    int8 runs one text per call whatever the batch size (its vectors would depend on the batch), so it gets one
    batch figure."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as in bench router: before torch's import
    import numpy as np

    from evals.latency_router import bench_batch, bench_singles, generated_messages
    from foundation.embeddings import load_embedder, load_encoder

    texts, singles_texts = generated_messages(messages, seed=7), generated_messages(singles, seed=11)
    sizes = [int(b) for b in batch_sizes.split(",") if b.strip()]
    encoder = load_encoder()
    int8 = "onnxruntime int8 (the intent router's)"
    backends: dict[str, Callable[..., np.ndarray]] = {
        int8: encoder.embed, "onnxruntime fp32 (the knowledge base's)": load_encoder("fp32").embed}
    one_per_run = {int8}
    if torch_too:
        model = load_embedder()

        def torch_embed(batch: list[str], batch_size: int = 64) -> np.ndarray:
            return np.asarray(model.encode(batch, batch_size=batch_size, normalize_embeddings=True,
                                           show_progress_bar=False))

        backends["torch (sentence-transformers)"] = torch_embed
    lengths = np.array([sum(e.attention_mask) for e in encoder.tokenizer.encode_batch(texts)])
    load = os.getloadavg()
    console.print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs · "
                  f"{len(texts)} messages, tokens p50 {np.median(lengths):.0f} · "
                  f"p90 {np.percentile(lengths, 90):.0f} · max {lengths.max()}")
    for label, run in backends.items():
        run(["warm up"])
        r = bench_singles(functools.partial(_embed_one, run), singles_texts, repeats)
        console.print(f"{label}: single p50 {r.p50_ms:.1f} ms · p90 {r.p90_ms:.1f} ms · CPU p50 {r.cpu_p50_ms:.1f} ms "
                      f"(median of {repeats} runs of {singles})")
        for size in sizes[:1] if label in one_per_run else sizes:
            b = bench_batch(functools.partial(_embed_rows, run, size), texts, repeats)
            shape = "one text per run" if label in one_per_run else f"batch {size}"
            console.print(f"  {shape}: {b.overall_rate:,.0f} messages/s wall (median of {repeats})")


def _embed_one(run: Callable[..., Any], text: str) -> object:
    return run([text])


def _embed_rows(run: Callable[..., Any], batch_size: int, texts: list[str]) -> Iterator[object]:
    """The texts' vectors, embedded ``batch_size`` at a time."""
    for start in range(0, len(texts), batch_size):
        yield from run(texts[start:start + batch_size], batch_size=batch_size)


from supportgraph.cli.eval_scenarios import eval_scenarios  # noqa: E402  (its own module; registered here)

eval_app.command("scenarios")(eval_scenarios)
