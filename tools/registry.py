"""Every tool of every business system, by name."""

from __future__ import annotations

from tools.base import SupportTool
from tools.crm import (
    change_plan,
    delete_account,
    find_customer,
    get_customer,
    migrate_account,
    request_account_deletion,
    send_password_reset,
    set_newsletter_subscription,
    verify_identity,
)
from tools.kb import get_article, search_articles, troubleshoot
from tools.orders import (
    cancel_order,
    change_shipping_address,
    exchange_item,
    find_products,
    get_order,
    list_orders,
    modify_order,
    return_items,
)
from tools.payments import (
    get_invoice,
    get_refund_status,
    get_subscription,
    list_charges,
    list_invoices,
    list_payment_methods,
    open_billing_dispute,
    refund_order,
    resolve_billing_dispute,
)
from tools.ticketing import create_ticket, handoff_to_queue, update_ticket

TOOLS: tuple[SupportTool, ...] = (
    find_customer.tool,
    verify_identity.tool,
    get_customer.tool,
    send_password_reset.tool,
    set_newsletter_subscription.tool,
    change_plan.tool,
    request_account_deletion.tool,
    delete_account.tool,
    migrate_account.tool,
    get_order.tool,
    list_orders.tool,
    cancel_order.tool,
    change_shipping_address.tool,
    modify_order.tool,
    return_items.tool,
    exchange_item.tool,
    find_products.tool,
    list_charges.tool,
    refund_order.tool,
    get_refund_status.tool,
    list_invoices.tool,
    list_payment_methods.tool,
    get_invoice.tool,
    get_subscription.tool,
    open_billing_dispute.tool,
    resolve_billing_dispute.tool,
    create_ticket.tool,
    update_ticket.tool,
    handoff_to_queue.tool,
    search_articles.tool,
    get_article.tool,
    troubleshoot.tool,
)

_BY_NAME: dict[str, SupportTool] = {t.name: t for t in TOOLS}
if len(_BY_NAME) != len(TOOLS):
    raise RuntimeError("two tools share a name")


def get_tool(name: str) -> SupportTool:
    """The tool called ``name``; ``KeyError`` naming the known tools otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown tool {name!r}; known tools: {', '.join(sorted(_BY_NAME))}") from None


def tool_names() -> list[str]:
    """The names of all tools, in registry order."""
    return [t.name for t in TOOLS]
