"""The demo company's business store: one SQL database (SQLite or Postgres) behind every tool.

``open_store(url)`` opens a store that is ready: migrated to this code's revision (``supportgraph db upgrade``)
and holding data (``supportgraph demo seed``, or the company's own); otherwise it raises ``StoreNotReady`` with
one line saying what to run (tools/store/lifecycle.py). It never migrates or seeds on its own, except when asked
for development and tests (``SUPPORTGRAPH_PROVISION_DEMO=true``). ``prepare_demo_store`` does the whole lifecycle
for the demo and the tests. A store that carries the shipped help-centre articles gets them refreshed when their
files changed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, select, update

from foundation.db import Database, close_database, open_database
from foundation.settings import get_settings
from tools.store.kb_files import articles_digest, load_articles, replace_articles
from tools.store.lifecycle import StoreNotReady, seed_demo_store, store_problem, upgrade_store
from tools.store.tables.base import store_meta

__all__ = ["BusinessStore", "StoreNotReady", "close_store", "open_store", "prepare_demo_store"]


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


def _refresh_kb(db: Database) -> None:
    """Bring the shipped help-centre articles up to date in a store that carries them (``kb_digest`` set by the
    demo seed or a scenario); a company's own knowledge base is never touched."""
    articles = load_articles()
    digest = articles_digest(articles)
    with db.begin() as conn:
        if _meta(conn, "kb_digest") in (None, digest):
            return
    with db.begin() as conn:
        if db.dialect == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('supportgraph.kb_articles'))")
        if _meta(conn, "kb_digest") in (None, digest):
            return
        replace_articles(conn, articles)
        conn.execute(update(store_meta).where(store_meta.c.key == "kb_digest").values(value=digest))


def open_store(url: str) -> BusinessStore:
    """The process-wide store for ``url``; ``StoreNotReady`` if it is not migrated or holds no data."""
    with _stores_lock:
        store = _stores.get(url)
        if store is not None:
            return store
        settings = get_settings()
        if settings.provision_demo:
            upgrade_store(url)
            seed_demo_store(url, seed=settings.demo_seed)
        db = open_database(url)
        problem = store_problem(db)
        if problem is not None:
            raise StoreNotReady(problem)
        _refresh_kb(db)
        with db.begin() as conn:
            ref = datetime.fromisoformat(_meta(conn, "reference_time") or datetime.now(UTC).isoformat())
            stored_seed = int(_meta(conn, "seed") or settings.demo_seed)
        store = _stores[url] = BusinessStore(db=db, reference_time=ref.astimezone(UTC), seed=stored_seed)
        return store


def prepare_demo_store(url: str, *, seed: int = 7, customers: int = 300,
                       reference_time: datetime | None = None) -> BusinessStore:
    """Migrate the store at ``url``, seed the demo company if it is empty, and open it (the demo, the tests).

    ``customers`` and ``reference_time`` only matter when the store is seeded now (tests use a smaller company
    and a fixed time); a store that holds data keeps it, with its own seed and reference time."""
    upgrade_store(url)
    seed_demo_store(url, seed=seed, customers=customers, reference_time=reference_time)
    return open_store(url)


def close_store(url: str) -> None:
    """Forget the store for ``url`` and dispose of its database engine."""
    with _stores_lock:
        _stores.pop(url, None)
    close_database(url)
