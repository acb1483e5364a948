"""The metrics as rows a person reads: a rich table in the terminal; the dashboard as a self-contained HTML page."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from service.metrics.model import Durations, Metrics

Row = tuple[str, str, str]  # section, figure, value
# The lead's dashboard page and its script (the inbox serves them; --html inlines them).
WEB_DIR = Path(__file__).resolve().parents[2] / "web" / "inbox"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _time(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _dur(d: Durations) -> str:
    if not d.count:
        return "–"
    return f"mean {_time(d.mean)} · median {_time(d.median)} · p90 {_time(d.p90)} (n={d.count})"


def _period(m: Metrics) -> str:
    def day(at: datetime | None) -> str:
        return at.isoformat(timespec="minutes") if at else "…"

    return "all time" if m.since is None and m.until is None else f"{day(m.since)} → {day(m.until)}"


def report_rows(m: Metrics) -> list[Row]:
    r, h, e, c, cal, w, k = (m.resolution, m.handling_time, m.escalation, m.csat, m.calibration, m.workload,
                             m.costs)
    rows: list[Row] = [
        ("Conversations", "started in the period", str(r.conversations)),
        ("Conversations", "resolved", str(r.resolved)),
        ("Conversations", "first-contact resolution",
         f"{_pct(r.fcr_rate)} ({r.first_contact_resolved}; {r.reopened} reopened)"),
        ("Handling time", "all resolved", _dur(h.all)),
        ("Handling time", "bot only", _dur(h.bot_only)),
        ("Handling time", "human handled", _dur(h.human_handled)),
        ("Escalation", "rate", f"{_pct(e.rate)} ({e.escalated} of {e.conversations})"),
    ]
    rows += [("Escalation", f"queue {q}", f"{_pct(qc.rate)} ({qc.conversations})") for q, qc in e.by_queue.items()]
    rows += [("Escalation", f"reason: {g.label}", str(g.reviews)) for g in e.by_code[:8]]
    rows += [
        ("CSAT", "mean rating (1–5)", f"{_num(c.mean)} ({c.ratings} rated)"),
        ("CSAT", "distribution", " · ".join(f"{s}★ {n}" for s, n in c.distribution.items())),
        ("CSAT", "response rate", f"{_pct(c.response_rate)} of {c.asked} asked"),
        ("Confidence", "assessed turns", f"{cal.turns} ({cal.judged} with a known outcome)"),
        ("Confidence", "histogram", " ".join(str(b.turns) for b in cal.bins)),
        ("Confidence", "expected calibration error", _num(cal.ece, 3)),
        *_selective_rows(m),
        ("Reviewers", "waiting now",
         " · ".join(f"{q} {n}" for q, n in w.open_by_queue.items()) or "none"),
        ("Reviewers", "oldest waiting", _time(w.oldest_open_seconds)),
        ("Reviewers", "time to resume", _dur(w.time_to_resume)),
    ]
    rows += [("Reviewers", f"reviewer {x.reviewer}", f"reviews {x.reviews} · median {_time(x.time_to_resume.median)}"
              f" · p90 {_time(x.time_to_resume.p90)}") for x in w.by_reviewer]
    tokens = f"{k.input_tokens:,} in / {k.output_tokens:,} out" if k.tokens_recorded else "none recorded"
    rows += [
        ("Automation", "automation rate", f"{_pct(k.automation_rate)} ({k.automated} of {k.conversations})"),
        ("Automation", "model tokens", f"{tokens} (${k.token_cost:,.4f}, ${k.recorded_token_cost:,.4f} of it "
                                       "recorded by the model calls)"),
        ("Automation", "cost with / without the agent", f"${k.cost_with_agent:,.2f} / ${k.cost_without_agent:,.2f}"),
        ("Automation", "savings", f"${k.savings:,.2f}"),
    ]
    rows += [("Sentiment", d.day, f"mean {_num(d.mean_score)} · {d.negative} negative of {d.messages}")
             for d in m.sentiment[-14:]]
    return rows


def _selective_rows(m: Metrics) -> list[Row]:
    sel = m.selective
    if sel is None or not sel.curve:
        return []
    chosen = (f"≥ {sel.chosen.threshold:.1f}: {_pct(sel.chosen.coverage)} alone, {_pct(sel.chosen.risk)} wrong"
              if sel.chosen else "none reaches it")
    everything = sel.curve[-1]
    return [("Confidence", f"threshold for {_pct(sel.target_risk)} risk", chosen),
            ("Confidence", "risk answering every turn", _pct(everything.risk))]


def print_report(console: Console, m: Metrics) -> None:
    table = Table(title=f"Support metrics — {_period(m)}", title_justify="left")
    table.add_column("", style="bold")
    table.add_column("figure")
    table.add_column("value", overflow="fold")
    previous = None
    for section, figure, value in report_rows(m):
        if previous is not None and section != previous:
            table.add_section()
        table.add_row(section if section != previous else "", figure, value)
        previous = section
    console.print(table)


def write_html(path: Path, data: dict[str, Any]) -> None:
    """The lead's dashboard (service/metrics/dashboard.py ``dashboard_data``) as one self-contained page: the
    inbox's own dashboard page with its script, style and the figures inlined, so both draw it the same way."""
    page = (WEB_DIR / "dashboard.html").read_text("utf-8")
    style = (WEB_DIR / "style.css").read_text("utf-8")
    script = (WEB_DIR / "dashboard.js").read_text("utf-8")
    figures = json.dumps(data, default=str).replace("</", "<\\/")
    page = page.replace('<link rel="stylesheet" href="style.css">', f"<style>\n{style}</style>")
    page = page.replace('<script src="dashboard.js"></script>',
                        f'<script type="application/json" id="dashboard-data">{figures}</script>\n'
                        f"<script>\n{script}</script>")
    path.write_text(page, encoding="utf-8")
