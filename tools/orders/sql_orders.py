"""SqlOrders: orders, their items, returns and the catalogue in the supportgraph store's own tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from tools.common import for_update, next_id, reading
from tools.orders.backend import Order, OrderLine, OrderSummary, Product, ReturnRecord, ShippingAddress
from tools.store import BusinessStore
from tools.store.schema import order_items, orders, products, return_lines, returns


def _summary_fields(row: Any) -> dict[str, Any]:
    return {
        "order_id": row.id,
        "customer_id": row.customer_id,
        "status": row.status,
        "placed_at": row.placed_at,
        "total_cents": row.total_cents,
        "carrier": row.carrier,
        "tracking_number": row.tracking_number,
        "estimated_delivery": row.estimated_delivery,
        "shipped_at": row.shipped_at,
        "delivered_at": row.delivered_at,
        "cancelled_at": row.cancelled_at,
    }


# An order's statements, built once (building them per call cost about as much CPU as running them). A line's
# returned quantity is summed over that line's return lines only (the index on order_item_id), not over every
# return line in the store.
_ORDER = select(orders).where(orders.c.id == bindparam("order_id"), orders.c.customer_id == bindparam("customer_id"))
_RETURNED = (
    select(func.coalesce(func.sum(return_lines.c.quantity), 0))
    .where(return_lines.c.order_item_id == order_items.c.id)
    .scalar_subquery()
)
_LINES = (
    select(order_items, _RETURNED.label("returned"))
    .where(order_items.c.order_id == bindparam("order_id"))
    .order_by(order_items.c.id)
)


class SqlOrders:
    """Implements ``OrdersBackend`` with SQL on the store; writes join the tool's transaction ``tx``."""

    def __init__(self, store: BusinessStore) -> None:
        self.store = store

    def _order(self, conn: Connection, order_id: int, customer_id: str, *, lock: bool) -> Order | None:
        which = {"order_id": order_id, "customer_id": customer_id}
        row = conn.execute(for_update(_ORDER, self.store) if lock else _ORDER, which).first()
        if row is None:
            return None
        lines = conn.execute(_LINES, {"order_id": order_id})
        return Order(
            **_summary_fields(row),
            payment_method_id=row.payment_method_id,
            ship_to=ShippingAddress(
                name=row.ship_name,
                line1=row.ship_line1,
                line2=row.ship_line2,
                city=row.ship_city,
                zip_code=row.ship_zip,
                country=row.ship_country,
            ),
            items=tuple(
                OrderLine(
                    line_id=i.id,
                    product_id=i.product_id,
                    product_name=i.product_name,
                    quantity=i.quantity,
                    unit_price_cents=i.unit_price_cents,
                    line_total_cents=i.line_total_cents,
                    returned=int(i.returned),
                )
                for i in lines
            ),
        )

    def get_order(self, order_id: int, customer_id: str, *, tx: Connection | None = None) -> Order | None:
        with reading(self.store, tx) as conn:
            return self._order(conn, order_id, customer_id, lock=False)

    def lock_order(self, order_id: int, customer_id: str, *, tx: Connection) -> Order | None:
        return self._order(tx, order_id, customer_id, lock=True)

    def list_orders(
        self,
        customer_id: str,
        *,
        statuses: Sequence[str] | None = None,
        limit: int | None = None,
        tx: Connection | None = None,
    ) -> list[OrderSummary]:
        query = select(orders).where(orders.c.customer_id == customer_id)
        if statuses is not None:
            query = query.where(orders.c.status.in_(tuple(statuses)))
        query = query.order_by(orders.c.placed_at.desc(), orders.c.id.desc()).limit(limit)
        with reading(self.store, tx) as conn:
            return [OrderSummary(**_summary_fields(r)) for r in conn.execute(query)]

    def get_product(self, product_id: str) -> Product | None:
        with self.store.db.begin() as conn:
            p = conn.execute(select(products).where(products.c.id == product_id)).first()
        if p is None:
            return None
        return Product(product_id=p.id, name=p.name, family=p.family, price_cents=p.price_cents, active=p.active)

    def set_status(self, order_id: int, status: str, *, tx: Connection, key: str, now: datetime) -> None:
        values: dict[str, Any] = {"status": status}
        if status == "cancelled":
            values["cancelled_at"] = now
        tx.execute(update(orders).where(orders.c.id == order_id).values(**values))

    def set_shipping_address(self, order_id: int, address: ShippingAddress, *, tx: Connection, key: str) -> None:
        tx.execute(
            update(orders)
            .where(orders.c.id == order_id)
            .values(
                ship_name=address.name,
                ship_line1=address.line1,
                ship_line2=address.line2,
                ship_city=address.city,
                ship_zip=address.zip_code,
                ship_country=address.country,
            )
        )

    def set_quantity(self, order_id: int, line_id: int, quantity: int, *, tx: Connection, key: str) -> None:
        line = tx.execute(
            select(order_items).where(order_items.c.id == line_id, order_items.c.order_id == order_id)
        ).one()
        if quantity == 0:
            tx.execute(delete(order_items).where(order_items.c.id == line_id))
        else:
            total = quantity * line.unit_price_cents
            tx.execute(
                update(order_items).where(order_items.c.id == line_id).values(quantity=quantity, line_total_cents=total)
            )
        delta = (quantity - line.quantity) * line.unit_price_cents
        tx.execute(update(orders).where(orders.c.id == order_id).values(total_cents=orders.c.total_cents + delta))

    def record_return(self, record: ReturnRecord, *, tx: Connection, key: str, now: datetime) -> str:
        order = tx.execute(select(orders.c.customer_id).where(orders.c.id == record.order_id)).one()
        priced = select(order_items.c.id, order_items.c.unit_price_cents).where(
            order_items.c.order_id == record.order_id
        )
        prices = {row.id: int(row.unit_price_cents) for row in tx.execute(priced)}
        return_id = next_id(tx, "return", "RMA-{:05d}")
        tx.execute(
            insert(returns).values(
                id=return_id,
                order_id=record.order_id,
                customer_id=order.customer_id,
                kind=record.kind,
                status=record.status,
                reason=record.reason,
                amount_cents=record.amount_cents,
                refund_to=record.refund_to,
                replacement_order_id=record.replacement_order_id,
                operation_key=key,
                created_at=now,
            )
        )
        tx.execute(
            insert(return_lines),
            [
                {
                    "return_id": return_id,
                    "order_item_id": line_id,
                    "quantity": qty,
                    "amount_cents": qty * prices[line_id],
                }
                for line_id, qty in record.lines
            ],
        )
        after = self._order(tx, record.order_id, order.customer_id, lock=False)
        if after is not None and all(line.returnable == 0 for line in after.items):
            tx.execute(update(orders).where(orders.c.id == record.order_id).values(status="returned"))
        return return_id

    def create_replacement(
        self, original: Order, product: Product, quantity: int, *, tx: Connection, key: str, now: datetime
    ) -> int:
        replacement_id = int(next_id(tx, "order", "{}"))
        total = product.price_cents * quantity
        to = original.ship_to
        tx.execute(
            insert(orders).values(
                id=replacement_id,
                customer_id=original.customer_id,
                status="pending",
                placed_at=now,
                ship_name=to.name,
                ship_line1=to.line1,
                ship_line2=to.line2,
                ship_city=to.city,
                ship_zip=to.zip_code,
                ship_country=to.country,
                payment_method_id=original.payment_method_id,
                total_cents=total,
                replaces_order_id=original.order_id,
            )
        )
        tx.execute(
            insert(order_items).values(
                order_id=replacement_id,
                product_id=product.product_id,
                product_name=product.name,
                quantity=quantity,
                unit_price_cents=product.price_cents,
                line_total_cents=total,
            )
        )
        return replacement_id
