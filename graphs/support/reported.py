"""Is a write what the customer's own words report the need for, whatever the router calls the request?

A write waits for a yes when the router is unsure of the intent that asks for it (act: the agent is not sure the
customer asked for this). Some requests say what is wrong rather than name the intent: "the keyboard went
through twice, I only ordered one" reports a charge taken twice, and the duplicate's refund is what puts it
right (prompts/policy.md §2: reported, it is refunded without asking again). A flow step names the text slot that
reads such a report (``reported_by``); when that slot reads it in the request's own words and the records bear it
out (the step's precondition held before this is asked), the router's doubt about the intent's name does not hold
the write. A question or a hedge still waits (``flows.waits_for_yes``), and the write's values, its policy checks
and limits are checked as any write's are.
"""

from __future__ import annotations

from graphs.support.flow_spec import StepSpec
from graphs.support.flows import get_flow
from graphs.support.requests import text_for, words_around
from graphs.support.state import ActiveFlow, Step


def reported(flow: ActiveFlow, step: Step, spec: StepSpec | None, message: str) -> bool:
    """Do the request's words report what ``step`` puts right (its spec's ``reported_by`` slot reads them)?"""
    if spec is None or not spec.reported_by or step["id"] != f"{step['intent']}.{spec.id}":
        return False
    slot = get_flow(step["intent"]).slots.get(spec.reported_by)
    # (its words with the clauses around it no other request owns, as the slot was read: "the same $32.50 shows
    # up twice ... there was just one lamp in order 51190")
    return slot is not None and any(slot.read_text(words) is True for words in (
        text_for(flow, step["intent"], message), words_around(flow, step["intent"], message)))
