"""ingest: validate and normalise the customer's message (kept as ``customer_message``), read its sentiment, know who
is writing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from langgraph.runtime import Runtime

from foundation.redact import redact
from graphs.reasoners.local.sentiment import analyse_sentiment
from graphs.support.context import Context
from graphs.support.csat import rating_of, record_rating
from graphs.support.deps import Deps, deps, last_customer_text
from graphs.support.messages import InvalidMessage, check_message
from graphs.support.state import Customer, State
from prompts import render_reply
from tools.registry import get_tool


def ingest(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    d = deps(runtime)
    turn = state.turn + 1
    raw = last_customer_text(list(state.messages))
    update: dict[str, Any] = {"turn": turn, "reply": None, "review": None, "assessment": None, "customer_message": ""}
    try:
        text = update["customer_message"] = check_message(raw)
    except InvalidMessage as exc:
        # Hosts reject such messages before they reach a thread; this guards callers that do not.
        update["reply"] = render_reply("invalid_message", problem=str(exc))
        d.audit.record(d.thread_id, turn, "ingest", {"valid": False, "problem": str(exc)}, at=d.now)
        return update
    rating = rating_of(text) if state.status == "resolved" else None
    if rating is not None:
        # The answer to the rating question of the resolved conversation: stored and thanked for, not routed.
        record_rating(d.audit, d.thread_id, turn, rating, source="conversation", at=d.now)
        update["reply"] = render_reply("csat_thanks", score=rating.score, comment=rating.comment)
        return update
    if state.status == "resolved":
        update["status"] = "active"  # the customer writes again: a new request, or the old one reopened
    sentiment = analyse_sentiment(text)
    update["sentiment"] = sentiment
    if state.human_owner:
        update["status"] = "awaiting_review"  # the person who took the thread over answers it
    if state.customer is None and state.customer_id:
        update["customer"] = _channel_customer(state, d, state.customer_id)
    d.audit.record(d.thread_id, turn, "ingest", {"valid": True, "text": redact(text), "sentiment": sentiment},
                   at=d.now)
    return update


def _channel_customer(state: State, d: Deps, customer_id: str) -> Customer | None:
    """The customer an authenticated channel vouches for (None when the id is unknown)."""
    ctx = replace(d.tool_context(state.turn, None, "channel"), customer_id=customer_id)
    result = get_tool("get_customer").run(d.store, {"customer_id": customer_id}, ctx)
    if result.unavailable:
        # The CRM is down, but the channel still vouches for the customer: they stay signed in, and the steps
        # that need the CRM fail with the outage as their reason.
        return {"customer_id": customer_id, "name": "", "plan": None, "verified": True, "verified_by": "channel"}
    if not result.ok or not isinstance(result.data, dict):
        return None
    plan = result.data.get("plan")
    return {
        "customer_id": customer_id,
        "name": str(result.data.get("name", "")),
        # The plan's id, as an identity check gives it (the profile holds the whole plan: name, price, ...).
        "plan": plan.get("id") if isinstance(plan, dict) else plan,
        "verified": True,
        "verified_by": "channel",
    }
