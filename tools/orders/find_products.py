"""find_products: the catalogue's products the customer named, with ids and prices (what an exchange swaps to)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import OrderId, money
from tools.kb.backend import kb_backend
from tools.orders.backend import orders_backend
from tools.orders.queries import not_found
from tools.store import BusinessStore


class FindProductsArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    names: list[str] = Field(max_length=10, description="Product names as the catalogue spells them.")
    not_on_order: OrderId | None = Field(None, description="Leave out the products of this order.")


def find_products(store: BusinessStore, args: FindProductsArgs, ctx: ToolContext) -> ToolResult:
    orders = orders_backend(store)
    on_order: set[str] = set()
    if args.not_on_order is not None:
        order = orders.get_order(args.not_on_order, str(ctx.customer_id))
        if order is None:
            return ToolResult.refuse(not_found(args.not_on_order))
        on_order = {line.product_id for line in order.items}
    wanted = {name.casefold() for name in args.names}
    found = []
    for entry in kb_backend(store).catalogue():
        if entry.name.casefold() not in wanted or entry.product_id in on_order:
            continue
        product = orders.get_product(entry.product_id)
        if product is not None and product.active:
            found.append({"product_id": product.product_id, "name": product.name, "price": money(product.price_cents)})
    return ToolResult.success({"products": found, "count": len(found)})


tool = SupportTool(
    name="find_products",
    system="orders",
    description=(
        "Find products of the catalogue by name (ids and current prices), optionally leaving out those already "
        "on one of the verified customer's orders."
    ),
    args_schema=FindProductsArgs,
    fn=find_products,
)
