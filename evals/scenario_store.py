"""A fresh business store per scenario run: the company's catalogue plus the scenario's own fixtures.

A scenario never sees the random demo company: its store holds the plans, products and knowledge base every
store has, and only the customers, orders, charges, invoices, subscriptions, refunds and tickets the scenario
lists, dated back from the scenario's clock. Each run gets its own database — a SQLite file in a temporary
folder, or a new database on the Postgres server of ``--database-url`` — dropped afterwards.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select

from foundation.audit import forget_audit_log
from foundation.db import close_database, open_database, psycopg_url
from foundation.policy import Policy
from tools.store import close_store
from tools.store import schema as s
from tools.store.demo_builder import DemoBuilder
from tools.store.demo_catalogue import PLACES
from tools.store.demo_company import seed_catalogue
from tools.store.kb_files import articles_digest, load_articles
from tools.store.lifecycle import upgrade_store

Row = dict[str, Any]


@contextmanager
def fresh_database(server_url: str | None = None) -> Iterator[str]:
    """The URL of a new, empty database, removed on exit: SQLite by default, or on ``server_url``'s Postgres."""
    if server_url is None or server_url.startswith("sqlite"):
        folder = tempfile.mkdtemp(prefix="sg-scenario-")
        url = f"sqlite:///{folder}/scenario.db"
        try:
            yield url
        finally:
            _forget(url)
            shutil.rmtree(folder, ignore_errors=True)
        return
    # inside: psycopg only on Postgres
    import psycopg

    admin = psycopg_url(server_url)
    name = "sg_scenario_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        _forget(url)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _forget(url: str) -> None:
    """Drop this process's engines, caches and pools for ``url`` (the store, the audit log, the SQL engine)."""
    close_store(url)
    forget_audit_log(url)
    close_database(url)


def prepare_store(url: str, data: dict[str, list[Row]], now: datetime, policy: Policy) -> None:
    """Migrate an empty database and fill it with the catalogue and ``data`` (a scenario's fixtures); tickets are
    due by ``policy``'s SLA hours (the play's)."""
    upgrade_store(url)
    db = open_database(url)
    catalogue = DemoBuilder(random.Random(0), now).products  # product ids as every store numbers them
    with db.begin() as conn:
        conn.execute(insert(s.store_meta), [
            {"key": "seeded", "value": now.isoformat()},
            {"key": "seed", "value": "0"},
            {"key": "reference_time", "value": now.isoformat()},
            {"key": "customers", "value": str(len(data.get("customers", [])))},
            {"key": "kb_digest", "value": articles_digest(load_articles())},
        ])
        seed_catalogue(conn, catalogue)
        Fixtures(conn, now, catalogue, policy).insert(data)


class Fixtures:
    """Turns a scenario's ``data`` section into rows, with ids the tools' counters continue from."""

    def __init__(self, conn: Connection, now: datetime, catalogue: dict[str, tuple[str, str, int]],
                 policy: Policy) -> None:
        self.conn = conn
        self.policy = policy
        self.now = now
        self.catalogue = catalogue
        self.next = {"charge": 1, "refund": 1, "ticket": 1001, "pm": 1}
        self.pms: dict[str, dict[str, str]] = {}
        self.addresses: dict[str, Row] = {}
        self.charges: dict[int, Row] = {}

    def _id(self, kind: str, fmt: str) -> str:
        value = self.next[kind]
        self.next[kind] += 1
        return fmt.format(value)

    def ago(self, days: float | None, default: float | None = None) -> datetime | None:
        value = days if days is not None else default
        return None if value is None else self.now - timedelta(days=value)

    def insert(self, data: dict[str, list[Row]]) -> None:
        for customer in data.get("customers", []):
            self.customer(customer)
        subscriptions = [self.subscription(r) for r in data.get("subscriptions", [])]
        self._rows(s.subscriptions, subscriptions)
        for order in data.get("orders", []):
            self.order(order)
        invoices = [self.invoice(r) for r in data.get("invoices", [])]
        for extra in data.get("charges", []):
            self._charge(extra["customer"], round(extra["amount"] * 100), self.ago(extra.get("days_ago"), 1.0),
                         order_id=extra.get("order"), invoice_id=extra.get("invoice"))
        for refund in data.get("refunds", []):
            charge = self.charges[refund["order"]]
            self._rows(s.refunds, [{
                "id": self._id("refund", "re_{:06d}"), "charge_id": charge["id"], "order_id": refund["order"],
                "amount_cents": round(refund["amount"] * 100), "reason": refund.get("reason", "goodwill"),
                "status": "succeeded", "approved_by": None, "operation_key": None,
                "created_at": self.ago(refund.get("days_ago"), 1.0), "destination_pm_id": None}])
        for ticket in data.get("tickets", []):
            self.ticket(ticket)
        self._counters(data, invoices, subscriptions)

    def _rows(self, table: Any, rows: list[Row]) -> None:
        if rows:
            self.conn.execute(insert(table), rows)

    def customer(self, c: Row) -> None:
        cid = c["id"]
        city, country = next(((city, k) for z, city, k in PLACES if z == c["zip_code"]), ("Springfield", "US"))
        self._rows(s.customers, [{
            "id": cid, "name": c["name"], "email": c["email"], "zip_code": c["zip_code"],
            "card_last4": c["card_last4"], "plan_id": c.get("plan", "basic"), "newsletter": c.get("newsletter", False),
            "created_at": self.ago(c.get("created_days_ago"), 400.0)}])
        address = {"customer_id": cid, "name": c["name"], "line1": "12 Harbor St", "line2": None, "city": city,
                   "zip_code": c["zip_code"], "country": country, "is_default": True}
        self._rows(s.addresses, [address])
        self.addresses[cid] = address
        methods = {"card": f"pm_{cid}_card"[:16]}
        rows = [{"id": methods["card"], "customer_id": cid, "kind": "card", "brand": "Visa",
                 "card_last4": c["card_last4"], "paypal_email": None, "balance_cents": None, "is_default": True}]
        if c.get("paypal"):
            methods["paypal"] = f"pm_{cid}_pp"[:16]
            rows.append({"id": methods["paypal"], "customer_id": cid, "kind": "paypal", "brand": None,
                         "card_last4": None, "paypal_email": c["email"], "balance_cents": None, "is_default": False})
        if c.get("gift_card_balance") is not None:
            methods["gift_card"] = f"pm_{cid}_gc"[:16]
            rows.append({"id": methods["gift_card"], "customer_id": cid, "kind": "gift_card", "brand": None,
                         "card_last4": None, "paypal_email": None,
                         "balance_cents": round(c["gift_card_balance"] * 100), "is_default": False})
        self._rows(s.payment_methods, rows)
        self.pms[cid] = methods

    def order(self, o: Row) -> None:
        cid, oid = o["customer"], o["id"]
        total = 0
        items = []
        for item in o["items"]:
            pid, _family, price = self.catalogue[item["product"]]
            unit = round(item["unit_price"] * 100) if "unit_price" in item else price
            qty = item.get("quantity", 1)
            total += unit * qty
            items.append({"order_id": oid, "product_id": pid, "product_name": item["product"], "quantity": qty,
                          "unit_price_cents": unit, "line_total_cents": unit * qty})
        address = self.addresses[cid]
        placed = self.ago(o.get("placed_days_ago"), 5.0)
        method = self.pms[cid].get(o.get("paid_with", "card"), self.pms[cid]["card"])
        eta = self.now + timedelta(days=o["arrives_in_days"]) if "arrives_in_days" in o else None
        self._rows(s.orders, [{
            "id": oid, "customer_id": cid, "status": o["status"], "placed_at": placed,
            "shipped_at": self.ago(o.get("shipped_days_ago")), "delivered_at": self.ago(o.get("delivered_days_ago")),
            "cancelled_at": self.ago(o.get("cancelled_days_ago")), "carrier": o.get("carrier"),
            "tracking_number": o.get("tracking"), "estimated_delivery": eta, "ship_name": address["name"],
            "ship_line1": address["line1"], "ship_line2": None, "ship_city": address["city"],
            "ship_zip": address["zip_code"], "ship_country": address["country"], "payment_method_id": method,
            "total_cents": total}])
        self._rows(s.order_items, items)
        if total > 0:
            self.charges[oid] = self._charge(cid, total, placed, order_id=oid, method=method)

    def _charge(self, cid: str, amount_cents: int, when: datetime | None, *, order_id: int | None = None,
                invoice_id: str | None = None, method: str | None = None) -> Row:
        row = {"id": self._id("charge", "ch_{:06d}"), "customer_id": cid, "order_id": order_id,
               "payment_method_id": method or self.pms[cid]["card"], "amount_cents": amount_cents,
               "status": "succeeded", "created_at": when, "invoice_id": invoice_id}
        self._rows(s.charges, [row])
        return row

    def subscription(self, sub: Row) -> Row:
        cancelled = sub["status"] == "cancelled"
        return {"id": sub["id"], "customer_id": sub["customer"], "plan_id": sub["plan"], "status": sub["status"],
                "started_at": self.ago(sub.get("started_days_ago"), 200.0),
                "renews_at": None if cancelled else self.now + timedelta(days=sub.get("renews_in_days", 14)),
                "cancelled_at": self.ago(10.0) if cancelled else None}

    def invoice(self, inv: Row) -> Row:
        issued = self.ago(inv.get("issued_days_ago"), 10.0)
        assert issued is not None
        paid = issued + timedelta(days=1) if inv["status"] != "open" else None
        row = {"id": inv["id"], "customer_id": inv["customer"], "subscription_id": inv.get("subscription"),
               "amount_cents": round(inv["amount"] * 100), "status": inv["status"], "issued_at": issued,
               "due_at": issued + timedelta(days=14), "paid_at": paid}
        self._rows(s.invoices, [row])
        if paid is not None:
            self._charge(inv["customer"], row["amount_cents"], paid, invoice_id=inv["id"])
        return row

    def ticket(self, t: Row) -> None:
        created = self.ago(t.get("days_ago"), 3.0)
        assert created is not None
        priority = t.get("priority", "normal")
        tid = self._id("ticket", "T-{}")
        self._rows(s.tickets, [{
            "id": tid, "customer_id": t["customer"], "thread_id": None, "subject": t["subject"],
            "description": t.get("description", t["subject"]), "queue": t.get("queue", "general"),
            "priority": priority, "status": t.get("status", "open"), "assignee": None, "created_at": created,
            "updated_at": created, "sla_due_at": self.policy.sla_due(created, priority)}])
        self._rows(s.ticket_events, [{"ticket_id": tid, "kind": "created", "detail": t["subject"],
                                      "actor": "customer", "created_at": created}])

    def _counters(self, data: dict[str, list[Row]], invoices: list[Row], subscriptions: list[Row]) -> None:
        def after(ids: list[str], start: int) -> int:
            numbers = [int(i.rsplit("-", 1)[1]) for i in ids]
            return max([start - 1, *numbers]) + 1

        orders = [o["id"] for o in data.get("orders", [])]
        values = {**self.next,
                  "invoice": after([i["id"] for i in invoices], 20001),
                  "subscription": after([x["id"] for x in subscriptions], 3001),
                  "return": 1, "dispute": 1, "order": max([10006, *orders]) + 1}
        self._rows(s.counters, [{"name": k, "value": v} for k, v in values.items()])


def row_ids(url: str, table: Any) -> set[Any]:
    with open_database(url).begin() as conn:
        return set(conn.execute(select(table.c.id)).scalars())
