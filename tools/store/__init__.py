"""The demo company's business store: one SQL database (SQLite or Postgres) behind every tool.

``open_store(url)`` opens the database, applies the "business" migrations, seeds the deterministic demo
company when the store is empty and refreshes the KB articles when their files changed. Seeding is guarded
by inserting the ``seeded`` row of ``store_meta`` first, in the same transaction: a second process opening
the same empty database waits on that row and then finds the store seeded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from foundation.db import Database, close_database, open_database
from tools.store.kb_files import articles_digest, load_articles, replace_articles
from tools.store.schema import COMPONENT, MIGRATIONS, store_meta

__all__ = ["MIGRATIONS", "BusinessStore", "close_store", "open_store"]


@dataclass
class BusinessStore:
    """The business database and the moment the demo company's dates are relative to."""

    db: Database
    reference_time: datetime
    seed: int


_stores: dict[str, BusinessStore] = {}
_stores_lock = threading.Lock()


def _meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(store_meta.c.value).where(store_meta.c.key == key)).scalar_one_or_none()


def _seed_if_empty(db: Database, seed: int, customers: int, reference_time: datetime | None) -> None:
    # inside: demo_company imports this package (schema, catalogue)
    from tools.store.demo_company import seed_demo_company

    with db.begin() as conn:
        if _meta(conn, "seeded") is not None:
            return
    ref = (reference_time or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    try:
        with db.begin() as conn:
            # The guard: a concurrent seeder blocks on this primary key until we commit, then fails.
            conn.execute(insert(store_meta).values(key="seeded", value=datetime.now(UTC).isoformat()))
            conn.execute(
                insert(store_meta),
                [
                    {"key": "seed", "value": str(seed)},
                    {"key": "reference_time", "value": ref.isoformat()},
                    {"key": "customers", "value": str(customers)},
                    {"key": "kb_digest", "value": articles_digest(load_articles())},
                ],
            )
            seed_demo_company(conn, seed=seed, reference_time=ref, customers=customers)
    except IntegrityError:
        with db.begin() as conn:
            if _meta(conn, "seeded") is None:
                raise


def _refresh_kb(db: Database) -> None:
    articles = load_articles()
    digest = articles_digest(articles)
    with db.begin() as conn:
        if _meta(conn, "kb_digest") == digest:
            return
    with db.begin() as conn:
        if db.dialect == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('supportgraph.kb_articles'))")
        current = _meta(conn, "kb_digest")
        if current == digest:
            return
        replace_articles(conn, articles)
        if current is None:
            conn.execute(insert(store_meta).values(key="kb_digest", value=digest))
        else:
            conn.execute(update(store_meta).where(store_meta.c.key == "kb_digest").values(value=digest))


def open_store(
    url: str, *, seed: int = 7, customers: int = 300, reference_time: datetime | None = None
) -> BusinessStore:
    """The process-wide store for ``url``: migrated, seeded if empty, KB articles up to date.

    ``customers`` and ``reference_time`` only matter when the store is seeded (tests use a smaller company
    and a fixed time); an existing store keeps its own seed and reference time.
    """
    with _stores_lock:
        store = _stores.get(url)
        if store is not None:
            return store
        db = open_database(url)
        db.migrate(COMPONENT, MIGRATIONS)
        _seed_if_empty(db, seed, customers, reference_time)
        _refresh_kb(db)
        with db.begin() as conn:
            ref = datetime.fromisoformat(_meta(conn, "reference_time") or datetime.now(UTC).isoformat())
            stored_seed = int(_meta(conn, "seed") or seed)
        store = _stores[url] = BusinessStore(db=db, reference_time=ref.astimezone(UTC), seed=stored_seed)
        return store


def close_store(url: str) -> None:
    """Forget the store for ``url`` and dispose of its database engine."""
    with _stores_lock:
        _stores.pop(url, None)
    close_database(url)
