"""The demo company seeded once per test session and database kind, copied into each test's fresh database.

``seed_copy(url)`` leaves an empty database exactly as ``prepare_demo_store(url)`` would (migrated, the demo
company seeded) in a fraction of the time: SQLite through the backup API, Postgres with ``CREATE DATABASE …
TEMPLATE``. The template is seeded at its first use, so the demo's dates are relative to that moment rather than
to each test's start (a test session is minutes long; the demo's dates are days apart).
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from pathlib import Path

import psycopg

from foundation.db import close_database
from tests.pg import create_database, drop_database
from tools.store import BusinessStore, close_store, open_store, prepare_demo_store

_templates: dict[tuple[str, int, datetime | None], str] = {}
_admins: dict[str, str] = {}  # Postgres template URL → its server's admin URL
_lock = threading.Lock()


def seed_copy(url: str, *, admin_url: str | None = None, customers: int = 300,
              reference_time: datetime | None = None) -> BusinessStore:
    """Fill the fresh, empty database ``url`` with a copy of the session's seeded demo company; ``admin_url`` (a
    Postgres ``url`` only): a database of the same server to create and drop databases from."""
    if url.startswith("sqlite:///"):
        template = _template("sqlite", customers, reference_time, lambda: _sqlite_template(url, customers,
                                                                                            reference_time))
        with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(url[len("sqlite:///"):])) as copy:
            source.backup(copy)
        return open_store(url)
    if admin_url is None:
        raise ValueError("a Postgres copy needs the server's admin_url")
    template = _template(admin_url, customers, reference_time, lambda: _postgres_template(admin_url, customers,
                                                                                           reference_time))
    close_database(url)
    name, source = url.rsplit("/", 1)[1], template.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:  # the fresh database, as a copy of the template
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return open_store(url)


def drop_templates() -> None:
    """Drop the session's Postgres templates (the SQLite ones go with pytest's temporary directories)."""
    with _lock:
        for template, admin in _admins.items():
            drop_database(admin, template)
        _admins.clear()
        _templates.clear()


def _template(server: str, customers: int, reference_time: datetime | None, make: Callable[[], str]) -> str:
    key = (server, customers, reference_time)
    with _lock:
        if key not in _templates:
            _templates[key] = make()
        return _templates[key]


def _sqlite_template(like: str, customers: int, reference_time: datetime | None) -> str:
    path = Path(like[len("sqlite:///"):]).parent.parent / f"seeded-{customers}-{uuid.uuid4().hex[:8]}.db"
    url = f"sqlite:///{path}"
    prepare_demo_store(url, customers=customers, reference_time=reference_time)
    close_store(url)
    return str(path)


def _postgres_template(admin_url: str, customers: int, reference_time: datetime | None) -> str:
    url = create_database(admin_url)
    prepare_demo_store(url, customers=customers, reference_time=reference_time)
    close_store(url)
    _admins[url] = admin_url
    return url
