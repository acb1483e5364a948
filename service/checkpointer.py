"""The checkpointer a host attaches to the support graph: SQLite by default, Postgres when configured.

Both create their tables on first use (``setup()`` is idempotent and versioned by langgraph itself). Both are
the indexing variants of service/review_index.py: a human-review interrupt and its review-queue row commit
in one transaction, so the audit tables are migrated into the same database first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from langgraph.checkpoint.base import BaseCheckpointSaver

from foundation.audit import open_audit_log
from foundation.db import psycopg_url, sqlite_path
from service.checkpoint_serde import checkpoint_serde
from service.review_index import IndexingPostgresSaver, IndexingSqliteSaver


@contextmanager
def open_checkpointer(url: str) -> Iterator[BaseCheckpointSaver[str]]:
    """A ready checkpointer for ``url`` (``sqlite:///…`` or ``postgresql://…``), closed on exit."""
    open_audit_log(url)  # the review_queue table the savers write into
    if url.startswith("sqlite:///"):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")
        try:
            saver = IndexingSqliteSaver(conn, serde=checkpoint_serde())
            saver.setup()
            yield saver
        finally:
            conn.close()
        return
    # inside: psycopg's pool only for a Postgres URL
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    pool: ConnectionPool = ConnectionPool(
        psycopg_url(url),
        min_size=1,
        max_size=4,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        open=True,
    )
    try:
        saver_pg = IndexingPostgresSaver(pool, serde=checkpoint_serde())  # type: ignore[arg-type]
        saver_pg.setup()
        yield saver_pg
    finally:
        pool.close()
