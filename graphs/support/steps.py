"""Nodes that run one after another, run as one step: one checkpoint where there were several.

Every super-step of a LangGraph run writes a checkpoint row (the version of every channel, and what each node has
seen of them) and a row of writes per task. A turn through ingest, understand, plan, act, assess and respond took
six steps, and so eight checkpoints (with the input's and the start's). Here it takes two:

* ingest, understand and plan. None of them writes outside the thread (audit records aside), so a crash among them
  loses nothing the turn cannot redo from its input;
* act, assess and respond. The plan act carries out is durable before act starts (the checkpoint of the step
  before), and every business write act makes is idempotent per turn and step: a crash after a refund committed
  re-runs the step, act finds the refund's stored result instead of making it again, and assess and respond
  carry on from there.

``in_one_step(first, (goes_on, node), ...)`` runs ``first``, then each next node while its condition holds on the
state the nodes before it left. The nodes stay what they were: each reads the state as the ones before it in the
step left it, and the step writes their updates together (the transcript's additions in order, a later value of
a key over an earlier one), and its nodes' audit records in one insert when it ends, before its checkpoint
(``AuditLog.batched``); under ``serve`` each step's wall and CPU time go into the run request's spans
(foundation/spans.py). plan, assess and respond stay nodes of their own too, for the paths that start there
(a replan, a declined claim, the replies of ingest and of a reviewer).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

from langgraph.graph.message import _messages_delta_reducer
from langgraph.runtime import Runtime

from foundation import spans
from graphs.support.context import Context
from graphs.support.deps import deps
from graphs.support.routing import after_act, after_assess, after_ingest, after_plan
from graphs.support.state import State

Node = Callable[..., dict[str, Any]]  # (state, runtime) → update, as add_node takes it
Condition = Callable[[State], bool]
Out = TypeVar("Out")


def in_one_step(first: Node, *then: tuple[Condition, Node]) -> Node:
    """One node that runs ``first``, then each of ``then``'s nodes for as long as its condition holds on the state
    the nodes before it left; its update is theirs, merged."""

    name = getattr(first, "__name__", "step")

    def step(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
        # the step's audit records: one insert when it ends; its time into a served run's spans
        with spans.step(name), deps(runtime).audit.batched():
            total = dict(first(state, runtime) or {})
            for goes_on, node in then:
                state = applied(state, total)
                if not goes_on(state):
                    break
                total = merged(total, node(state, runtime) or {})
        return total

    step.__name__ = name
    step.__doc__ = getattr(first, "__doc__", None)
    return step


def own_step(node: Callable[..., Out]) -> Callable[..., Out]:
    """``node`` as a step of its own, whose audit records are written in one insert when it ends, as a step of
    several nodes writes them (its update, or the ``Command`` it returns, as it is)."""

    # functools.wraps keeps the node's return annotation (a Command's destinations, which LangGraph draws as edges)
    @functools.wraps(node)
    def step(state: State, runtime: Runtime[Context]) -> Out:
        with spans.step(node.__name__), deps(runtime).audit.batched():
            return node(state, runtime)

    return step


def applied(state: State, update: dict[str, Any]) -> State:
    """``state`` with ``update`` applied as the graph's channels would apply it (the transcript appended to)."""
    values = {k: v for k, v in update.items() if k != "messages"}
    if "messages" in update:
        values["messages"] = _messages_delta_reducer(list(state.messages), _as_list(update["messages"]))
    return dataclasses.replace(state, **values) if values else state


def merged(earlier: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    """Two updates of one step as one: ``later``'s values win, both additions to the transcript are kept."""
    out = {**earlier, **later}
    if "messages" in earlier and "messages" in later:
        out["messages"] = [*_as_list(earlier["messages"]), *_as_list(later["messages"])]
    return out


def _as_list(messages: Any) -> list[Any]:
    return list(messages) if isinstance(messages, Sequence) and not isinstance(messages, str) else [messages]


def reads_on(state: State) -> bool:
    """After ingest, in its step: understand (and plan) unless ingest answered already or a person owns the thread."""
    return after_ingest(state) == "understand"


def always(state: State) -> bool:
    return True


def replies_now(state: State) -> bool:
    """After assess, in its step: respond, unless the turn goes to a reviewer."""
    return after_assess(state) == "respond"


def after_reading(state: State) -> Literal["act", "assess", "respond", "human_review"]:
    """Where the step of ingest, understand and plan goes: where the last of them that ran would have sent it."""
    after = after_ingest(state)
    return after_plan(state) if after == "understand" else after


def after_assessing(state: State) -> Literal["human_review", "__end__"]:
    """Where assess's step goes: to a reviewer, or nowhere (it replied)."""
    return "human_review" if after_assess(state) == "human_review" else "__end__"


def assesses_now(state: State) -> bool:
    """After act, in its step: assess, unless act asked for a replan."""
    return after_act(state) == "assess"


def after_acting(state: State) -> Literal["plan", "human_review", "__end__"]:
    """Where act's step (act, assess, respond) goes: back to plan for a replan, else where assess's would."""
    return "plan" if after_act(state) == "plan" else after_assessing(state)
