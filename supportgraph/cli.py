"""The ``supportgraph`` command line: demo, chat, send, review, audit.

Every refusal is one readable line on stderr and a non-zero exit; tracebacks are for bugs only.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from supportgraph.settings import get_settings

if TYPE_CHECKING:
    from graphs.support.review import ActionRequest

app = typer.Typer(
    help="supportgraph: a customer-support agent on LangGraph that understands, plans across business "
    "systems, scores its own confidence and hands over to humans.\n\n"
    "Data live in SQLite under SUPPORTGRAPH_HOME (default ./.supportgraph) unless SUPPORTGRAPH_DATABASE_URL "
    "points to Postgres (postgresql://user@host:5432/db).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
review_app = typer.Typer(help="Work the queue of threads waiting for a human reviewer.", no_args_is_help=True)
app.add_typer(review_app, name="review")
eval_app = typer.Typer(help="Measure how good the agent is.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
bench_app = typer.Typer(help="Measure how fast it is (benchmarks print figures; they assert nothing).",
                        no_args_is_help=True)
app.add_typer(bench_app, name="bench")

console = Console(highlight=False, soft_wrap=True)
DatabaseOpt = Annotated[
    str | None,
    typer.Option("--database-url", help="Override SUPPORTGRAPH_DATABASE_URL (sqlite:///PATH or postgresql://…)."),
]


class CliError(Exception):
    """A refusal to print as one line."""


def _url(database_url: str | None) -> str:
    return database_url or get_settings().resolved_database_url()


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
) -> None:
    """Talk to the agent interactively; an empty line or Ctrl-D ends the session (the thread stays)."""
    from supportgraph.conversations import open_service
    from supportgraph.render import print_turn

    thread_id = thread or f"chat-{uuid.uuid4().hex[:8]}"
    sys.stdin.reconfigure(errors="surrogateescape")  # type: ignore[union-attr]
    failed = False
    with open_service(_url(database_url)) as service:
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
) -> None:
    """Send one customer message to a thread and print what the agent did."""
    from supportgraph.conversations import open_service
    from supportgraph.render import print_turn

    if text == "-":
        text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    with open_service(_url(database_url)) as service:
        report = service.send(thread, text, customer_id=customer)
    if as_json:
        print(json.dumps(_report_json(report), default=str))
    else:
        print_turn(console, report)


@review_app.command("list")
def review_list(
    queue: Annotated[str | None, typer.Option(help="Only this queue: billing, technical, accounts, general.")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Include resolved reviews.")] = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Threads waiting for a reviewer, most urgent and oldest first."""
    from datetime import UTC, datetime

    from supportgraph.audit import open_audit_log

    items = open_audit_log(_url(database_url)).review_items(status=None if show_all else "open", queue=queue)
    if not items:
        console.print("no threads are waiting for review" + (f" in queue {queue}" if queue else ""))
        return
    now = datetime.now(UTC)
    for i in items:
        created = i.created_at if i.created_at.tzinfo else i.created_at.replace(tzinfo=UTC)
        age_min = max(0, int((now - created).total_seconds() // 60))
        print(f"{i.thread_id}\t{i.queue}\t{i.priority}\t{i.status}\tage {age_min} min\t"
              f"{i.customer_id or '-'}\t{'; '.join(i.reasons)}")


@review_app.command("show")
def review_show(thread: str, database_url: DatabaseOpt = None) -> None:
    """Everything a reviewer needs about one waiting thread."""
    from supportgraph.conversations import NotWaitingForReview, open_service
    from supportgraph.render import print_review_request

    with open_service(_url(database_url)) as service:
        request = service.pending_review(thread)
    if request is None:
        raise NotWaitingForReview(f"thread {thread!r} is not waiting for a review")
    print_review_request(console, thread, dict(request))


@review_app.command("resume")
def review_resume(
    thread: str,
    approve: Annotated[bool, typer.Option("--approve", help="Approve every proposed action.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject the proposed actions.")] = False,
    reason: Annotated[str | None, typer.Option(help="Why, with --reject (the customer sees it).")] = None,
    edit: Annotated[
        str | None, typer.Option(help='JSON arguments replacing the proposed ones, e.g. \'{"amount": 50}\'.')
    ] = None,
    respond: Annotated[str | None, typer.Option(help="Answer the customer yourself instead.")] = None,
    reviewer: Annotated[str, typer.Option(help="Your name, kept in the audit log.")] = "reviewer",
    database_url: DatabaseOpt = None,
) -> None:
    """Resume a waiting thread with one decision: --approve, --reject [--reason], --edit JSON or --respond TEXT."""
    from supportgraph.conversations import NotWaitingForReview, open_service
    from supportgraph.render import print_turn

    chosen = [name for name, on in (("approve", approve), ("reject", reject), ("edit", edit is not None),
                                    ("respond", respond is not None)) if on]
    if len(chosen) != 1:
        raise CliError("choose exactly one of --approve, --reject, --edit JSON, --respond TEXT")
    if reason is not None and not reject:
        raise CliError("--reason goes with --reject")
    with open_service(_url(database_url)) as service:
        request = service.pending_review(thread)
        if request is None:
            raise NotWaitingForReview(f"thread {thread!r} is not waiting for a review")
        decisions = [_decision(chosen[0], action, reason=reason, edit=edit, respond=respond)
                     for action in request["action_requests"]]
        report = service.resume(thread, {"decisions": decisions, "reviewer": reviewer})
    print_turn(console, report, who="Reviewer")


def _decision(kind: str, action: ActionRequest, *, reason: str | None, edit: str | None,
              respond: str | None) -> dict[str, Any]:
    if kind == "edit":
        try:
            args = json.loads(edit or "")
        except json.JSONDecodeError as exc:
            raise CliError(f"--edit is not valid JSON: {exc.msg} at position {exc.pos}") from None
        if not isinstance(args, dict):
            raise CliError("--edit must be a JSON object of arguments, e.g. '{\"amount\": 50}'")
        merged = {**action["args"], **args}
        return {"type": "edit", "edited_action": {"name": action["name"], "args": merged}}
    if kind == "reject":
        return {"type": "reject", "message": reason}
    if kind == "respond":
        return {"type": "respond", "message": respond}
    return {"type": "approve"}


@app.command()
def audit(thread: str, database_url: DatabaseOpt = None) -> None:
    """Every decision recorded for a thread, turn by turn."""
    from supportgraph.audit import open_audit_log

    events = open_audit_log(_url(database_url)).events(thread)
    if not events:
        raise CliError(f"no audit events for thread {thread!r}")
    for e in events:
        latency = f" {e['latency_ms']:.0f} ms" if e["latency_ms"] is not None else ""
        console.print(f"turn {e['turn']} [bold]{e['kind']}[/]{latency}: "
                      f"{json.dumps(e['payload'], default=str, ensure_ascii=False)[:400]}", soft_wrap=True)


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
