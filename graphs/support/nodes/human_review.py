"""human_review: hand the thread to a person, wait durably, then carry out their decision.

The node ``interrupt()``s with a request in LangChain's human-in-the-loop format (see graphs/support/review.py);
the interrupt's write and the thread's review-queue row commit together, and so do this node's result and the
row's resolution (service/review_index.py). The
thread waits in the checkpointer; a reviewer in any process resumes it with one decision per proposed action.
Approved or edited steps go back to ``act``; a rejection or a reviewer's own answer goes straight to ``respond``.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt

from graphs.support.context import Context
from graphs.support.deps import deps, last_customer_text
from graphs.support.replies import clean_error, compose_reply
from graphs.support.review import REPLY_ACTION, build_request, parse_response, queue_entry
from graphs.support.state import Review, State
from prompts import render_reply


def review_context(state: State) -> dict[str, Any]:
    """Everything a reviewer needs to decide without opening another tool."""
    a: dict[str, Any] = dict(state.assessment or {})
    u: dict[str, Any] = dict(state.understanding or {})
    history = [
        {"role": "customer" if m.type == "human" else "agent", "text": str(m.content)[:2000]}
        for m in list(state.messages)[-10:]
    ]
    context = {
        "customer": state.customer,
        "conversation": history,
        "latest_message": last_customer_text(list(state.messages))[:2000],
        "intents": u.get("intents", []),
        "entities": u.get("entities", {}),
        "rationale": u.get("rationale", ""),
        "plan": [{k: s[k] for k in ("id", "tool", "args", "status", "why", "error", "hold_reason")}
                 | {"result": (s["result"] or {}).get("data")} for s in state.plan],
        "confidence": a.get("confidence"),
        "threshold": a.get("threshold"),
        "signals": a.get("signals", {}),
        "reasons": a.get("reasons", []),
        "queue": a.get("queue", "general"),
        "sentiment": state.sentiment,
        "turn": state.turn,
    }
    context["summary"] = render_reply("review_summary", **context)
    return context


def _priority(state: State) -> str:
    s: dict[str, Any] = dict(state.sentiment or {})
    negative = s.get("score", 0.0) <= -0.3
    urgent = s.get("urgency") == "high"
    return "urgent" if negative and urgent else "high" if negative or urgent else "normal"


def human_review(state: State, runtime: Runtime[Context]) -> Command[Literal["act", "respond"]]:
    d = deps(runtime)
    context = review_context(state)
    if state.human_owner:
        context["reasons"] = [f"{state.human_owner} has taken this thread over"]
        draft = ""
    else:
        draft = compose_reply(state)
    context["priority"], context["requested_at"] = _priority(state), d.now.isoformat()
    request = build_request(state, draft_reply=draft, context=context)
    if not d.context.review_index_by_checkpointer:
        # This host's checkpointer does not index reviews (service/review_index.py does it atomically).
        d.audit.open_review(**queue_entry(d.thread_id, context))
    response = parse_response(interrupt(request), request)

    steps = copy.deepcopy(state.plan)
    held = [s for s in steps if s["status"] == "needs_approval"]
    reply: str | None = None
    run_again = False
    for action, decision in zip(request["action_requests"], response.decisions, strict=True):
        if action["name"] == REPLY_ACTION:
            if decision.type == "approve":
                reply = action["args"]["message"]
            elif decision.type == "edit" and decision.edited_action:
                reply = str(decision.edited_action.args["message"])
            elif decision.type == "respond":
                reply = decision.message
            else:
                reply = render_reply("review_rejected", reason=decision.message, queue=context["queue"])
            continue
        step = held.pop(0)
        if decision.type in ("approve", "edit"):
            if decision.type == "edit" and decision.edited_action:
                step["args"] = decision.edited_action.args
                step["effect"] = None  # act works out what the edited arguments move before they run
            step["status"], step["approved_by"] = "approved", response.reviewer
            run_again = True
        else:
            step["status"] = "rejected"
            step["error"] = decision.message or "a reviewer declined it"
            if decision.type == "respond":
                reply = decision.message
            elif reply is None:
                reply = render_reply("review_rejected", reason=decision.message, queue=context["queue"],
                                     step=step, clean_error=clean_error)
    decided = response.model_dump()
    review: Review = {"turn": state.turn, "queue": context["queue"], "reasons": list(context["reasons"]),
                      "decision": decided, "reviewer": response.reviewer}
    if not d.context.review_index_by_checkpointer:
        # Marked here, a moment before the decision is durable; the host repairs the row on its next read if
        # the run dies in between. supportgraph's savers resolve it with this node's writes, atomically.
        d.audit.resolve_review(d.thread_id, state.turn, decided, at=d.now)
    d.audit.record(d.thread_id, state.turn, "review_decision", decided, at=d.now)
    update: dict[str, Any] = {"plan": steps, "review": review, "reply": reply}
    if response.take_over or response.hand_back:
        update["human_owner"] = response.reviewer if response.take_over else None
        d.audit.record(d.thread_id, state.turn, "take_over" if response.take_over else "hand_back",
                       {"reviewer": response.reviewer}, at=d.now)
    if not run_again and state.flow is not None:
        # The reviewer's answer or refusal closes this request; the customer may of course write again.
        update["flow"] = {**state.flow, "stage": "done", "asking": []}
    return Command(goto="act" if run_again else "respond", update=update)
