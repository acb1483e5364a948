"""Play one scenario through :class:`SupportService` — the path the CLI takes — and record what happened.

The customer's messages go in one by one. Whenever the thread waits for a human, the scenario's next reviewer
decision is applied with ``SupportService.resume``; when the scenario has no decision left, the thread stays with
the humans and any remaining messages are not sent. The :class:`Transcript` keeps what scoring needs — the turns'
understanding and confidence from the audit log, the tool calls, the replies, and a snapshot of the final
business data — so scoring itself needs no database.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from evals.scenario_format import Scenario
from evals.scenario_store import fresh_database, prepare_store, row_ids
from foundation.audit import open_audit_log
from foundation.db import open_database
from graphs.support.context import Context
from graphs.support.review import REPLY_ACTION, ReviewRequest
from service.conversations import SupportService, TurnReport, open_service
from tools.store import schema as s

DEFAULT_CLOCK = "2026-03-02T15:00:00+00:00"
SNAPSHOT_TABLES = ("refunds", "tickets", "disputes")
OUTCOMES = {"resolved": "resolved", "awaiting_review": "escalated", "escalated": "escalated",
            "awaiting_customer": "awaiting_customer", "active": "awaiting_customer"}


@dataclass
class Transcript:
    """What one play of a scenario did."""

    scenario_id: str
    trial: int
    outcome: str  # resolved | escalated | awaiting_customer
    escalated: bool
    queues: list[str]  # queue of every review the thread went to, in order
    escalation_reasons: list[str]  # why it went to a human, each reason once
    intents: list[str]  # every intent the agent acted on, first seen first
    confidences: list[float]  # the first assessment's confidence of each turn
    tools: list[dict[str, Any]]  # {"tool", "ok", "error"} per tool call, in order
    replies: list[str]  # every agent message
    last_replies: list[str]  # the agent messages after the last customer message
    reviews_applied: list[dict[str, Any]]
    unsent: list[str]  # messages not sent because the thread waited for a human with no decision left
    unreviewed: list[str]  # the proposed actions of the review the thread was left waiting on (no decision fits)
    facts: dict[str, Any]  # the final business data the expectations speak about
    latency_ms: float = 0.0
    error: str | None = None
    turns: list[dict[str, Any]] = field(default_factory=list)
    model_usage: dict[str, Any] = field(default_factory=dict)  # the play's llm_call totals (empty: no model)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def play_scenario(scenario: Scenario, *, trial: int = 1, server_url: str | None = None,
                  run_settings: Mapping[str, Any] | None = None) -> Transcript:
    """Run ``scenario`` once on a fresh database (SQLite, or a new database on ``server_url``'s Postgres).

    ``run_settings`` are fields of the graph's Context for the play (``{"reasoner": "llm", "model": …,
    "base_url": …}`` plays it with a chat model); default: the offline local reasoner.
    """
    settings = dict(run_settings) if run_settings is not None else {"reasoner": "local"}
    clock = scenario.clock or DEFAULT_CLOCK
    now = datetime.fromisoformat(clock)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    with fresh_database(server_url) as url:
        prepare_store(url, scenario.data, now, Context(**settings).policy())  # the play's policy
        before = {name: row_ids(url, s.metadata.tables[name]) for name in SNAPSHOT_TABLES}
        with open_service(url, **settings, clock=now.isoformat()) as service:
            return _converse(service, scenario, trial, url, before)


def _converse(service: SupportService, scenario: Scenario, trial: int, url: str,
              before: dict[str, set[Any]]) -> Transcript:
    thread_id = f"scenario-{scenario.id}-{trial}"
    decisions = list(scenario.reviewer)
    reports: list[TurnReport] = []
    applied: list[dict[str, Any]] = []
    unsent: list[str] = []
    unreviewed: list[str] = []
    last_from = 0
    error: str | None = None
    started = time.perf_counter()
    try:
        for n, text in enumerate(scenario.messages):
            if reports and reports[-1].review_request is not None:
                unsent = scenario.messages[n:]  # waiting for a human and no decision left
                break
            last_from = len(reports)
            reports.append(service.send(thread_id, text, customer_id=scenario.signed_in_as))
            while reports[-1].review_request is not None:
                request = reports[-1].review_request
                chosen = choose_decisions(request, decisions)
                if chosen is None:
                    unreviewed = [a["name"] for a in request["action_requests"]]
                    break
                for decision in chosen:
                    if decision in decisions:
                        decisions.remove(decision)
                applied.append({"decisions": chosen, "actions": [a["name"] for a in request["action_requests"]]})
                reports.append(service.resume(thread_id, resume_payload(request, chosen)))
    except Exception as exc:  # a crash of the agent is a failed trial with its reason, not a crashed run
        error = f"{exc.__class__.__name__}: {exc}"[:500]
    latency_ms = (time.perf_counter() - started) * 1000
    events = open_audit_log(url).events(thread_id)
    values = service.graph.get_state({"configurable": {"thread_id": thread_id}}).values
    status = values.get("status", "active") if values else "active"
    replies = [str(m.content) for m in values.get("messages", []) if m.type == "ai"] if values else []
    seen_turns: set[int] = set()
    confidences: list[float] = []
    queues: list[str] = []
    reasons: list[str] = []
    intents: list[str] = []
    tools: list[dict[str, Any]] = []
    calls = [e["payload"] for e in events if e["kind"] == "llm_call"]
    for event in events:
        payload = event["payload"]
        if event["kind"] == "assess":
            if event["turn"] not in seen_turns:
                seen_turns.add(event["turn"])
                confidences.append(float(payload["confidence"]))
            if payload["route"] == "human_review":
                queues.append(payload["queue"])
                reasons.extend(r for r in payload["reasons"] if r not in reasons)
        elif event["kind"] == "understand":
            intents.extend(i["intent"] for i in payload["intents"] if i["intent"] not in intents)
        elif event["kind"] == "redirect" and payload["to"] not in intents:
            intents.append(payload["to"])  # the records showed the request to be this intent's (act)
        elif event["kind"] == "tool_call":
            tools.append({"tool": payload["tool"], "ok": payload["ok"], "error": payload.get("error")})
    return Transcript(
        scenario_id=scenario.id, trial=trial, outcome=OUTCOMES.get(status, status),
        escalated=bool(queues) or any(r.review_request for r in reports), queues=queues, escalation_reasons=reasons,
        intents=intents,
        confidences=confidences, tools=tools, replies=replies,
        last_replies=[r for report in reports[last_from:] for r in report.replies],
        reviews_applied=applied, unsent=unsent, unreviewed=unreviewed, facts=snapshot(url, before),
        latency_ms=latency_ms, error=error, model_usage=_model_usage(calls),
        turns=[{"message": r.customer_message, "replies": r.replies, "status": r.status,
                "intents": [i["intent"] for i in (r.understanding or {}).get("intents", [])],
                "confidence": (r.assessment or {}).get("confidence"), "route": (r.assessment or {}).get("route"),
                "signals": dict((r.assessment or {}).get("signals") or {}),
                "review_actions": [a["name"] for a in r.review_request["action_requests"]]
                if r.review_request else []} for r in reports],
    )


def _model_usage(calls: list[dict[str, Any]]) -> dict[str, Any]:
    """Calls, tokens and recorded cost of the play's model calls (each ``llm_call`` event once)."""
    if not calls:
        return {}
    return {"calls": len(calls), "failed_calls": sum(1 for c in calls if c.get("error")),
            "prompt_tokens": sum(int(c["prompt_tokens"]) for c in calls),
            "completion_tokens": sum(int(c["completion_tokens"]) for c in calls),
            "cost_usd": round(sum(float(c["cost_usd"]) for c in calls), 8)}


def choose_decisions(request: ReviewRequest, pending: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The scenario's decision for each proposed action of ``request``, or None when one has none.

    An action takes the first pending decision that names it (``action``), else the first that names no action
    (such a decision answers every remaining action of the request).
    """
    chosen: list[dict[str, Any]] = []
    for action in request["action_requests"]:
        named = [d for d in pending if d.get("action") == action["name"] and not any(d is c for c in chosen)]
        general = [d for d in pending if "action" not in d]
        if not named and not general:
            return None
        chosen.append(named[0] if named else general[0])
    return chosen


def resume_payload(request: ReviewRequest, decisions: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``SupportService.resume`` payload: ``decisions[i]`` applied to the request's i-th proposed action."""
    out = []
    for action, decision in zip(request["action_requests"], decisions, strict=True):
        kind = decision["type"]
        if kind == "edit":
            args = dict(action["args"])
            args.update(decision.get("args", {}))
            out.append({"type": "edit", "edited_action": {"name": action["name"], "args": args}})
        elif kind in ("reject", "respond"):
            item: dict[str, Any] = {"type": kind}
            if decision.get("message"):
                item["message"] = decision["message"]
            out.append(item)
        elif action["name"] == REPLY_ACTION and not action["args"].get("message"):
            out.append({"type": "respond", "message": decision.get("message") or "A colleague will follow up."})
        else:
            out.append({"type": "approve"})
    return {"decisions": out, "reviewer": decisions[0].get("reviewer", "scenario-reviewer")}


def snapshot(url: str, before: dict[str, set[Any]]) -> dict[str, Any]:
    """The business data scoring looks at; refunds, tickets and disputes marked new when the conversation made them."""
    with open_database(url).begin() as conn:
        orders = {str(r.id): {"status": r.status, "customer": r.customer_id}
                  for r in conn.execute(select(s.orders.c.id, s.orders.c.status, s.orders.c.customer_id))}
        refunds = [{"order": r.order_id, "invoice": r.invoice_id, "amount": r.amount_cents / 100,
                    "approved_by": r.approved_by, "new": r.id not in before["refunds"]}
                   for r in conn.execute(select(s.refunds, s.charges.c.invoice_id)
                                         .join(s.charges, s.charges.c.id == s.refunds.c.charge_id))]
        tickets = [{"queue": r.queue, "priority": r.priority, "subject": r.subject, "customer": r.customer_id,
                    "new": r.id not in before["tickets"]} for r in conn.execute(select(s.tickets))]
        disputes = [{"invoice": r.invoice_id, "status": r.status, "amount": r.amount_cents / 100,
                     "new": r.id not in before["disputes"]} for r in conn.execute(select(s.disputes))]
        invoices = {r.id: r.status for r in conn.execute(select(s.invoices.c.id, s.invoices.c.status))}
        customers = {r.id: {"status": r.status, "merged_into": r.merged_into, "newsletter": bool(r.newsletter),
                            "plan": r.plan_id, "deletion_requested": r.deletion_requested_at is not None}
                     for r in conn.execute(select(s.customers))}
        subscriptions = {r.id: {"status": r.status, "customer": r.customer_id}
                         for r in conn.execute(select(s.subscriptions))}
        counts = {cid: n for cid, n in conn.execute(
            select(s.orders.c.customer_id, func.count()).group_by(s.orders.c.customer_id))}
    return {"orders": orders, "refunds": refunds, "tickets": tickets, "disputes": disputes, "invoices": invoices,
            "customers": customers, "subscriptions": subscriptions, "orders_per_customer": counts}
