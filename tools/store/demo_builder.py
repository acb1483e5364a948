"""The row builder behind the demo company: collects rows per table and hands out sequential ids."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from tools.store import demo_catalogue as cat
from tools.store import schema as s

Row = dict[str, Any]


class DemoBuilder:
    """Collects rows table by table and hands out sequential ids."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.rows: dict[str, list[Row]] = {t.name: [] for t in s.metadata.sorted_tables}
        self.next = {
            "charge": 1,
            "refund": 1,
            "invoice": 20001,
            "ticket": 1001,
            "subscription": 3001,
            "pm": 1,
        }
        self.products = {
            name: (f"P{i:03d}", family, price)
            for i, (name, family, price) in enumerate(cat.PRODUCTS, start=1)
        }
        self.customer_pms: dict[str, list[str]] = {}
        self.customer_address: dict[str, Row] = {}

    def _id(self, kind: str, fmt: str) -> str:
        value = self.next[kind]
        self.next[kind] += 1
        return fmt.format(value)

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def customer(
        self,
        cid: str,
        name: str,
        email: str,
        zip_code: str,
        last4: str,
        plan: str,
        newsletter: bool,
        created_days_ago: float,
        *,
        extra_methods: bool = True,
    ) -> None:
        city, country = next(((c, k) for z, c, k in cat.PLACES if z == zip_code), ("Springfield", "US"))
        self.rows["customers"].append(
            {
                "id": cid,
                "name": name,
                "email": email,
                "zip_code": zip_code,
                "card_last4": last4,
                "plan_id": plan,
                "newsletter": newsletter,
                "created_at": self.ago(created_days_ago),
            }
        )
        address = {
            "customer_id": cid,
            "name": name,
            "line2": None,
            "city": city,
            "zip_code": zip_code,
            "country": country,
            "is_default": True,
            "line1": f"{self.rng.randint(1, 2999)} {self.rng.choice(cat.STREETS)} St",
        }
        self.rows["addresses"].append(address)
        self.customer_address[cid] = address
        brand = self.rng.choice(("Visa", "Mastercard", "Amex"))
        pms = [self._pm(cid, "card", brand=brand, card_last4=last4, is_default=True)]
        if extra_methods and self.rng.random() < 0.3:
            pms.append(self._pm(cid, "paypal", paypal_email=email))
        if extra_methods and self.rng.random() < 0.15:
            pms.append(self._pm(cid, "gift_card", balance_cents=self.rng.randint(0, 20000)))
        self.customer_pms[cid] = pms

    def _pm(self, cid: str, kind: str, *, is_default: bool = False, **fields: Any) -> str:
        pm_id = self._id("pm", "pm_{:06d}")
        row = {
            "id": pm_id,
            "customer_id": cid,
            "kind": kind,
            "brand": None,
            "card_last4": None,
            "paypal_email": None,
            "balance_cents": None,
            "is_default": is_default,
        }
        row.update(fields)
        self.rows["payment_methods"].append(row)
        return pm_id

    def order(
        self,
        oid: int,
        cid: str,
        status: str,
        placed: datetime,
        lines: list[tuple[str, int]],
        *,
        shipped: datetime | None = None,
        delivered: datetime | None = None,
        cancelled: datetime | None = None,
        carrier: str | None = None,
        tracking: str | None = None,
        eta: datetime | None = None,
        pm_id: str | None = None,
    ) -> Row:
        address = self.customer_address[cid]
        total = 0
        for name, qty in lines:
            pid, _family, price = self.products[name]
            total += price * qty
            self.rows["order_items"].append(
                {
                    "order_id": oid,
                    "product_id": pid,
                    "product_name": name,
                    "quantity": qty,
                    "unit_price_cents": price,
                    "line_total_cents": price * qty,
                }
            )
        pm = pm_id or self.customer_pms[cid][0]
        self.rows["orders"].append(
            {
                "id": oid,
                "customer_id": cid,
                "status": status,
                "placed_at": placed,
                "shipped_at": shipped,
                "delivered_at": delivered,
                "cancelled_at": cancelled,
                "carrier": carrier,
                "tracking_number": tracking,
                "estimated_delivery": eta,
                "ship_name": address["name"],
                "ship_line1": address["line1"],
                "ship_line2": None,
                "ship_city": address["city"],
                "ship_zip": address["zip_code"],
                "ship_country": address["country"],
                "payment_method_id": pm,
                "total_cents": total,
            }
        )
        charge = {
            "id": self._id("charge", "ch_{:06d}"),
            "customer_id": cid,
            "order_id": oid,
            "payment_method_id": pm,
            "amount_cents": total,
            "status": "succeeded",
            "created_at": placed,
            "invoice_id": None,
        }
        self.rows["charges"].append(charge)
        return charge

    def refund(self, charge: Row, amount: int, reason: str, when: datetime) -> None:
        self.rows["refunds"].append(
            {
                "id": self._id("refund", "re_{:06d}"),
                "charge_id": charge["id"],
                "order_id": charge["order_id"],
                "amount_cents": amount,
                "reason": reason,
                "status": "succeeded",
                "approved_by": None,
                "operation_key": None,
                "created_at": when,
                "destination_pm_id": None,
            }
        )

    def subscription(self, cid: str, plan: str, status: str, started: datetime) -> str:
        sub_id = self._id("subscription", "SUB-{}")
        self.rows["subscriptions"].append(
            {
                "id": sub_id,
                "customer_id": cid,
                "plan_id": plan,
                "status": status,
                "started_at": started,
                "renews_at": None
                if status == "cancelled"
                else self.now + timedelta(days=self.rng.randint(1, 28)),
                "cancelled_at": self.ago(self.rng.randint(1, 90)) if status == "cancelled" else None,
            }
        )
        return sub_id

    def invoice(self, cid: str, sub_id: str | None, amount: int, status: str, issued: datetime) -> None:
        self.rows["invoices"].append(
            {
                "id": self._id("invoice", "INV-{}"),
                "customer_id": cid,
                "subscription_id": sub_id,
                "amount_cents": amount,
                "status": status,
                "issued_at": issued,
                "due_at": issued + timedelta(days=14),
                "paid_at": issued + timedelta(days=1) if status == "paid" else None,
            }
        )

    def invoice_payments(self) -> None:
        """A charge on the customer's default card for every paid invoice (ids after all order charges)."""
        for inv in self.rows["invoices"]:
            if inv["status"] == "paid":
                self.rows["charges"].append(
                    {
                        "id": self._id("charge", "ch_{:06d}"),
                        "customer_id": inv["customer_id"],
                        "order_id": None,
                        "payment_method_id": self.customer_pms[inv["customer_id"]][0],
                        "amount_cents": inv["amount_cents"],
                        "status": "succeeded",
                        "created_at": inv["paid_at"],
                        "invoice_id": inv["id"],
                    }
                )

    def tracking(self, carrier: str) -> str:
        digits = "".join(self.rng.choice("0123456789") for _ in range(20))
        if carrier == "UPS":
            return "1Z" + "".join(self.rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(16))
        return digits[:12] if carrier == "FedEx" else "9400" + digits[:18]
