"""The ``supportgraph`` command line: demo, db, chat, send, review, audit, policy.

Every refusal is one readable line on stderr and a non-zero exit; tracebacks are for bugs only.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

# The command modules by name: a submodule and the command it defines share a name (metrics, serve, ...).
from supportgraph.cli import inbox, metrics, serve, triage
from supportgraph.cli.bench_served import (
    bench_checkpoint_command,
    bench_cpu_command,
    bench_load_command,
    bench_serve_command,
)
from supportgraph.cli.common import CliError, DatabaseOpt, console
from supportgraph.cli.common import database_url_or_default as _url
from supportgraph.cli.faults import bench_faults
from supportgraph.cli.fuzz import fuzz_app
from supportgraph.cli.llm import BaseUrlOpt, ModelOpt, bench_tokens, model_context
from supportgraph.cli.measure import bench_app, eval_app
from supportgraph.cli.policy import policy_app
from supportgraph.cli.review import review_app
from supportgraph.cli.store import db_app, demo_app

# Commands import service/, evals/ and graphs/ inside the function: they load LangGraph, the router and torch
# (~2 s) that `supportgraph --help` and the other commands need not pay.

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
app.add_typer(policy_app, name="policy")
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
bench_app.command("tokens")(bench_tokens)
bench_app.command("faults")(bench_faults)
bench_app.command("serve")(bench_serve_command)
bench_app.command("checkpoint")(bench_checkpoint_command)
bench_app.command("load")(bench_load_command)
bench_app.command("cpu")(bench_cpu_command)
app.command()(triage.triage)
app.command()(metrics.metrics)
app.command()(metrics.rate)
app.command()(serve.serve)
app.command()(inbox.inbox)


@app.command()
def chat(
    customer: Annotated[str | None, typer.Option(help="Chat as this demo customer (e.g. C0001), signed in.")] = None,
    thread: Annotated[str | None, typer.Option(help="Continue this thread id instead of starting a new one.")] = None,
    database_url: DatabaseOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
) -> None:
    """Talk to the agent interactively; an empty line or Ctrl-D ends the session (the thread stays)."""
    from service.conversations import open_service
    from service.render import print_turn

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
                print(f"error: {_refusal_line(exc)}", file=sys.stderr)
                continue
            print_turn(console, report)
    if failed:
        raise typer.Exit(2)


# A message may start with "-" ("-5 stars for the delay"): taken as the message, not as an unknown option.
@app.command(context_settings={"ignore_unknown_options": True})
def send(
    text: Annotated[str, typer.Argument(help="The customer's message, or - to read it from stdin.", metavar="TEXT")],
    thread: Annotated[str, typer.Option(help="Thread id; a new thread starts if it does not exist.")],
    customer: Annotated[str | None, typer.Option(help="Signed-in demo customer for a new thread.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the turn as JSON.")] = False,
    database_url: DatabaseOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
) -> None:
    """Send one customer message to a thread and print what the agent did."""
    from service.conversations import open_service
    from service.render import print_turn

    if text == "-":
        # Undecodable bytes stay recognisable (lone surrogates) and are refused; a real U+FFFD is text.
        text = sys.stdin.buffer.read().decode("utf-8", errors="surrogateescape")
    with open_service(_url(database_url), **model_context(model, base_url)) as service:
        report = service.send(thread, text, customer_id=customer)
    if as_json:
        print(json.dumps(_report_json(report), default=str))
    else:
        print_turn(console, report)


@app.command()
def audit(thread: str, database_url: DatabaseOpt = None) -> None:
    """Every decision recorded for a thread, turn by turn."""
    from foundation.audit import open_audit_log
    from service.render import print_audit

    events = open_audit_log(_url(database_url)).events(thread)
    if not events:
        raise CliError(f"no audit events for thread {thread!r}")
    print_audit(console, events)


fit_app = typer.Typer(help="Fit the models the agent uses from the project's labelled data.", no_args_is_help=True)
app.add_typer(fit_app, name="fit")


@fit_app.command("confidence")
def fit_confidence_command(
    write: Annotated[bool, typer.Option(help="Write the fitted weights to graphs/support/confidence.yaml.")] = False,
    on: Annotated[list[Path] | None, typer.Option(
        help="Scenario folders whose turns are fitted on (repeatable; blind dev halves only). "
             "Default: every blind dev half (evals/scenarios/blind/dev*).")] = None,
    record_first_contact: Annotated[Path | None, typer.Option(
        help="Play this blind dev half once with the current code and record its labelled turns as its first "
             "contact (evals/confidence/first_contact/<half>.jsonl, with the commit); nothing is fitted. Do it "
             "when the half is committed, before any code changes from its failures.")] = None,
    half_life: Annotated[float | None, typer.Option(
        help="The maps' half-life in batches: a first-contact batch this many batches older than the newest weighs "
             "half as much in the turn and conversation maps (the code improves between batches, so older "
             "first contact under-states it). Default: evals/confidence_calibration.py HALF_LIFE; 0: every batch "
             "the same.", min=0.0)] = None,
    newest_intercept: Annotated[bool, typer.Option("--newest-intercept/--pooled-intercept",
        help="Fit the maps' intercepts on the newest first-contact batch alone (their slopes on every batch): the "
             "rate of right turns is the newest code's, and older first contact under-states newer code "
             "(docs/confidence.md). --pooled-intercept (the default since session 19, evals/confidence_calibration.py "
             "NEWEST_INTERCEPT): every batch's, weighed by the half-life.")
    ] = False,
) -> None:
    """Fit the confidence model's weights on labelled turns and report its cross-validated calibration, how well
    it and each signal separate right from wrong turns (AUC) and its risk–coverage."""
    from evals.confidence_calibration import HALF_LIFE
    from evals.confidence_fit import dev_halves, fit_confidence
    from graphs.support.confidence import model_path

    if record_first_contact is not None:
        from evals.first_contact import record

        if not record_first_contact.is_dir():
            raise CliError(f"no scenario folder {record_first_contact}")
        try:
            out = record(record_first_contact)
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        console.print(f"first-contact turns of {record_first_contact} written to {out}")
        return

    folders = on or dev_halves()
    missing = [str(p) for p in folders if not p.is_dir()]
    if missing:
        raise CliError(f"no scenario folder {', '.join(missing)}")
    try:
        report = fit_confidence(model_path() if write else None, folders,
                                half_life=HALF_LIFE if half_life is None else half_life or None,
                                newest_intercept=newest_intercept)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    console.print(f"{report.n} labelled turns, {report.positives} handled correctly")
    console.print(f"fitted model (5-fold CV holding out writers, C {report.model.fitted['regularisation_c']}): "
                  f"expected calibration error {report.cv_ece:.3f} · Brier {report.cv_brier:.3f}")
    console.print(f"current model:            expected calibration error {report.current_ece:.3f} · "
                  f"Brier {report.current_brier:.3f}")
    cv, now = report.cv_separation or {}, report.current_separation or {}
    console.print(f"AUC right vs wrong turns: fitted model (5-fold CV) {cv.get('confidence', 0.5):.3f} · "
                  f"current model {now.get('confidence', 0.5):.3f}")
    console.print("AUC per signal: " + ", ".join(f"{k} {v:.3f}" for k, v in sorted(
        (cv.get("signals") or {}).items(), key=lambda kv: -kv[1])))
    chosen = report.cv_chosen
    console.print("risk–coverage (5-fold CV): " + (
        f"threshold {chosen['threshold']:.3f} for 5 % risk answers {chosen['coverage']:.1%} alone"
        if chosen else "no threshold reaches 5 % risk")
        + f"; risk at 60 % coverage {_pct(report.cv_risk_at_60)}; answering all {_pct(report.cv_risk_all)}")
    fitted = report.model.fitted
    if "cv_conversation_brier" in fitted:
        console.print(f"per conversation ({fitted['conversations']}, 5-fold CV holding out writers): map of "
                      f"{' + '.join(fitted['conversation_features'])}: ECE "
                      f"{fitted['cv_conversation_calibration_error']:.3f} · AUC {fitted['cv_conversation_auc']:.3f} · "
                      f"Brier {fitted['cv_conversation_brier']:.3f}; product only: ECE "
                      f"{fitted['cv_conversation_calibration_error_product_only']:.3f} · AUC "
                      f"{fitted['cv_conversation_auc_product_only']:.3f} · Brier "
                      f"{fitted['cv_conversation_brier_product_only']:.3f}")
        floor = next((v for k, v in fitted.items() if k.startswith("conversation_calibration_error_floor_")), None)
        console.print("per conversation, per folder (writers held out): ECE " + ", ".join(
            f"{k} {v:.3f}" for k, v in fitted.get("cv_conversation_calibration_error_per_folder", {}).items())
            + ("" if floor is None else f"; a perfectly calibrated map on 60 conversations shows {floor:.3f}"))
    first = fitted.get("first_contact")
    if first:
        held = first.get("held_out") or {}
        console.print(f"calibrated on {first['turns']} first-contact turns ({', '.join(first['halves'])}); "
                      + (f"each {held['held_out_by']} held out (weights and maps fitted without it), pooled: turn "
                         f"ECE {held['turn_ece']:.3f} · AUC {held['turn_auc']:.3f} · risk at 60 % coverage "
                         f"{held['turn_risk_at_60']:.1%}; conversation ECE {held['conversation_ece']:.3f}; per "
                         f"{held['held_out_by']} (chance alone for a calibrated score of its size in brackets): "
                         + ", ".join(f"{g} turn {v['turn_ece']:.3f} ({v.get('turn_ece_floor', float('nan')):.3f}) "
                                     f"conversation {v['conversation_ece']:.3f} "
                                     f"({v.get('conversation_ece_floor', float('nan')):.3f})"
                                     for g, v in held["per_group"].items()) if held else "too few to hold out"))
        ahead = first.get("forward") or {}
        if ahead:
            console.print(f"on the next batch (maps half-life {first.get('half_life') or 'none'}, intercepts on "
                          f"{'the newest batch' if first.get('newest_intercept') else 'every batch'}; each half "
                          f"after the oldest predicted from the older halves only), pooled: turn ECE "
                          f"{ahead['turn_ece']:.3f} · "
                          f"risk at 60 % coverage {ahead['turn_risk_at_60']:.1%}; conversation ECE "
                          f"{ahead['conversation_ece']:.3f}; per half, mean confidence vs rate of right turns: "
                          + ", ".join(f"{g} {v['turn_mean']:.3f} vs {v['turn_rate']:.3f} (turn ECE "
                                      f"{v['turn_ece']:.3f}, conversation {v['conversation_ece']:.3f})"
                                      for g, v in ahead["per_group"].items()))
    else:
        console.print("no first-contact turns (evals/confidence/first_contact): calibrated on worked-on turns only")
    console.print("weights: " + ", ".join(f"{k} {v:+.2f}" for k, v in report.model.weights.items())
                  + f", bias {report.model.bias:+.2f}")
    if write:
        console.print(f"written to {model_path()}")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


@app.command()
def customers(database_url: DatabaseOpt = None, limit: int = 10) -> None:
    """Demo customers to chat as (the first ones are the scripted demo cases)."""
    from sqlalchemy import select

    from tools.store import open_store
    from tools.store.schema import customers as table

    store = open_store(_url(database_url))
    with store.db.begin() as conn:
        rows = conn.execute(select(table.c.id, table.c.name, table.c.email).order_by(table.c.id).limit(limit))
        for row in rows:
            print(f"{row.id}\t{row.name}\t{row.email}")


def _is_refusal(exc: BaseException) -> bool:
    from pydantic import ValidationError

    from graphs.support.messages import InvalidMessage
    from graphs.support.review import InvalidDecision
    from service.conversations import SupportError
    from tools.store import StoreNotReady

    return isinstance(exc, CliError | SupportError | InvalidMessage | InvalidDecision | ValidationError |
                      OSError | StoreNotReady) or _database_failure(exc)


def _database_failure(exc: BaseException) -> bool:
    """The database went away or failed mid-command (a restart, a dropped connection): not a bug of ours."""
    from foundation.db import database_failure

    return database_failure(exc)


def _refusal_line(exc: BaseException) -> str:
    """The one line a refusal prints: its first line; a database failure's without SQL or parameters."""
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if _database_failure(exc):
        cause = getattr(exc, "orig", None) or exc
        first = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        return (f"the database failed ({first.strip()}); what was done is kept, and the next command on this "
                "thread finishes it")
    return message


def _report_json(report: Any) -> dict[str, Any]:
    data = asdict(report)
    data.pop("values", None)
    return data


def _log_to_file() -> None:
    """Warnings and errors of the libraries and of recovery go to $SUPPORTGRAPH_HOME/supportgraph.log, not to
    the terminal: a command's own output is its result or one `error:` line."""
    import logging

    from foundation.settings import Settings

    root = logging.getLogger()
    try:
        home = Settings().home  # not get_settings(): it caches, and `serve` sets the environment after this
        home.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(home / "supportgraph.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"))
    except OSError:
        handler = logging.NullHandler()
    handler.setLevel(logging.WARNING)
    root.addHandler(handler)


def main() -> None:
    """Console entry point: run the app, turning refusals into one line and exit status 2."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Idle OpenMP threads spin by default; on a shared 2-core machine that multiplies inference latency.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    _log_to_file()
    run(None)


def run(args: list[str] | None) -> None:
    """Run the app on ``args`` (None: the process's own arguments), turning refusals into one line on stderr and
    exit status 2; what ``main`` does after setting up the process, and what the tests call in process."""
    try:
        app(args=args, prog_name="supportgraph" if args is not None else None)
    except Exception as exc:
        if not _is_refusal(exc):
            raise
        print(f"error: {_refusal_line(exc)}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
