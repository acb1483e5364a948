"""One SQL layer for the business store, the audit log and the review queue, on SQLite or Postgres.

``open_database(url)`` returns a process-wide :class:`Database` per URL (SQLAlchemy engine with its pool).
Each component (business store, audit, …) owns an ordered list of migrations; :meth:`Database.migrate`
applies the ones not yet recorded in ``schema_migrations`` inside one transaction per migration.
"""

from __future__ import annotations

import hashlib
import select as io_select
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError, InvalidatePoolError

Migration = Callable[[Connection], None]

_meta = MetaData()
schema_migrations = Table(
    "schema_migrations",
    _meta,
    Column("component", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), server_default=func.now()),
)


def sqlalchemy_url(url: str) -> str:
    """Map a user-facing URL to the SQLAlchemy one (``postgresql://`` → the psycopg 3 driver)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def psycopg_url(url: str) -> str:
    """Map a URL to the plain libpq form psycopg and the Postgres checkpointer expect."""
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def sqlite_path(url: str) -> Path:
    """The file behind a ``sqlite:///`` URL."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a SQLite URL: {url!r}")
    return Path(url[len("sqlite:///") :])


class Database:
    """A SQLAlchemy engine plus the migration runner; the only way the project talks SQL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect: Literal["sqlite", "postgresql"]
        if url.startswith("sqlite:///"):
            self.dialect = "sqlite"
            sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(self.engine, "connect", _sqlite_pragmas)
        elif url.startswith(("postgresql", "postgres://")):
            self.dialect = "postgresql"
            # No round trip per checkout (``pool_pre_ping`` pinged each, ~8 a served run): ``_hung_up`` looks at
            # the connection's socket instead, which a server that went away has closed or written to.
            self.engine = create_engine(sqlalchemy_url(url), pool_size=5, max_overflow=5)
            event.listen(self.engine, "checkout", self._hung_up)
        else:
            raise ValueError(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://…")
        self._migrate_lock = threading.Lock()

    def _hung_up(self, dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        """On checkout of a pooled Postgres connection: replace it (and every connection pooled before it) when the
        server hung up on it, as ``pool_pre_ping`` did, without its round trip for a connection that is fine.

        An idle connection's socket has nothing to read until the server writes to it, and a server that ends a
        session (a restart, a shutdown, ``pg_terminate_backend``) writes its FATAL notice and closes the socket: a
        readable socket (or a closed connection) is pinged, and one that does not answer is replaced. A socket
        with nothing to read is a connection whose server has not said goodbye; a peer that vanished without a
        word (a cut cable) fails the first statement, as a ping would have hung until TCP gave up."""
        if not getattr(dbapi_conn, "closed", False):
            try:
                readable, _, _ = io_select.select([dbapi_conn.fileno()], [], [], 0)
            except Exception:  # no socket to look at: ask the server
                readable = [True]
            if not readable:
                return
            try:
                self.engine.dialect.do_ping(dbapi_conn)
                return
            except Exception:
                pass
        raise InvalidatePoolError("the server closed the pooled connection")

    @contextmanager
    def begin(self, *, write: bool = False) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on any error.

        ``write=True`` is for a transaction that writes on the strength of what it read first (a check, then
        the act). On SQLite it takes the database's write lock at ``BEGIN IMMEDIATE``, so no other writer
        commits between its reads and its writes (a deferred transaction would read a snapshot and then fail
        to upgrade). On Postgres it is an ordinary transaction: lock the rows it reads (``for_update``), or a
        name (:meth:`lock_key`) when what it reads has no row in this database to lock.
        """
        with self.engine.begin() as conn:
            if write and self.dialect == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield conn

    @contextmanager
    def single(self) -> Iterator[Connection]:
        """A connection for one statement that needs no transaction of its own (an append-only insert): it
        runs in autocommit, which spares the BEGIN and COMMIT round trips of :meth:`begin`."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads outside any write's transaction. On Postgres it runs in autocommit: at READ
        COMMITTED (the default, and this module never sets another) each statement reads its own snapshot inside a
        transaction or out of one, so the BEGIN and COMMIT round trips of :meth:`begin` bought nothing. On SQLite a
        transaction, whose reads share one snapshot."""
        if self.dialect == "postgresql":
            with self.single() as conn:
                yield conn
        else:
            with self.begin() as conn:
                yield conn

    def lock_key(self, conn: Connection, key: str) -> None:
        """Hold the name ``key`` (e.g. ``"customer:C0001"``) until ``conn``'s transaction ends: another
        transaction that locks the same name waits here until this one commits or rolls back.

        For a check-then-act on something with no row in this database to lock (a customer kept in a remote
        CRM). Postgres: ``pg_advisory_xact_lock`` on :func:`lock_number` of ``key``, so every process using this
        database takes turns. SQLite: nothing to do, provided the transaction already holds the write lock
        (``begin(write=True)``, or a write made first): that excludes every other writer until it ends.
        """
        if self.dialect == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (lock_number(key),))

    def migrate(self, component: str, migrations: Sequence[Migration]) -> int:
        """Apply the migrations of ``component`` that have not run yet; returns how many ran.

        Safe to call from several processes at once: each migration and its record commit together, and a
        process that loses the race sees the primary-key conflict and moves on.
        """
        applied = 0
        with self._migrate_lock:
            _meta.create_all(self.engine, tables=[schema_migrations], checkfirst=True)
            with self.engine.connect() as conn:
                done = {
                    row.version
                    for row in conn.execute(
                        select(schema_migrations.c.version).where(schema_migrations.c.component == component)
                    )
                }
            for version, migration in enumerate(migrations, start=1):
                if version in done:
                    continue
                try:
                    with self.engine.begin() as conn:
                        if self.dialect == "postgresql":
                            # Serialise concurrent migrators of the same component.
                            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (component,))
                            already = conn.execute(
                                select(schema_migrations.c.version).where(
                                    schema_migrations.c.component == component,
                                    schema_migrations.c.version == version,
                                )
                            ).first()
                            if already:
                                continue
                        migration(conn)
                        conn.execute(
                            insert(schema_migrations).values(
                                component=component, version=version, name=migration.__name__
                            )
                        )
                    applied += 1
                except IntegrityError:
                    continue
        return applied

    def dispose(self) -> None:
        self.engine.dispose()


def database_failure(exc: BaseException) -> bool:
    """Did the database fail (went away, restarted, refused a connection) rather than our code?"""
    import sqlite3

    import psycopg
    from psycopg_pool import PoolTimeout
    from sqlalchemy.exc import DBAPIError

    return isinstance(exc, psycopg.Error | DBAPIError | PoolTimeout | sqlite3.OperationalError)


def lock_number(key: str) -> int:
    """A signed 64-bit number for ``key``, the same in every process and release (``hash()`` is salted per
    process; Postgres's ``hashtext`` is 32 bits and not promised stable across major versions)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


_databases: dict[str, Database] = {}
_databases_lock = threading.Lock()


def open_database(url: str) -> Database:
    """The process-wide :class:`Database` for ``url`` (one engine and pool per URL)."""
    with _databases_lock:
        db = _databases.get(url)
        if db is None:
            db = _databases[url] = Database(url)
        return db


_closers: list[Callable[[str], None]] = []


def on_close(closer: Callable[[str], None]) -> None:
    """Have :func:`close_database` call ``closer(url)`` too (a module holding connections of its own)."""
    _closers.append(closer)


def close_database(url: str) -> None:
    """Dispose of the engine for ``url`` if this process opened one, and of the connections other modules keep
    for it (tests drop databases after this)."""
    with _databases_lock:
        db = _databases.pop(url, None)
    if db is not None:
        db.dispose()
    for closer in _closers:
        closer(url)
