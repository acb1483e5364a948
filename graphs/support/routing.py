"""Typed routing between the support graph's nodes."""

from __future__ import annotations

from typing import Literal

from graphs.support.handoff import cues_in
from graphs.support.state import State


def after_ingest(state: State) -> Literal["understand", "respond", "human_review"]:
    """A message ingest could not take already has its reply; a thread a person owns goes to that person;
    anything else is understood."""
    if state.reply:
        return "respond"
    return "human_review" if state.human_owner else "understand"


def after_plan(state: State) -> Literal["act", "assess"]:
    """A message claiming an approval or authority the chat cannot accept (graphs/support/handoff.yaml, effect
    ``decline``) runs nothing: assess declines it. Anything else is acted on."""
    text = state.customer_text()
    declined = any(c.effect == "decline" for c in cues_in(text))
    return "assess" if declined and not state.review else "act"


def after_assess(state: State) -> Literal["respond", "human_review"]:
    """Follow the route assess chose."""
    if state.assessment is None:
        raise ValueError("after_assess: assess left no assessment in the state")
    route = state.assessment["route"]
    if route not in ("respond", "human_review"):
        raise ValueError(f"after_assess: unexpected route {route!r}")
    return route


def after_act(state: State) -> Literal["plan", "assess"]:
    """Back to plan when act asked for a replan (LLM reasoner, bounded per turn), else assess the turn."""
    return "plan" if state.replan else "assess"
