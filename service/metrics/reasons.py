"""Why threads went to a person, grouped by the rule that sent them (a reason code) and said in words.

A review's reasons are sentences for the reviewer (graphs/support/escalation.py and the holds it collects). The
hand-off cues and the flows that always go to a person have their reason as data (graphs/support/handoff.yaml,
flows.yaml): those are read from there, exact text to their cue or flow. The sentences built with numbers in
them (amounts, scores, counts) are matched by the fixed words of their templates. A sentence no rule knows is
``other``, shown with its numbers masked.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from graphs.support.flows import load_flows
from graphs.support.handoff import cues

OTHER = "other"


@dataclass(frozen=True)
class ReasonGroup:
    code: str
    label: str  # the rule, in words
    reviews: int  # reasons of this code (a review with two reasons counts in both groups)
    examples: list[str]  # up to three sentences as reviewers read them, numbers masked


# (code, label, fixed words of the template): the sentences of escalation.py, act.py, consequences.py and
# tools/payments/ledger.py.
TEMPLATES: tuple[tuple[str, str, str], ...] = (
    ("refund_over_limit", "Refund above the approval limit", r"refund of .* above the .* limit"),
    ("refund_in_flight", "Another refund of the order still in flight", r"still in flight|would refund it again"),
    ("reserved_for_humans", "Action reserved for a person (deletion, migration, …)", r"is reserved for a human"),
    ("unsure_of_request", "Agent not sure the customer asked for the change", r"not sure the customer asked"),
    ("identity_failed", "Identity verification failed repeatedly", r"identity verification failed"),
    ("very_upset", "Customer very upset", r"the customer is very upset"),
    ("repeating", "No progress: the agent would repeat itself", r"no progress: the agent would be"),
    ("low_confidence", "Confidence below the threshold", r"confidence .* below the .* threshold"),
    ("taken_over", "A reviewer owns the thread", r"has taken this thread over"),
    ("model_refused", "The language model's answer was refused", r"^the model's .* was refused"),
)


@cache
def _exact() -> dict[str, tuple[str, str]]:
    known = {c.reason: (c.name, c.reason[:1].upper() + c.reason[1:]) for c in cues() if c.effect != "signal"}
    for intent, flow in load_flows().items():
        if flow.review_reason:
            known.setdefault(flow.review_reason, (f"flow_{intent}", flow.review_reason[:1].upper()
                                                  + flow.review_reason[1:]))
    return known


_TEMPLATES = tuple((code, label, re.compile(words)) for code, label, words in TEMPLATES)


def reason_code(reason: str) -> tuple[str, str]:
    """The code and words of one review reason; ``("other", masked sentence)`` when no rule matches."""
    text = reason.strip()
    if text in _exact():
        return _exact()[text]
    for code, label, words in _TEMPLATES:
        if words.search(text):
            return code, label
    return OTHER, _mask(text)


def group_reasons(reasons: list[str]) -> list[ReasonGroup]:
    """Review reasons counted per code, most frequent first; a reason made of several joined by "; " (a step
    held for more than one rule) counts for each."""
    counts: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], list[str]] = {}
    for reason in reasons:
        for part in filter(None, (p.strip() for p in reason.split("; "))):
            key = reason_code(part)
            counts[key] += 1
            seen = examples.setdefault(key, [])
            if len(seen) < 3 and _mask(part) not in seen:
                seen.append(_mask(part))
    return [ReasonGroup(code, label, n, examples[(code, label)]) for (code, label), n in counts.most_common()]


_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")


def _mask(text: str) -> str:
    return _NUMBER.sub("#", text).strip()
