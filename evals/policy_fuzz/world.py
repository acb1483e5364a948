"""The fuzzer's world: a seeded template database copied afresh for every example, and the ids plans draw from.

Every example runs on its own copy of one seeded store (SQLite: a file copied with the backup API; Postgres: a
database created from the template), so an example replays exactly when hypothesis shrinks it.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy import select

from foundation.audit import forget_audit_log, open_audit_log
from foundation.db import close_database, psycopg_url, sqlite_path
from service.checkpointer import open_checkpointer
from tools.store import close_store, open_store, prepare_demo_store
from tools.store.schema import charges, customers, invoices, order_items, orders, tickets

# The customers an example talks as (Maya has a pending, a shipped and two delivered orders); the others' ids are
# what an adversarial plan reaches for.
CUSTOMERS = ("C0001", "C0002", "C0003")
MAX_DROPS_BEHIND = 20  # used Postgres databases waiting to be dropped, at most (each is a copy of the template)


@dataclass(frozen=True)
class Person:
    customer_id: str
    email: str
    zip_code: str
    card_last4: str
    orders: tuple[int, ...]
    totals: tuple[float, ...]  # what each order was charged, in dollars (amounts "above what was paid")
    products: tuple[str, ...]
    invoices: tuple[str, ...]
    charges: tuple[str, ...]
    tickets: tuple[str, ...]


@dataclass(frozen=True)
class World:
    people: dict[str, Person] = field(default_factory=dict)

    def others(self, customer_id: str) -> list[Person]:
        return [p for c, p in self.people.items() if c != customer_id]


def load_world(url: str) -> World:
    """The ids of the fuzzed customers, read from a seeded store."""
    store = open_store(url)
    people = {}
    with store.db.begin() as conn:
        for cid in CUSTOMERS:
            row = conn.execute(select(customers).where(customers.c.id == cid)).mappings().one()
            own = conn.execute(select(orders.c.id, orders.c.total_cents).where(orders.c.customer_id == cid)
                               .order_by(orders.c.id).limit(6)).all()
            ids = [o.id for o in own]
            products = conn.execute(select(order_items.c.product_id).where(order_items.c.order_id.in_(ids))
                                    .distinct().order_by(order_items.c.product_id)).scalars().all()
            people[cid] = Person(
                customer_id=cid, email=row["email"], zip_code=row["zip_code"], card_last4=row["card_last4"],
                orders=tuple(ids), totals=tuple(o.total_cents / 100 for o in own), products=tuple(products[:6]),
                invoices=tuple(conn.execute(select(invoices.c.id).where(invoices.c.customer_id == cid)
                                            .order_by(invoices.c.id).limit(3)).scalars()),
                charges=tuple(conn.execute(select(charges.c.id).where(charges.c.customer_id == cid)
                                           .order_by(charges.c.id).limit(3)).scalars()),
                tickets=tuple(conn.execute(select(tickets.c.id).where(tickets.c.customer_id == cid)
                                           .order_by(tickets.c.id).limit(2)).scalars()),
            )
    return World(people)


def prepare_template(url: str) -> None:
    """Seed the store and create the audit and checkpoint tables at ``url``, then let go of every connection."""
    from evals.policy_fuzz.invariants import install_triggers

    prepare_demo_store(url)
    install_triggers(url)
    open_audit_log(url)
    with open_checkpointer(url):
        pass
    release(url)


def release(url: str) -> None:
    close_store(url)
    forget_audit_log(url)
    close_database(url)


class Copies:
    """Fresh copies of a template database, one per example.

    On Postgres, creating a database from the template and dropping it take most of an example's wall time, all
    of it waiting on the server (a drop forces a checkpoint: about a second). With ``ahead`` one background thread
    creates the next example's database while this one runs and another drops the used ones (at most
    ``MAX_DROPS_BEHIND`` wait to be dropped); ``close`` waits for the drops and drops the spare. Every example
    still gets a database no other example has touched."""

    def __init__(self, template_url: str, workdir: Path, *, ahead: bool = False) -> None:
        self.template = template_url
        self.workdir = workdir
        self._n = itertools.count()
        postgres = not template_url.startswith("sqlite:///")
        self._server = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fuzz-db") if ahead and postgres else None
        self._dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fuzz-drop") if self._server else None
        self._next: Future[str] | None = None
        self._dropping: list[Future[None]] = []

    @contextmanager
    def fresh(self) -> Iterator[str]:
        n = next(self._n)
        if self.template.startswith("sqlite:///"):
            path = self.workdir / f"example-{os.getpid()}-{n}.db"
            with sqlite3.connect(sqlite_path(self.template)) as src, sqlite3.connect(path) as dst:
                src.backup(dst)
            url = f"sqlite:///{path}"
            try:
                yield url
            finally:
                release(url)
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        if self._server is None:
            url = self._create()
        else:
            url = (self._next or self._server.submit(self._create)).result()
            self._next = self._server.submit(self._create)
            while self._dropping and (self._dropping[0].done() or len(self._dropping) >= MAX_DROPS_BEHIND):
                self._dropping.pop(0).result()  # a drop that failed is an error of the run, not lost
        try:
            yield url
        finally:
            release(url)
            if self._dropper is None:
                self._drop(url)
            else:
                self._dropping.append(self._dropper.submit(self._drop, url))

    def close(self) -> None:
        """Wait for the databases being dropped and drop the one created ahead (Postgres with ``ahead``)."""
        if self._server is None or self._dropper is None:
            return
        spare, self._next = self._next, None
        if spare is not None:
            self._drop(spare.result())
        while self._dropping:
            self._dropping.pop(0).result()
        self._server.shutdown()
        self._dropper.shutdown()

    def _admin(self) -> str:
        return psycopg_url(f"{self.template.rsplit('/', 1)[0]}/postgres")

    def _create(self) -> str:
        base, template = self.template.rsplit("/", 1)
        name = f"sg_fuzz_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self._admin(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return f"{base}/{name}"

    def _drop(self, url: str) -> None:
        with psycopg.connect(self._admin(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@contextmanager
def template_database(url: str | None, workdir: Path) -> Iterator[str]:
    """A template store of the fuzzer's own, never the database ``url`` names: SQLite copies the file at ``url``
    (if any) into ``workdir``; Postgres creates a database on ``url``'s server and drops it afterwards."""
    if url is None or url.startswith("sqlite:///"):
        path = workdir / "template.db"
        source = sqlite_path(url) if url else None
        if source is not None and source.exists():
            with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
                src.backup(dst)
        yield f"sqlite:///{path}"
        return
    base = url.rsplit("/", 1)[0]
    admin = psycopg_url(f"{base}/postgres")
    name = f"sg_fuzz_tpl_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        release(f"{base}/{name}")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
