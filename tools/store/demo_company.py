"""A deterministic demo company: ``seed_demo_company`` fills an empty store from ``random.Random(seed)``.

The fixed demo customers (C0001–C0004, orders 10001–10006) come first and never change; the random
customers, orders, charges, refunds, subscriptions, invoices and tickets follow. Every date is relative to
``reference_time``, so the same seed and reference time always produce the same rows.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert

from foundation.policy import Policy
from tools.store import demo_catalogue as cat
from tools.store import schema as s
from tools.store.demo_builder import DemoBuilder as _Builder
from tools.store.kb_files import load_articles, replace_articles


def _fixed_customers(b: _Builder) -> None:
    b.customer(
        "C0001",
        "Maya Chen",
        "maya.chen@example.com",
        "94107",
        "4242",
        "plus",
        False,
        400,
        extra_methods=False,
    )
    b.customer(
        "C0002",
        "Jonas Weber",
        "jonas.weber@example.com",
        "10115",
        "1881",
        "pro",
        True,
        700,
        extra_methods=False,
    )
    b.customer(
        "C0003",
        "Amara Okafor",
        "amara.okafor@example.com",
        "60601",
        "0005",
        "basic",
        True,
        500,
        extra_methods=False,
    )
    b.customer(
        "C0004",
        "Amara Okafor",
        "amara.o@example.net",
        "60601",
        "0005",
        "basic",
        False,
        90,
        extra_methods=False,
    )
    b.order(10001, "C0001", "pending", b.ago(1), [("USB-C Charger 65W", 1)])
    b.order(
        10002,
        "C0001",
        "delivered",
        b.ago(9),
        [("Aurora ANC Headphones", 1)],
        shipped=b.ago(7),
        delivered=b.ago(5),
        carrier="UPS",
        tracking="1Z999AA10123456700",
    )
    b.order(
        10003,
        "C0001",
        "shipped",
        b.ago(3),
        [("Nimbus Smart Speaker", 1)],
        shipped=b.ago(2),
        carrier="UPS",
        tracking="1Z999AA10123456784",
        eta=b.now + timedelta(days=2),
    )
    b.order(
        10004,
        "C0001",
        "delivered",
        b.ago(6),
        [("HDMI Cable 2m", 1)],
        shipped=b.ago(5),
        delivered=b.ago(3),
        carrier="USPS",
        tracking="9400100000000000000004",
    )
    b.order(
        10005,
        "C0002",
        "delivered",
        b.ago(45),
        [("Pixel Buds Case", 1)],
        shipped=b.ago(43),
        delivered=b.ago(40),
        carrier="FedEx",
        tracking="770000000005",
    )
    b.order(10006, "C0003", "processing", b.ago(1), [("Lumen 4K TV 55in", 1)])
    maya_sub = b.subscription("C0001", "plus", "active", b.ago(380))
    jonas_sub = b.subscription("C0002", "pro", "active", b.ago(650))
    b.invoice("C0002", jonas_sub, 5999, "open", b.ago(3))
    b.invoice("C0002", jonas_sub, 5999, "paid", b.ago(33))
    for month in range(1, 4):
        b.invoice("C0001", maya_sub, 999, "paid", b.ago(30 * month + 2))


def _random_customers(b: _Builder, count: int) -> list[str]:
    rng = b.rng
    ids = []
    for n in range(5, count + 1):
        cid = f"C{n:04d}"
        first, last = rng.choice(cat.FIRST_NAMES), rng.choice(cat.LAST_NAMES)
        zip_code = rng.choice(cat.PLACES)[0]
        plan = rng.choices(("basic", "plus", "pro"), weights=(70, 20, 10))[0]
        b.customer(
            cid,
            f"{first} {last}",
            f"{first}.{last}{n}@example.com".lower(),
            zip_code,
            f"{rng.randint(0, 9999):04d}",
            plan,
            rng.random() < 0.4,
            rng.uniform(20, 1500),
        )
        created = b.rows["customers"][-1]["created_at"]
        if plan != "basic":
            sub = b.subscription(
                cid,
                plan,
                "past_due" if rng.random() < 0.05 else "active",
                created + timedelta(days=rng.uniform(0, 10)),
            )
            price = 999 if plan == "plus" else 5999
            months = min(6, int((b.now - created).days // 30))
            for month in range(months, 0, -1):
                status = "paid"
                if month == 1 and rng.random() < 0.12:
                    status = rng.choice(("open", "open", "disputed"))
                b.invoice(cid, sub, price, status, b.ago(30 * month - rng.uniform(0, 5)))
        elif rng.random() < 0.08:
            b.subscription(cid, "plus", "cancelled", created + timedelta(days=rng.uniform(0, 10)))
        ids.append(cid)
    return ids


def _random_orders(b: _Builder, customer_ids: list[str]) -> None:
    rng = b.rng
    names = [p[0] for p in cat.PRODUCTS]
    created = {c["id"]: c["created_at"] for c in b.rows["customers"]}
    drafts = []
    for cid in customer_ids:
        oldest = min(720.0, (b.now - created[cid]).total_seconds() / 86400)
        for _ in range(rng.randint(0, 20)):
            drafts.append((b.ago(rng.uniform(0.05, oldest)), cid))
    drafts.sort(key=lambda d: (d[0], d[1]))
    for oid, (placed, cid) in enumerate(drafts, start=10007):
        age = (b.now - placed).total_seconds() / 86400
        lines = [(name, rng.choice((1, 1, 1, 2))) for name in rng.sample(names, rng.choice((1, 1, 2, 3)))]
        status = _status_for_age(rng, age)
        carrier = rng.choice(cat.CARRIERS) if status in ("shipped", "delivered", "returned") else None
        shipped = placed + timedelta(days=min(age * 0.3, rng.uniform(0.5, 2))) if carrier else None
        delivered = None
        if status in ("delivered", "returned") and shipped:
            delivered = min(shipped + timedelta(days=rng.uniform(1, 5)), b.now - timedelta(hours=1))
        eta = shipped + timedelta(days=rng.randint(3, 5)) if status == "shipped" and shipped else None
        cancelled = placed + timedelta(hours=rng.uniform(1, 20)) if status == "cancelled" else None
        pms = b.customer_pms[cid]
        charge = b.order(
            oid,
            cid,
            status,
            placed,
            lines,
            shipped=shipped,
            delivered=delivered,
            cancelled=cancelled,
            carrier=carrier,
            tracking=b.tracking(carrier) if carrier else None,
            eta=eta,
            pm_id=pms[0] if rng.random() < 0.8 else rng.choice(pms),
        )
        if status == "cancelled" and cancelled:
            b.refund(charge, charge["amount_cents"], "order cancelled", cancelled)
        elif status == "returned" and delivered:
            b.refund(
                charge,
                charge["amount_cents"],
                "item returned",
                delivered + timedelta(days=rng.randint(3, 12)),
            )
        elif status == "delivered" and delivered and rng.random() < 0.04:
            partial = max(1, charge["amount_cents"] // 2)
            b.refund(
                charge,
                partial,
                rng.choice(("damaged box", "late delivery goodwill", "price match")),
                delivered + timedelta(days=rng.randint(1, 10)),
            )


def _status_for_age(rng: random.Random, age: float) -> str:
    if rng.random() < 0.03:
        return "cancelled"
    if age < 1:
        return "pending" if rng.random() < 0.6 else "processing"
    if age < 3:
        return "processing" if rng.random() < 0.3 else "shipped"
    if age < 7:
        return "shipped" if rng.random() < 0.4 else "delivered"
    return "returned" if rng.random() < 0.05 else "delivered"


def _tickets(b: _Builder, customer_ids: list[str], count: int, policy: Policy) -> None:
    rng = b.rng
    for _ in range(count):
        subject, queue, description = rng.choice(cat.TICKET_SUBJECTS)
        priority = rng.choices(("low", "normal", "high", "urgent"), weights=(20, 55, 20, 5))[0]
        created = b.ago(rng.uniform(0.1, 60))
        status = (
            rng.choice(("open", "pending", "resolved", "closed")) if (b.now - created).days > 2 else "open"
        )
        tid = b._id("ticket", "T-{}")
        b.rows["tickets"].append(
            {
                "id": tid,
                "customer_id": None if rng.random() < 0.1 else rng.choice(customer_ids),
                "thread_id": None,
                "subject": subject,
                "description": description,
                "queue": queue,
                "priority": priority,
                "status": status,
                "assignee": rng.choice((None, "agent.kim", "agent.ruiz", "agent.osei")),
                "created_at": created,
                "updated_at": created,
                "sla_due_at": policy.sla_due(created, priority),
            }
        )
        b.rows["ticket_events"].append(
            {
                "ticket_id": tid,
                "kind": "created",
                "detail": subject,
                "actor": "customer",
                "created_at": created,
            }
        )
        if status in ("resolved", "closed"):
            b.rows["ticket_events"].append(
                {
                    "ticket_id": tid,
                    "kind": "status",
                    "detail": f"status -> {status}",
                    "actor": "agent",
                    "created_at": created + timedelta(days=1),
                }
            )


def seed_catalogue(conn: Connection, products: dict[str, tuple[str, str, int]]) -> None:
    """The company's plans, products (name → id, family, price in cents) and knowledge-base articles.

    The demo company starts from these; so does an evaluation scenario's store, which adds only its own customers.
    """
    conn.execute(
        insert(s.plans),
        [
            {"id": pid, "name": name, "monthly_price_cents": price, "description": desc}
            for pid, name, price, desc in cat.PLANS
        ],
    )
    conn.execute(
        insert(s.products),
        [
            {
                "id": pid,
                "sku": f"SKU-{family[:3].upper()}-{pid[1:]}",
                "name": name,
                "family": family,
                "price_cents": price,
                "active": True,
            }
            for name, (pid, family, price) in products.items()
        ],
    )
    replace_articles(conn, load_articles())


def seed_demo_company(conn: Connection, *, seed: int, reference_time: datetime, policy: Policy,
                      customers: int = 300) -> None:
    """Insert the whole demo company into an empty store (inside the caller's transaction); its tickets are due
    by ``policy``'s SLA hours."""
    if customers < 4:
        raise ValueError("the demo company needs at least the four fixed customers")
    b = _Builder(random.Random(seed), reference_time)
    seed_catalogue(conn, b.products)
    _fixed_customers(b)
    random_ids = _random_customers(b, customers)
    _random_orders(b, random_ids)
    _tickets(b, ["C0001", "C0002", "C0003", *random_ids], max(5, customers // 5), policy)
    b.invoice_payments()
    for table in s.metadata.sorted_tables:
        rows = b.rows[table.name]
        if rows and table.name not in ("plans", "products"):
            conn.execute(insert(table), rows)
    conn.execute(
        insert(s.counters),
        [
            {"name": kind, "value": b.next[kind]}
            for kind in ("charge", "refund", "ticket", "invoice", "pm", "subscription")
        ]
        + [
            {"name": "return", "value": 1},
            {"name": "dispute", "value": 1},
            {"name": "credit", "value": 1},
            {"name": "order", "value": max(o["id"] for o in b.rows["orders"]) + 1},
        ],
    )
