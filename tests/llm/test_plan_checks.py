"""The plan checker (issue 17): identifiers compared exactly, and the plan prompt's examples use only references
the checker accepts. Pure functions: no model, no database."""

from __future__ import annotations

import re

import pytest

from graphs.reasoners.llm.planning import PlanRequest, plan_problems, planning_messages, tokens
from graphs.reasoners.llm.schemas import SupportPlan
from graphs.support.flows import load_flows
from graphs.support.state import ActiveFlow
from tests.llm.scripted import step


def _plan(order_id: int) -> SupportPlan:
    return SupportPlan.model_validate({"steps": [step("order", "track_order", "get_order", {"order_id": order_id})],
                                       "rationale": "look it up"})


def test_an_id_is_evidence_only_when_it_appears_exactly() -> None:
    evidence = tokens("Where is order 100012? My invoice is INV-20001.")
    check = {"bound": {"get_order"}, "intents": {"track_order"}, "kept_ids": set(), "evidence": evidence}
    assert plan_problems(_plan(100012), **check) == []  # type: ignore[arg-type]
    problems = plan_problems(_plan(10001), **check)  # type: ignore[arg-type]
    assert len(problems) == 1 and "10001" in problems[0], "10001 is only part of 100012: an invented id"
    assert "inv-20001" in evidence


@pytest.mark.parametrize("intent", sorted(load_flows()))
def test_the_plan_prompts_examples_use_only_references_the_checker_accepts(intent: str) -> None:
    flow: ActiveFlow = {"intents": [intent], "confidences": {intent: 0.9}, "slots": {"order_id": 10002},
                        "stage": "executing", "asking": [], "low_confidence_turns": 0}
    system = str(planning_messages([], PlanRequest(intents=[intent], flow=flow, customer=None, kept=[]))[0].content)
    usual = system.split("The usual steps of these requests", 1)[1]
    references = re.findall(r"\$[a-z_][a-z0-9_.]*", usual)
    assert all(r.startswith("$steps.") for r in references), references
    assert "$slots" not in usual and "$message" not in usual, usual
