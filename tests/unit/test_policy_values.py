"""One Policy: its values come from one record, overridable under the same names, and the written policy is
rendered from them (the committed prompts/policy.md is the render of the defaults)."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from pydantic import ValidationError

from foundation.policy import Policy
from foundation.settings import Settings
from graphs.reasoners.llm.planning import PlanRequest, planning_messages
from graphs.support.context import Context
from graphs.support.policy import written_policy
from graphs.support.state import ActiveFlow
from prompts import load_document, render_hold

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_policy_is_the_render_of_the_defaults() -> None:
    # `supportgraph policy render` writes it; change the template or the defaults, never the rendered file.
    assert load_document("policy.md") == written_policy(Policy())


def test_the_written_policy_states_the_values_it_is_rendered_with() -> None:
    text = written_policy(Policy(refund_approval_limit=1234.5, customer_refund_limit=2000, limit_window_days=14,
                                 refund_window_days=45, max_verification_attempts=5, verification_window_hours=12,
                                 sla_hours_urgent=2, sla_hours_high=2, sla_hours_normal=8, sla_hours_low=48))
    assert "Refunds above $1,234.50 need a human reviewer's approval" in text
    assert "for the order ($1,234.50) and for the customer\n  ($2,000.00)" in text
    assert "the last 14 days count" in text
    assert "The refund window is 45 days from delivery" in text and "within 45 days of delivery" in text
    assert "After 5 failed verification attempts within 12 hours" in text
    assert "| identity verification failed 5 times within 12 hours | accounts, with a ticket |" in text
    assert "urgent 2 hours, high 2 hours, normal 8 hours, low 48 hours." in text
    assert "urgent 1 hour, high 4 hours, normal 24 hours, low 72 hours." in written_policy(Policy())
    assert not re.search(r"\{\{|\{%", text), "a template tag was left unrendered"


def test_a_deployment_overrides_the_policy_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTGRAPH_REFUND_APPROVAL_LIMIT", "150")
    monkeypatch.setenv("SUPPORTGRAPH_VERIFICATION_WINDOW_HOURS", "48")
    policy = Settings().policy()
    assert policy == Policy(refund_approval_limit=150, verification_window_hours=48)
    monkeypatch.setenv("SUPPORTGRAPH_MAX_VERIFICATION_ATTEMPTS", "0")
    with pytest.raises(ValidationError):
        Settings()


def test_sla_hours_are_positive_and_never_later_for_a_more_urgent_priority(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = Policy(sla_hours_urgent=2, sla_hours_high=2, sla_hours_normal=10, sla_hours_low=10)
    opened = datetime(2026, 1, 5, 22, 0, tzinfo=UTC)
    assert policy.sla_hours() == {"urgent": 2, "high": 2, "normal": 10, "low": 10}
    assert policy.sla_due(opened, "normal") == datetime(2026, 1, 6, 8, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="unknown priority"):
        policy.sla_due(opened, "whenever")
    for bad in ({"sla_hours_urgent": 0}, {"sla_hours_low": -1}, {"sla_hours_high": 30},
                {"sla_hours_urgent": 5, "sla_hours_high": 4}, {"sla_hours_low": 12}):
        with pytest.raises(ValidationError):
            Policy(**bad)
    monkeypatch.setenv("SUPPORTGRAPH_SLA_HOURS_NORMAL", "8")
    assert Settings().policy().sla_hours()["normal"] == 8
    monkeypatch.setenv("SUPPORTGRAPH_SLA_HOURS_NORMAL", "100")  # later than low (72)
    with pytest.raises(ValidationError, match="sla_hours_normal"):
        Settings()
    monkeypatch.delenv("SUPPORTGRAPH_SLA_HOURS_NORMAL")
    with pytest.raises(ValidationError):
        Context(sla_hours_urgent=6).policy()  # a run's override is validated too


def test_the_run_context_has_every_policy_value_under_the_same_name() -> None:
    fields = {f.name: f for f in dataclasses.fields(Context)}
    for name, spec in Policy.model_fields.items():
        assert name in fields, f"Context has no field {name}"
        assert fields[name].metadata["description"] == spec.description
    context = Context(refund_approval_limit=500.0, customer_refund_limit=900.0, limit_window_days=7)
    assert context.policy() == Policy(refund_approval_limit=500.0, customer_refund_limit=900.0, limit_window_days=7)


def test_the_planner_reads_the_runs_written_policy() -> None:
    flow: ActiveFlow = {"intents": ["get_refund"], "confidences": {"get_refund": 0.9}, "slots": {},
                        "stage": "executing", "asking": [], "low_confidence_turns": 0}
    policy = Policy(refund_approval_limit=175.0)
    request = PlanRequest(intents=["get_refund"], flow=flow, customer=None, kept=[], policy=policy)
    system = str(planning_messages([HumanMessage("refund order 10003")], request)[0].content)
    assert written_policy(policy).strip() in system
    assert "Refunds above $175.00 need a human reviewer's approval" in system


def test_hold_sentences_are_rendered_from_prompts() -> None:
    assert render_hold("above_limit", amount=349.99, limit=100) == (
        "a refund of $349.99 is above the $100.00 limit and needs a human's approval")
    assert render_hold("reserved_for_humans", tool="delete_account") == (
        "delete account is reserved for a human's approval")
    with pytest.raises(KeyError):
        render_hold("no_such_hold")
    assert (ROOT / "prompts" / "holds.j2").is_file()


def test_policy_show_and_render_check(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from foundation.settings import get_settings
    from supportgraph.cli.policy import policy_app

    assert CliRunner().invoke(policy_app, ["render", "--check"]).exit_code == 0, "prompts/policy.md is stale"
    monkeypatch.setenv("SUPPORTGRAPH_REFUND_APPROVAL_LIMIT", "175")
    get_settings.cache_clear()
    try:
        shown = CliRunner().invoke(policy_app, ["show"])
        written = CliRunner().invoke(policy_app, ["show", "--written"])
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert shown.exit_code == 0 and "refund_approval_limit = 175.0" in shown.output, shown.output
    assert "(default 100.0)" in shown.output
    assert "Refunds above $175.00 need a human reviewer's approval" in written.output


def test_a_runs_policy_is_validated_once_per_set_of_values() -> None:
    """A turn asks for its policy at every tool call: the same values give the same (frozen) policy, other
    values their own."""
    context = Context(refund_approval_limit=410.0, limit_window_days=9)
    assert context.policy() is context.policy()
    assert Context(refund_approval_limit=410.0, limit_window_days=9).policy() is context.policy()
    other = Context(refund_approval_limit=420.0, limit_window_days=9).policy()
    assert other.refund_approval_limit == 420.0 and context.policy().refund_approval_limit == 410.0
