"""The ``supportgraph`` command line: demo, chat, send, review, audit.

Every refusal is one readable line on stderr and a non-zero exit; tracebacks are for bugs only.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from typing import Annotated, Any

import typer

from supportgraph.cli_common import CliError, DatabaseOpt, console
from supportgraph.cli_common import database_url_or_default as _url
from supportgraph.cli_fuzz import fuzz_app
from supportgraph.cli_inbox import inbox
from supportgraph.cli_llm import BaseUrlOpt, ModelOpt, bench_tokens, model_context
from supportgraph.cli_measure import bench_app, eval_app
from supportgraph.cli_metrics import metrics, rate
from supportgraph.cli_review import review_app
from supportgraph.cli_serve import serve
from supportgraph.cli_triage import triage
from supportgraph.settings import get_settings

app = typer.Typer(
    help="supportgraph: a customer-support agent on LangGraph that understands, plans across business "
    "systems, scores its own confidence and hands over to humans.\n\n"
    "Data live in SQLite under SUPPORTGRAPH_HOME (default ./.supportgraph) unless SUPPORTGRAPH_DATABASE_URL "
    "points to Postgres (postgresql://user@host:5432/db).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(review_app, name="review")
app.add_typer(eval_app, name="eval")
app.add_typer(bench_app, name="bench")
app.add_typer(fuzz_app, name="fuzz")
bench_app.command("tokens")(bench_tokens)
app.command()(triage)
app.command()(metrics)
app.command()(rate)
app.command()(serve)
app.command()(inbox)


@app.command()
def demo(
    database_url: DatabaseOpt = None,
    keep: Annotated[bool, typer.Option(help="Reuse the demo database instead of starting afresh.")] = False,
) -> None:
    """Play the demo conversations against the demo company, including a human review resumed by a reviewer."""
    from supportgraph.demo import run_demo

    run_demo(console, database_url=database_url, fresh=not keep)


@app.command()
def chat(
    customer: Annotated[str | None, typer.Option(help="Chat as this demo customer (e.g. C0001), signed in.")] = None,
    thread: Annotated[str | None, typer.Option(help="Continue this thread id instead of starting a new one.")] = None,
    database_url: DatabaseOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
) -> None:
    """Talk to the agent interactively; an empty line or Ctrl-D ends the session (the thread stays)."""
    from supportgraph.conversations import open_service
    from supportgraph.render import print_turn

    thread_id = thread or f"chat-{uuid.uuid4().hex[:8]}"
    sys.stdin.reconfigure(errors="surrogateescape")  # type: ignore[union-attr]
    failed = False
    with open_service(_url(database_url), **model_context(model, base_url)) as service:
        service.check_thread_id(thread_id)
        if thread and not service.exists(thread_id):
            raise CliError(f"no conversation with thread id {thread_id!r}")
        console.print(f"[dim]thread {thread_id} — continue it later with --thread {thread_id}[/]")
        interactive = sys.stdin.isatty()
        while True:
            try:
                text = input("you> " if interactive else "")
            except EOFError:
                break
            if not text.strip() and interactive:
                break
            try:
                report = service.send(thread_id, text, customer_id=customer)
            except Exception as exc:
                if not _is_refusal(exc):
                    raise
                failed = True
                print(f"error: {exc}", file=sys.stderr)
                continue
            print_turn(console, report)
    if failed:
        raise typer.Exit(2)


@app.command()
def send(
    text: Annotated[str, typer.Argument(help="The customer's message, or - to read it from stdin.")],
    thread: Annotated[str, typer.Option(help="Thread id; a new thread starts if it does not exist.")],
    customer: Annotated[str | None, typer.Option(help="Signed-in demo customer for a new thread.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the turn as JSON.")] = False,
    database_url: DatabaseOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
) -> None:
    """Send one customer message to a thread and print what the agent did."""
    from supportgraph.conversations import open_service
    from supportgraph.render import print_turn

    if text == "-":
        text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    with open_service(_url(database_url), **model_context(model, base_url)) as service:
        report = service.send(thread, text, customer_id=customer)
    if as_json:
        print(json.dumps(_report_json(report), default=str))
    else:
        print_turn(console, report)


@app.command()
def audit(thread: str, database_url: DatabaseOpt = None) -> None:
    """Every decision recorded for a thread, turn by turn."""
    from supportgraph.audit import open_audit_log
    from supportgraph.render import print_audit

    events = open_audit_log(_url(database_url)).events(thread)
    if not events:
        raise CliError(f"no audit events for thread {thread!r}")
    print_audit(console, events)


fit_app = typer.Typer(help="Fit the models the agent uses from the project's labelled data.", no_args_is_help=True)
app.add_typer(fit_app, name="fit")


@fit_app.command("confidence")
def fit_confidence_command(
    write: Annotated[bool, typer.Option(help="Write the fitted weights to graphs/support/confidence.yaml.")] = False,
) -> None:
    """Fit the confidence model's weights on labelled turns and report its cross-validated calibration."""
    from evals.confidence_fit import fit_confidence
    from graphs.support.confidence import model_path

    report = fit_confidence(model_path() if write else None)
    console.print(f"{report.n} labelled turns, {report.positives} handled correctly")
    console.print(f"fitted model (5-fold CV): expected calibration error {report.cv_ece:.3f} · "
                  f"Brier {report.cv_brier:.3f}")
    console.print(f"current model:            expected calibration error {report.current_ece:.3f} · "
                  f"Brier {report.current_brier:.3f}")
    console.print("weights: " + ", ".join(f"{k} {v:+.2f}" for k, v in report.model.weights.items())
                  + f", bias {report.model.bias:+.2f}")
    if write:
        console.print(f"written to {model_path()}")


@app.command()
def customers(database_url: DatabaseOpt = None, limit: int = 10) -> None:
    """Demo customers to chat as (the first ones are the scripted demo cases)."""
    from sqlalchemy import select

    from tools.store import open_store
    from tools.store.schema import customers as table

    store = open_store(_url(database_url), seed=get_settings().demo_seed)
    with store.db.begin() as conn:
        rows = conn.execute(select(table.c.id, table.c.name, table.c.email).order_by(table.c.id).limit(limit))
        for row in rows:
            print(f"{row.id}\t{row.name}\t{row.email}")


def _is_refusal(exc: BaseException) -> bool:
    from pydantic import ValidationError
    from sqlalchemy.exc import OperationalError as SAOperationalError

    from graphs.support.messages import InvalidMessage
    from graphs.support.review import InvalidDecision
    from supportgraph.conversations import SupportError

    return isinstance(exc, CliError | SupportError | InvalidMessage | InvalidDecision | ValidationError |
                      SAOperationalError | OSError)


def _report_json(report: Any) -> dict[str, Any]:
    from dataclasses import asdict

    data = asdict(report)
    data.pop("values", None)
    return data


def main() -> None:
    """Console entry point: run the app, turning refusals into one line and exit status 2."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Idle OpenMP threads spin by default; on a shared 2-core machine that multiplies inference latency.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        app()
    except Exception as exc:
        if not _is_refusal(exc):
            raise
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
