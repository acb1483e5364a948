"""respond: send the customer the turn's reply — composed from results, or given by a human reviewer."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from graphs.support.context import Context
from graphs.support.deps import deps
from graphs.support.flows import get_flow, plans_for
from graphs.support.handoff import customer_texts
from graphs.support.replies import clarifying, compose_reply
from graphs.support.requests import slots_for
from graphs.support.state import ActiveFlow, State, Step
from graphs.support.third_party import says_not_theirs
from prompts import render_reply


def respond(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    d = deps(runtime)
    review = state.review
    approved_ran = review is not None and any(
        s["approved_by"] == review["reviewer"] and s["status"] in {"done", "failed"} for s in state.plan)
    if state.reply and approved_ran:
        # The reviewer approved an action and also wrote to the customer: say what was done, then their words.
        text = f"{compose_reply(state)}\n\n{state.reply}"
    else:
        text = state.reply or compose_reply(state)
    flow = state.flow
    # A declined request is answered: the no is the resolution, though nothing ran.
    finished = flow is not None and not flow["asking"] and flow["stage"] == "done" and not _asks_customer(flow) \
        and (flow.get("declined", False) or not _did_nothing(state, flow))
    # A thread a person has taken over stays open until they hand it back.
    status = "resolved" if finished and not state.human_owner else "awaiting_customer"
    by = state.review["reviewer"] if state.review and state.reply else "agent"
    # The conversation reaches a resolved outcome: ask for a rating (ingest reads the answer). A reviewer's own
    # words go out exactly as written.
    # A clarifying question asks the customer something: no rating is asked with it.
    ask_rating = status == "resolved" and state.status != "resolved" and by == "agent" and not (
        clarifying(state) and not state.reply)
    if ask_rating:
        text = f"{text}\n\n{render_reply('csat_ask')}"
    d.audit.record(d.thread_id, state.turn, "respond",
                   {"reply": text, "status": status, "by": by, "csat_asked": ask_rating}, at=d.now)
    return {"messages": [AIMessage(content=text, name="supportgraph")], "reply": text, "status": status}


def _did_nothing(state: State, flow: ActiveFlow) -> bool:
    """An empty or no-op plan (nothing ran) for a request whose flow has work to do (a step its slots plan: a
    person asked for has none, unless a technician is) is not a resolution. A look-up the records refused for
    something the customer gave as someone else's ("can you check my husband's order 48822?": "not found on your
    account") ran: the refusal is the answer, as an outage's is not. A refusal of an id they gave as their own (a
    mistyped one) is not: they are asked again."""
    work = any(plans_for(s, slots_for(flow, i), verified=True) for i in flow["intents"] for s in get_flow(i).steps)
    # What the customer said anywhere in the thread: "it's my husband's" in one message covers "can't you just
    # give me the tracking number?" in the next.
    theirs_not = any(says_not_theirs(words) for words in customer_texts(state.messages))
    return work and not any(s["status"] == "done" or (theirs_not and _refused_lookup(s)) for s in state.plan)


def _refused_lookup(step: Step) -> bool:
    result = step["result"] or {}
    return (step["status"] == "failed" and not step["writes"] and step["tool"] != "verify_identity"
            and result.get("ok") is False and not result.get("unavailable") and not result.get("code"))


def _asks_customer(flow: ActiveFlow) -> bool:
    """The flow's reply is a question to the customer for these slots (flows.yaml ``open_when``)."""
    return any(get_flow(intent).leaves_open(flow["slots"], flow["intents"]) for intent in flow["intents"])
