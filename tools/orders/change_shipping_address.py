"""change_shipping_address: change where a pending or processing order ships to."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tools.base import SupportTool, ToolContext, ToolResult
from tools.common import ZIP_CODE, OrderId, idempotent_write
from tools.orders.backend import ShippingAddress, orders_backend
from tools.orders.queries import not_found
from tools.store import BusinessStore

_TEXT = r"^[^\x00-\x1f]*$"  # printable, single line


class ChangeShippingAddressArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    order_id: OrderId
    line1: str = Field(min_length=3, max_length=200, pattern=_TEXT, description="Street and house number.")
    line2: str | None = Field(None, max_length=200, pattern=_TEXT, description="Apartment, suite, etc.")
    city: str = Field(min_length=2, max_length=100, pattern=_TEXT, description="City.")
    zip_code: str = Field(pattern=ZIP_CODE, description="5-digit zip code.")
    country: str = Field("US", pattern=r"^[A-Z]{2}$", description="ISO country code; we ship to the US only.")
    name: str | None = Field(None, min_length=2, max_length=120, pattern=_TEXT, description="Recipient name.")


def change_shipping_address(
    store: BusinessStore, args: ChangeShippingAddressArgs, ctx: ToolContext
) -> ToolResult:
    orders = orders_backend(store)

    def body(conn: Connection) -> ToolResult:
        row = orders.lock_order(args.order_id, str(ctx.customer_id), tx=conn)
        if row is None:
            return ToolResult.refuse(not_found(args.order_id))
        if row.status not in ("pending", "processing"):
            return ToolResult.refuse(
                f"Error: order {args.order_id} is {row.status}; the shipping address can only be changed "
                "while an order is pending or processing."
            )
        if args.country != "US":
            return ToolResult.refuse("Error: we only ship to addresses in the US.")
        address = ShippingAddress(
            name=args.name or row.ship_to.name,
            line1=args.line1,
            line2=args.line2,
            city=args.city,
            zip_code=args.zip_code,
            country=args.country,
        )
        orders.set_shipping_address(row.order_id, address, tx=conn, key=ctx.idempotency_key)
        return ToolResult.success(
            {
                "order_id": row.order_id,
                "status": row.status,
                "shipping_address": {
                    "name": address.name,
                    "line1": args.line1,
                    "line2": args.line2,
                    "city": args.city,
                    "zip_code": args.zip_code,
                    "country": args.country,
                },
            }
        )

    return idempotent_write(store, ctx, "change_shipping_address", body)


tool = SupportTool(
    name="change_shipping_address",
    system="orders",
    description=(
        "Change the shipping address of one of the verified customer's orders while it is pending or "
        "processing (not once shipped)."
    ),
    args_schema=ChangeShippingAddressArgs,
    fn=change_shipping_address,
    writes=True,
)
