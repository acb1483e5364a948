"""``supportgraph metrics``: the figures a support lead reads, from the audit log (docs/metrics.md)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from supportgraph.cli.common import CliError, DatabaseOpt, console
from supportgraph.cli.common import database_url_or_default as _url

# Commands import service/, evals/ and graphs/ inside the function: they load LangGraph, the router and torch
# (~2 s) that `supportgraph --help` and the other commands need not pay.


def _when(option: str, value: str | None, *, end: bool) -> datetime | None:
    """A DATE (YYYY-MM-DD, a whole UTC day: --until includes it) or an ISO date-time (naive = UTC)."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        pass
    else:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start + timedelta(days=1) if end else start
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"{option} {value!r} is not a date: use YYYY-MM-DD or an ISO date-time") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _amount(option: str, value: str) -> float:
    try:
        amount = float(value)
    except ValueError:
        raise CliError(f"{option} {value!r} is not a number") from None
    if not amount >= 0 or amount == float("inf"):
        raise CliError(f"{option} must be a finite amount of at least 0, not {value!r}")
    return amount


def metrics(
    since: Annotated[str | None, typer.Option(help="Conversations started on or after DATE (YYYY-MM-DD, UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="… and up to DATE, inclusive (or before an ISO date-time).")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Also write the lead's dashboard (the inbox's "
                                                              "/dashboard page) as one self-contained FILE.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON instead of a table.")] = False,
    prometheus: Annotated[bool, typer.Option("--prometheus", help="Print the Prometheus text exposition format "
                                                                  "instead of a table.")] = False,
    cost_human: Annotated[str, typer.Option(envvar="SUPPORTGRAPH_COST_HUMAN",
                                            help="Dollars per conversation a person worked on.")] = "6.00",
    cost_automated: Annotated[str, typer.Option(envvar="SUPPORTGRAPH_COST_AUTOMATED",
                                                help="Dollars per conversation the agent handled alone.")] = "0.50",
    price_input: Annotated[str, typer.Option(envvar="SUPPORTGRAPH_PRICE_INPUT_TOKENS",
                                             help="Dollars per million model input tokens "
                                                  "that recorded no cost of their own.")] = "0",
    price_output: Annotated[str, typer.Option(envvar="SUPPORTGRAPH_PRICE_OUTPUT_TOKENS",
                                              help="Dollars per million model output tokens "
                                                   "that recorded no cost of their own.")] = "0",
    reopen_days: Annotated[str, typer.Option(help="A customer message this many days after the resolution "
                                                  "reopens the conversation.")] = "7",
    database_url: DatabaseOpt = None,
) -> None:
    """First-contact resolution, handling time, escalations, CSAT, calibration, reviewer workload, automation
    and cost savings, and the sentiment trend, computed from the audit log."""
    from foundation.audit import open_audit_log
    from service.metrics import MetricsSettings, compute_metrics

    if as_json and prometheus:
        raise CliError("choose one of --json and --prometheus")
    start, end = _when("--since", since, end=False), _when("--until", until, end=True)
    if start and end and start >= end:
        raise CliError(f"--since {since} is not before --until {until}")
    if html is not None and html.is_dir():
        raise CliError(f"--html {str(html)!r} is a directory; give a file name")
    if html is not None and not html.resolve().parent.is_dir():
        raise CliError(f"--html {str(html)!r}: the directory {str(html.resolve().parent)!r} does not exist")
    settings = MetricsSettings(
        since=start, until=end, cost_human=_amount("--cost-human", cost_human),
        cost_automated=_amount("--cost-automated", cost_automated),
        price_input_per_million=_amount("--price-input", price_input),
        price_output_per_million=_amount("--price-output", price_output),
        reopen_window=timedelta(days=_amount("--reopen-days", reopen_days)),
    )
    db = open_audit_log(_url(database_url)).db
    report = compute_metrics(db, settings)
    if prometheus:
        from service.metrics.prometheus import prometheus_text

        print(prometheus_text(report), end="")
    elif as_json:
        print(json.dumps(asdict(report), default=str, indent=2))
    else:
        from service.metrics.report import print_report

        print_report(console, report)
    if html is not None:
        from service.metrics.dashboard import dashboard_data
        from service.metrics.report import write_html

        days = ((end or datetime.now(UTC)) - (start or datetime.now(UTC) - timedelta(days=30))).days
        write_html(html, dashboard_data(db, settings, "week" if days > 62 else "day"))
        if not (as_json or prometheus):
            console.print(f"HTML report written to {html}")


def rate(
    thread: Annotated[str, typer.Argument(help="The conversation's thread id.")],
    score: Annotated[str, typer.Argument(help="The customer's satisfaction rating, 1 (poor) to 5 (excellent).")],
    comment: Annotated[str | None, typer.Option(help="What the customer said with the rating.")] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Store a customer's CSAT rating of a conversation given outside the chat (a survey, an agent desktop)."""
    from service.conversations import open_service

    with open_service(_url(database_url)) as service:
        service.rate(thread, score, comment)
    console.print(f"rating {score.strip()}/5 stored for {thread}")
