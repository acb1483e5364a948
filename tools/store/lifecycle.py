"""The business store's lifecycle: migrate it (Alembic), seed the demo company when asked, check it before use.

- ``upgrade_store(url)`` applies the revisions of ``tools/store/migrations/versions/`` (``supportgraph db
  upgrade``); it is safe to run from several processes at once and again at any time.
- ``seed_demo_store(url)`` fills a migrated, empty store with the deterministic demo company (``supportgraph demo
  seed``); a store that holds data is never touched.
- ``store_problem(db)`` says why a store cannot serve yet (not migrated to this code's revision, or empty), as one
  line naming the command to run; ``open_store`` raises it as ``StoreNotReady``.

Nothing here runs as a side effect of reading: only ``supportgraph demo``, the two commands above and, for
development and tests, ``SUPPORTGRAPH_PROVISION_DEMO=true`` migrate or seed.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from foundation.db import Database, open_database, schema_migrations
from foundation.settings import get_settings
from tools.store.kb_files import articles_digest, load_articles
from tools.store.tables.base import store_meta
from tools.store.tables.crm import customers
from tools.systems import backend_env

VERSION_TABLE = "alembic_version_business"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Stores migrated before Alembic recorded their business schema in schema_migrations; version 4 is the schema
# of the first revision, which such a store is stamped with.
LEGACY_COMPONENT, LEGACY_BASELINE = "business", 4


class StoreNotReady(RuntimeError):
    """The business store cannot serve: not migrated to this code's revision, or holding no data.

    The message is one line that says what to run."""


def alembic_config(connection: Connection | None = None) -> Config:
    """The Alembic configuration of the business store (no alembic.ini: everything is set here)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The revision this code needs (the newest of migrations/versions/)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "tools/store/migrations/versions/ has no revision"
    return head


def current_revision(conn: Connection) -> str | None:
    """The revision the store is at (None: never migrated by Alembic)."""
    return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def _legacy_version(conn: Connection) -> int | None:
    if not inspect(conn).has_table(schema_migrations.name):
        return None
    return conn.execute(select(func.max(schema_migrations.c.version))
                        .where(schema_migrations.c.component == LEGACY_COMPONENT)).scalar_one_or_none()


def upgrade_store(url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate the business store at ``url`` to ``revision``; returns (the revision before, the revision after).

    One transaction: on SQLite it holds the write lock, on Postgres an advisory lock, so concurrent upgraders take
    turns and the second finds nothing to do."""
    db = open_database(url)
    with db.begin(write=True) as conn:
        if db.dialect == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('supportgraph.business_schema'))")
        before = current_revision(conn)
        config = alembic_config(conn)
        if before is None:
            legacy = _legacy_version(conn)
            if legacy is not None and legacy < LEGACY_BASELINE:
                raise StoreNotReady(f"the business store at {_shown(url)} has the schema of an older supportgraph "
                                    f"(version {legacy}) that this one cannot migrate; start a new store")
            if legacy is not None:  # its tables are the first revision's: record that instead of creating them
                command.stamp(config, _first_revision())
        command.upgrade(config, revision)
        return before, current_revision(conn)


def _first_revision() -> str:
    base = ScriptDirectory.from_config(alembic_config()).get_base()
    assert isinstance(base, str)
    return base


def has_data(conn: Connection) -> bool:
    """Does the store hold a company's data (the demo company's, a scenario's or the company's own)?"""
    seeded = conn.execute(select(store_meta.c.value).where(store_meta.c.key == "seeded")).first() is not None
    return seeded or conn.execute(select(customers.c.id).limit(1)).first() is not None


def schema_problem(conn: Connection, url: str) -> str | None:
    """Why the store's schema is not the one this code needs, as one line; None when it is."""
    revision, head = current_revision(conn), head_revision()
    if revision == head:
        return None
    state = "is not migrated" if revision is None else f"is at revision {revision}, this code needs {head}"
    return f"the business store at {_shown(url)} {state}: run `supportgraph db upgrade`"


def store_problem(db: Database) -> str | None:
    """Why the store cannot serve, as one line that says what to run; None when it can.

    Empty counts only while the customers live in the store (the default CRM): with the company's own CRM
    plugged in (``SUPPORTGRAPH_CRM_BACKEND``) a migrated store is ready."""
    with db.engine.connect() as conn:
        problem = schema_problem(conn, db.url)
        if problem is None and not os.environ.get(backend_env("crm"), "").strip() and not has_data(conn):
            problem = (f"the business store at {_shown(db.url)} is empty: load the company's data, or run "
                       "`supportgraph demo seed` for the demo company")
    return problem


def seed_demo_store(url: str, *, seed: int = 7, customers: int = 300,
                    reference_time: datetime | None = None) -> bool:
    """Seed the demo company into the migrated store at ``url`` if it holds no data; returns whether it did."""
    db = open_database(url)
    with db.engine.connect() as conn:
        problem = schema_problem(conn, url)
    if problem is not None:
        raise StoreNotReady(problem)
    return seed_if_empty(db, seed, customers, reference_time)


def seed_if_empty(db: Database, seed: int, customers: int, reference_time: datetime | None) -> bool:
    """Seed the demo company unless the store holds data. Guarded by inserting the ``seeded`` row of
    ``store_meta`` first, in the seeding transaction: a second process seeding the same empty store waits on that
    row and then finds the store seeded."""
    # inside: demo_company imports the store package, which imports this module
    from tools.store.demo_company import seed_demo_company

    with db.begin() as conn:
        if has_data(conn):
            return False
    ref = (reference_time or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    try:
        with db.begin() as conn:
            # The guard: a concurrent seeder blocks on this primary key until we commit, then fails.
            conn.execute(insert(store_meta).values(key="seeded", value=datetime.now(UTC).isoformat()))
            conn.execute(insert(store_meta), [
                {"key": "seed", "value": str(seed)},
                {"key": "reference_time", "value": ref.isoformat()},
                {"key": "customers", "value": str(customers)},
                {"key": "kb_digest", "value": articles_digest(load_articles())},
            ])
            seed_demo_company(conn, seed=seed, reference_time=ref, customers=customers,
                              policy=get_settings().policy())  # the deployment's SLA hours
    except IntegrityError:
        with db.begin() as conn:
            if not has_data(conn):
                raise
        return False
    return True


def _shown(url: str) -> str:
    """The URL without a password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def write_revision(message: str) -> list[str]:
    """Write a new revision autogenerated from the tables' difference to the newest revision (worked out on a
    throwaway SQLite database migrated to it); returns the paths written. Read and edit it before committing."""
    import tempfile

    from sqlalchemy import create_engine

    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'head.db'}")
        try:
            with engine.begin() as conn:
                config = alembic_config(conn)
                command.upgrade(config, "head")
                written = command.revision(config, message=message, autogenerate=True)
        finally:
            engine.dispose()
    scripts = written if isinstance(written, list) else [written]
    return [str(script.path) for script in scripts if script is not None]
