"""``supportgraph triage FILE --text-column COL``: bulk triage of past tickets (CSV or JSONL in and out).

Registered in supportgraph/cli/__init__.py with ``app.command()(triage.triage)``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from supportgraph.cli.common import CliError

# Commands import service/, evals/ and graphs/ inside the function: they load LangGraph, the router and torch
# (~2 s) that `supportgraph --help` and the other commands need not pay.


def triage(
    file: Annotated[Path, typer.Argument(help="Tickets to triage: a .csv (with a header) or .jsonl file.")],
    text_column: Annotated[str, typer.Option("--text-column", help="Column (or JSON key) holding the message.")],
    out: Annotated[Path | None, typer.Option(help="Write here (.csv or .jsonl); default: stdout, in the input's "
                                             "format.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=4096, help="Messages embedded per batch.")] = 256,
    max_chars: Annotated[int, typer.Option(min=1, help="Longer messages are skipped (and counted).")] = 5_000,
    progress: Annotated[bool, typer.Option(help="Progress bar on stderr.")] = True,
    catalogue: Annotated[str, typer.Option(help="Product names to recognise: 'store' (the business store's "
                                           "catalogue), 'none', or a text file with one name per line.")]
    = "store",
    router: Annotated[str, typer.Option(help="Intent model: 'cascade' (the default: the fast path, and both heads "
                                        "combined when it is unsure), 'both' (both heads on every message: "
                                        "the conversation's router, more accurate, ~3x slower), 'fast' or "
                                        "'minilm'.")] = "cascade",
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (default: one per CPU); files "
                                         "under 256 kB run in this process.")] = os.cpu_count() or 1,
) -> None:
    """Add intent, confidence, secondary_intent, entities, sentiment and queue to every row of a ticket file.

    Streams the file (constant memory); rows it cannot use are skipped and counted by reason on stderr.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads: no busy-waiting OpenMP threads
    from service.triage import ROUTERS, TriageError, triage_file

    if not file.is_file():
        raise CliError(f"no such file: {file}")
    if router not in ROUTERS:
        raise CliError(f"--router must be one of {', '.join(ROUTERS)}, not {router!r}")
    started = time.perf_counter()
    products = _catalogue(catalogue)
    try:
        summary = triage_file(file, text_column, out, batch_size=batch_size, max_chars=max_chars,
                              progress=progress and sys.stderr.isatty(), catalogue=products, router=router,
                              workers=workers)
    except TriageError as exc:
        raise CliError(str(exc)) from None
    elapsed = time.perf_counter() - started
    lines = summary.lines()
    lines[0] += f" in {elapsed:.1f} s incl. model load ({summary.rows_written / max(elapsed, 1e-9):,.1f} rows/s)"
    if out is not None:
        lines[0] += f" → {out}"
    for line in lines:
        print(line, file=sys.stderr)


def _catalogue(option: str) -> tuple[str, ...]:
    """The product names ``--catalogue`` names."""
    if option == "none":
        return ()
    if option == "store":
        from service.triage import store_catalogue

        return store_catalogue()
    path = Path(option)
    if not path.is_file():
        raise CliError(f"--catalogue: no such file: {path} (or use 'store' or 'none')")
    try:
        lines = path.read_text("utf-8").splitlines()
    except UnicodeDecodeError:
        raise CliError(f"--catalogue: {path} is not UTF-8 text") from None
    return tuple(dict.fromkeys(line.strip() for line in lines if line.strip()))
