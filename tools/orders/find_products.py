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

    names: list[str] | None = Field(None, max_length=10, description="Product names as the catalogue spells them.")
    not_on_order: OrderId | None = Field(None, description="Leave out the products of this order; with no name "
                                         "that is a product, the products like the order's (its items' family).")


def find_products(store: BusinessStore, args: FindProductsArgs, ctx: ToolContext) -> ToolResult:
    orders = orders_backend(store)
    on_order: set[str] = set()
    if args.not_on_order is not None:
        order = orders.get_order(args.not_on_order, str(ctx.customer_id))
        if order is None:
            return ToolResult.refuse(not_found(args.not_on_order))
        on_order = {line.product_id for line in order.items}
    elif not args.names:
        return ToolResult.refuse("Error: name the products to find, or the order whose products they replace.")
    wanted = {name.casefold() for name in args.names or []}
    products = [p for entry in kb_backend(store).catalogue() if entry.product_id not in on_order
                and (p := orders.get_product(entry.product_id)) is not None and p.active]
    found = [p for p in products if p.name.casefold() in wanted]
    if not found and on_order:
        # "the bigger one", "the 55 inch": the products of the same kind as the order's, for the customer to
        # choose from (an exchange swaps a TV for a TV).
        families = {p.family for pid in on_order if (p := orders.get_product(pid)) is not None}
        found = [p for p in products if p.family in families]
    return ToolResult.success({"products": [{"product_id": p.product_id, "name": p.name, "price": money(p.price_cents)}
                                            for p in found], "count": len(found)})


tool = SupportTool(
    name="find_products",
    system="orders",
    description=(
        "Find products of the catalogue by name (ids and current prices), optionally leaving out those already "
        "on one of the verified customer's orders; with no name that is a product, that order's kind of products "
        "(what an item of it could be exchanged for)."
    ),
    args_schema=FindProductsArgs,
    fn=find_products,
)
