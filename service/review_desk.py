"""What a reviewer's desk reads beside the review request: the queue's change token, the team's workload, the
decisions just made, and the history of a thread's customer (profile, recent orders, open tickets, earlier
threads).

Read-only. Everything is limited to ``queues`` (a reviewer's queues; None: every queue, an admin's view); the
customer's records are read through the tools' own read functions, as the agent reads them for that customer.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from foundation.audit_tables import audit_events as ev
from foundation.audit_tables import review_queue as rq
from foundation.db import Database
from service.metrics.compute import durations
from tools.base import ToolContext
from tools.registry import get_tool
from tools.store import BusinessStore
from tools.ticketing.backend import ticketing_backend

Queues = tuple[str, ...] | None
RECENT_ORDERS = 5
EARLIER_THREADS = 10


def queue_token(db: Database) -> str:
    """Changes whenever a review is opened, assigned, claimed or decided: the live queue's change token."""
    with db.begin() as conn:
        waiting = sorted((str(t), int(n), str(s), str(a)) for t, n, s, a in conn.execute(
            select(rq.c.thread_id, rq.c.turn, rq.c.status, rq.c.assigned_to).where(rq.c.status != "resolved")))
        decided, last = conn.execute(select(func.count(), func.max(rq.c.resolved_at))
                                     .where(rq.c.status == "resolved")).one()
    return hashlib.sha256(repr((waiting, decided, str(last))).encode()).hexdigest()[:16]


def _in(queues: Queues) -> Any:
    return rq.c.queue.in_(queues) if queues is not None else rq.c.queue.is_not(None)


def workload(db: Database, queues: Queues, now: datetime) -> dict[str, Any]:
    """Waiting reviews per queue, the oldest one's age, and per reviewer the reviews decided since midnight UTC
    (with the median time from queued to decided) and the ones assigned to them still waiting."""
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with db.begin() as conn:
        waiting = list(conn.execute(select(rq.c.queue, rq.c.assigned_to, rq.c.created_at)
                                    .where(_in(queues), rq.c.status.in_(("open", "resolving")))))
        decided = list(conn.execute(select(rq.c.assigned_to, rq.c.created_at, rq.c.resolved_at)
                                    .where(_in(queues), rq.c.status == "resolved", rq.c.resolved_at >= midnight)))
    oldest = min((_aware(c) for _, _, c in waiting), default=None)
    times: defaultdict[str, list[float]] = defaultdict(list)
    for reviewer, created, resolved in decided:
        times[reviewer or "unknown"].append((_aware(resolved) - _aware(created)).total_seconds())
    assigned = Counter(a for _, a, _ in waiting if a)
    people = sorted(set(times) | set(assigned), key=lambda r: (-len(times.get(r, [])), r))
    return {
        "waiting": len(waiting),
        "waiting_by_queue": dict(sorted(Counter(str(q) for q, _, _ in waiting).items())),
        "unassigned": sum(1 for _, a, _ in waiting if not a),
        "oldest_seconds": (now - oldest).total_seconds() if oldest else None,
        "decided_today": len(decided),
        "reviewers": [{"reviewer": r, "decided_today": len(times.get(r, [])), "assigned_waiting": assigned.get(r, 0),
                       "median_seconds_to_decide": durations(times.get(r, [])).median} for r in people],
    }


def recent_decisions(db: Database, queues: Queues, since: datetime) -> list[dict[str, Any]]:
    """Reviews decided since ``since``, newest first: who decided what."""
    with db.begin() as conn:
        rows = conn.execute(select(rq.c.thread_id, rq.c.turn, rq.c.queue, rq.c.customer_id, rq.c.assigned_to,
                                   rq.c.resolved_at, rq.c.decision)
                            .where(_in(queues), rq.c.status == "resolved", rq.c.resolved_at >= since)
                            .order_by(rq.c.resolved_at.desc()).limit(20)).mappings()
        return [{"thread_id": r["thread_id"], "turn": r["turn"], "queue": r["queue"], "customer_id": r["customer_id"],
                 "reviewer": r["assigned_to"], "decided_at": _aware(r["resolved_at"]).isoformat(),
                 "decisions": [d.get("type") for d in (r["decision"] or {}).get("decisions") or []]}
                for r in rows]


def customer_history(store: BusinessStore, db: Database, customer_id: str, *, thread_id: str, queues: Queues,
                     now: datetime) -> dict[str, Any]:
    """The customer of a thread under review: profile and plan, recent orders, open tickets, and their earlier
    reviewed threads in ``queues``. A record its system cannot give is left out with the reason."""
    ctx = ToolContext(thread_id=thread_id, step_id="inbox-history", now=now, customer_id=customer_id)
    profile = get_tool("get_customer").run(store, {}, ctx)
    orders = get_tool("list_orders").run(store, {"limit": RECENT_ORDERS}, ctx)
    tickets = [{"ticket_id": t.ticket_id, "subject": t.subject, "queue": t.queue, "priority": t.priority,
                "status": t.status, "created_at": _aware(t.created_at).isoformat(), "thread_id": t.thread_id}
               for t in ticketing_backend(store).open_tickets(customer_id)]
    with db.begin() as conn:
        earlier = conn.execute(
            select(rq.c.thread_id, func.max(rq.c.created_at).label("at"), func.count().label("reviews"))
            .where(_in(queues), rq.c.customer_id == customer_id, rq.c.thread_id != thread_id)
            .group_by(rq.c.thread_id).order_by(func.max(rq.c.created_at).desc()).limit(EARLIER_THREADS)).all()
        summaries = {t: (s, st) for t, s, st in conn.execute(
            select(rq.c.thread_id, rq.c.summary, rq.c.status).where(rq.c.thread_id.in_([e[0] for e in earlier]))
            .order_by(rq.c.created_at))}
    return {
        "customer_id": customer_id,
        "profile": profile.data if profile.ok else None,
        "profile_error": None if profile.ok else profile.error,
        "orders": orders.data.get("orders", []) if orders.ok and isinstance(orders.data, dict) else [],
        "orders_error": None if orders.ok else orders.error,
        "open_tickets": tickets,
        "earlier_threads": [{"thread_id": t, "last_review_at": _aware(at).isoformat(), "reviews": n,
                             "summary": summaries.get(t, ("", ""))[0], "status": summaries.get(t, ("", ""))[1]}
                            for t, at, n in earlier],
    }


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)



def turn_intents(db: Database, reviews: list[tuple[str, int]]) -> dict[tuple[str, int], list[str]]:
    """The intents the agent understood in each (thread, turn), from the audit log's ``understand`` events."""
    if not reviews:
        return {}
    threads = sorted({t for t, _ in reviews})
    wanted = set(reviews)
    out: dict[tuple[str, int], list[str]] = {}
    with db.begin() as conn:
        for thread, turn, payload in conn.execute(
                select(ev.c.thread_id, ev.c.turn, ev.c.payload)
                .where(ev.c.kind == "understand", ev.c.thread_id.in_(threads)).order_by(ev.c.id)):
            if (thread, turn) in wanted:
                out[(thread, turn)] = [str(i.get("intent")) for i in (payload or {}).get("intents") or []
                                       if isinstance(i, dict)]
    return out
