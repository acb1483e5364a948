"""The tool registry and the written policy, whose numbers must equal the enforced ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from tools.base import Policy
from tools.registry import TOOLS, get_tool, tool_names

POLICY_MD = Path(__file__).resolve().parents[2] / "prompts" / "policy.md"
EXPECTED = {
    "find_customer",
    "verify_identity",
    "get_customer",
    "send_password_reset",
    "set_newsletter_subscription",
    "get_order",
    "list_orders",
    "cancel_order",
    "change_shipping_address",
    "list_charges",
    "refund_order",
    "get_refund_status",
    "list_invoices",
    "list_payment_methods",
    "create_ticket",
    "update_ticket",
    "handoff_to_queue",
    "search_articles",
    "get_article",
    "get_invoice",
    "get_subscription",
    "modify_order",
    "return_items",
    "exchange_item",
    "open_billing_dispute",
    "resolve_billing_dispute",
    "change_plan",
    "request_account_deletion",
    "delete_account",
    "migrate_account",
    "troubleshoot",
}
NEEDS_APPROVAL = {"delete_account", "migrate_account", "resolve_billing_dispute"}


def test_registry() -> None:
    assert set(tool_names()) == EXPECTED and len(TOOLS) == len(EXPECTED)
    assert get_tool("refund_order").writes
    assert {t.name for t in TOOLS if t.needs_approval} == NEEDS_APPROVAL
    assert all(t.writes for t in TOOLS if t.needs_approval)
    with pytest.raises(KeyError, match="unknown tool 'nope'; known tools: cancel_order"):
        get_tool("nope")


def test_every_tool_has_a_described_schema() -> None:
    unverified = {
        "find_customer",
        "verify_identity",
        "create_ticket",
        "update_ticket",
        "handoff_to_queue",
        "search_articles",
        "get_article",
        "troubleshoot",
    }
    for tool in TOOLS:
        assert issubclass(tool.args_schema, BaseModel) and len(tool.description) > 30
        for name, field in tool.args_schema.model_fields.items():
            assert field.description, f"{tool.name}.{name} has no description"
        assert tool.requires_verified_customer == (tool.name not in unverified), tool.name
        assert tool.as_langchain_tool().name == tool.name


def test_policy_numbers_match_the_enforced_policy() -> None:
    text = POLICY_MD.read_text(encoding="utf-8")
    window = re.search(r"refund window is (\d+) days", text)
    limit = re.search(r"Refunds above \$([\d,]+\.\d\d) need a human reviewer's approval", text)
    attempts = re.search(r"After (\d+) failed verification attempts", text)
    assert window and limit and attempts, "policy.md no longer states the refund window, limit or attempts"
    policy = Policy()
    assert int(window.group(1)) == policy.refund_window_days
    assert float(limit.group(1).replace(",", "")) == policy.refund_approval_limit
    assert int(attempts.group(1)) == policy.max_verification_attempts
    for phrase in (
        "only while it is pending",
        "Account deletion needs human approval",
        "Account migration",
        "verify the customer's identity",
    ):
        assert phrase in text
