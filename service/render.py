"""Print what a turn did — intents, plan, tool calls, confidence, route, reply — for people reading a terminal."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markup import escape

from service.conversations import TurnReport

SIGNAL_NAMES = {
    "pattern_recognition": "pattern", "margin": "margin", "data_completeness": "completeness",
    "complexity": "complexity", "sentiment": "sentiment", "tool_failures": "tool failures",
}


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _call(step: dict[str, Any]) -> str:
    args = ", ".join(f"{k}={_short(v, 60)}" for k, v in (step["args"] or {}).items())
    return f"{step['tool']}({args})"


def print_turn(console: Console, report: TurnReport, *, who: str = "Customer") -> None:
    if report.customer_message is not None:
        console.print(f"[bold cyan]{who}:[/] {escape(report.customer_message)}")
    u = report.understanding
    if u and report.customer_message is not None:
        intents = ", ".join(f"{i['intent']} ({i['confidence']:.2f})" for i in u["intents"])
        cont = " [dim](continues the flow in progress)[/]" if u["continues_flow"] else ""
        console.print(f"  [bold]Understood:[/] {intents}{cont}")
        if u["entities"]:
            console.print(f"  [bold]Entities:[/] {escape(_short(u['entities'], 200))}")
        if u["missing"]:
            console.print(f"  [bold]Missing:[/] {', '.join(u['missing'])}")
    if report.plan:
        console.print("  [bold]Plan:[/]")
        for n, step in enumerate(report.plan, 1):
            after = f" after {', '.join(step['depends_on'])}" if step["depends_on"] else ""
            console.print(f"    {n}. {escape(_call(step))}{after} [dim]— {escape(step['why'])}[/]")
        console.print("  [bold]Tool calls:[/]")
        for step in report.plan:
            console.print("    " + _outcome(step))
    a = report.assessment
    if a and report.customer_message is not None:  # a resume does not re-assess what the reviewer decided
        signals = " · ".join(f"{SIGNAL_NAMES.get(k, k)} {v:.2f}" for k, v in a["signals"].items())
        console.print(f"  [bold]Confidence:[/] {a['confidence']:.2f} (threshold {a['threshold']:.2f}) — {signals}")
        reasons = f" — {escape('; '.join(a['reasons']))}" if a["reasons"] else ""
        console.print(f"  [bold]Route:[/] {a['route']} [dim](queue {a['queue']})[/]{reasons}")
    if report.review and report.customer_message is None:
        decision = report.review["decision"] or {}
        kinds = ", ".join(d["type"] for d in decision.get("decisions", []))
        console.print(f"  [bold]Reviewer:[/] {escape(str(report.review['reviewer']))} decided {kinds}")
    for reply in report.replies:
        console.print(f"[bold green]Agent:[/] {escape(reply)}")
    if report.review_request:
        console.print(f"  [bold yellow]⏸ Waiting for a human reviewer[/] (thread {escape(report.thread_id)}; "
                      f"status {report.status})")
    console.print(f"  [dim]status {report.status} · {report.latency_ms:.0f} ms[/]")


def _outcome(step: dict[str, Any]) -> str:
    status = step["status"]
    if status == "done":
        data = (step["result"] or {}).get("data")
        return f"[green]✓[/] {escape(_call(step))} → {escape(_short(data))}"
    if status == "failed":
        return f"[red]✗[/] {escape(_call(step))} → {escape(step['error'] or '')}"
    if status == "awaiting_confirmation":
        return f"[yellow]…[/] {escape(step['tool'])} waits for the customer's yes"
    if status == "needs_approval":
        return f"[yellow]⏸[/] {escape(step['tool'])} held for approval: {escape(step['hold_reason'] or '')}"
    return f"[dim]-[/] {escape(step['tool'])} {status}{': ' + escape(step['error']) if step['error'] else ''}"


def print_review_request(console: Console, thread_id: str, request: dict[str, Any]) -> None:
    ctx = request.get("context", {})
    customer = ctx.get("customer") or {}
    console.print(f"[bold]Thread[/] {escape(thread_id)} · queue {ctx.get('queue')} · turn {ctx.get('turn')}")
    who = f"{customer.get('name')} ({customer.get('customer_id')})" if customer else "not identified"
    console.print(f"[bold]Customer:[/] {escape(who)}")
    if ctx.get("summary"):
        console.print(f"[bold]Summary:[/] {escape(ctx['summary'])}")
    console.print("[bold]Conversation:[/]")
    for m in ctx.get("conversation", []):
        console.print(f"  {m['role']}: {escape(_short(m['text'], 300))}")
    intents = ", ".join(f"{i['intent']} ({i['confidence']:.2f})" for i in ctx.get("intents", []))
    console.print(f"[bold]Intents:[/] {intents}")
    console.print(f"[bold]Rationale:[/] {escape(ctx.get('rationale', ''))}")
    for step in ctx.get("plan", []):
        console.print(f"  - {escape(step['tool'])} {escape(_short(step['args'], 120))}: {step['status']}"
                      f"{' → ' + escape(_short(step['result'], 120)) if step.get('result') else ''}")
    signals = ", ".join(f"{k} {v:.2f}" for k, v in ctx.get("signals", {}).items())
    conf = ctx.get("confidence")
    console.print(f"[bold]Confidence:[/] {conf if conf is None else f'{conf:.2f}'} ({signals})")
    console.print(f"[bold]Why review:[/] {escape('; '.join(ctx.get('reasons', [])))}")
    console.print("[bold]Proposed actions:[/]")
    for n, (action, config) in enumerate(zip(request["action_requests"], request["review_configs"],
                                             strict=True), 1):
        console.print(f"  {n}. {escape(action['name'])} {escape(_short(action['args'], 300))}")
        console.print(f"     {escape(action['description'])}")
        effect = (ctx.get("effects") or [None] * n)[n - 1]
        if effect:  # the exact money approving moves (the reviewer approves these fields, nothing else)
            console.print(f"     moves ${float(effect['amount']):,.2f}:")
            for m in effect["movements"]:
                console.print(f"       - ${float(m['amount']):,.2f} of {escape(str(m['charge_id']))} "
                              f"({escape(str(m['payment_method']))}) to {escape(str(m['to']))}")
            console.print(f"     in {effect['window_days']} days with it: order "
                          f"${float(effect['order_total_in_window']):,.2f}, customer "
                          f"${float(effect['customer_total_in_window']):,.2f}")
        console.print(f"     allowed: {', '.join(config['allowed_decisions'])}")


def _audit_line(kind: str, p: dict[str, Any]) -> str:
    if kind == "ingest":
        if not p.get("valid", True):
            return f"refused message: {p.get('problem')}"
        s = p.get("sentiment") or {}
        return f"\"{_short(p.get('text', ''), 120)}\" · sentiment {s.get('score', 0):+.2f} {s.get('label', '')}"
    if kind == "understand":
        intents = ", ".join(f"{i['intent']} {i['confidence']:.2f}" for i in p.get("intents", []))
        return f"{intents} — {_short(p.get('rationale', ''), 200)}"
    if kind == "plan":
        steps = " → ".join(f"{s['tool']}[{s['status']}]" for s in p.get("steps", [])) or "no steps"
        asking = f" · asking {', '.join(p['asking'])}" if p.get("asking") else ""
        return steps + asking
    if kind in ("tool_call", "tool_declined"):
        mark = "✓" if p.get("ok") else "✗" if kind == "tool_call" else "declined before the call:"
        tail = f" — {p.get('error')}" if p.get("error") else ""
        by = f" (approved by {p['approved_by']})" if p.get("approved_by") else ""
        return f"{mark} {p.get('tool')}({_short(p.get('args', {}), 100)}){by}{tail}"
    if kind == "assess":
        signals = ", ".join(f"{k} {v:.2f}" for k, v in (p.get("signals") or {}).items())
        why = f": {'; '.join(p['reasons'])}" if p.get("reasons") else ""
        return (f"confidence {p.get('confidence', 0):.2f} (threshold {p.get('threshold', 0):.2f}; {signals}) → "
                f"{p.get('route')} [{p.get('queue')}]{why}")
    if kind == "review_decision":
        kinds = ", ".join(d.get("type", "?") for d in p.get("decisions", []))
        return f"{p.get('reviewer')}: {kinds}"
    if kind == "respond":
        return f"({p.get('by')}, {p.get('status')}) \"{_short(p.get('reply', ''), 160)}\""
    return _short(p, 200)


def print_audit(console: Console, events: list[dict[str, Any]]) -> None:
    """The audit trail of a thread, turn by turn, one readable line per decision."""
    turn = None
    for e in events:
        if e["turn"] != turn:
            turn = e["turn"]
            console.print(f"[bold]turn {turn}[/]")
        at = e["created_at"].strftime("%H:%M:%S") if hasattr(e["created_at"], "strftime") else e["created_at"]
        latency = f" {e['latency_ms']:.0f} ms" if e.get("latency_ms") is not None else ""
        console.print(f"  {at} [cyan]{e['kind']:<15}[/] {escape(_audit_line(e['kind'], e['payload']))}"
                      f"[dim]{latency}[/]")
