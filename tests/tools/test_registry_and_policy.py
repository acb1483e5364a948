"""The tool registry: every tool, its schema and its policy flags."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from tools.registry import TOOLS, get_tool, tool_names

EXPECTED = {
    "find_customer",
    "verify_identity",
    "get_customer",
    "send_password_reset",
    "set_newsletter_subscription",
    "get_order",
    "list_orders",
    "find_products",
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
