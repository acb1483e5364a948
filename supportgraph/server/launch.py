"""Starting the API server: its environment and its database (``supportgraph serve``).

Running servers for tests (start, stop, key files) is tests/server/running.py.
"""

from __future__ import annotations

import os
from pathlib import Path

from foundation.settings import Settings
from supportgraph.server.keys import KEYS_ENV

AEGRA_CONFIG = Path(__file__).resolve().parents[2] / "aegra.json"


def server_environment(database_url: str, keys_path: Path) -> dict[str, str]:
    """Environment of a server process: Aegra and the graph's business store on the same database."""
    env = {
        "DATABASE_URL": database_url,  # Aegra: threads, runs, checkpoints
        "SUPPORTGRAPH_DATABASE_URL": database_url,  # the graph's Context: business store, audit log, review queue
        "AEGRA_CONFIG": str(AEGRA_CONFIG),
        KEYS_ENV: str(keys_path.resolve()),
        "AUTH_TYPE": "custom",
        # The model cache (intent router, MiniLM encoder) of every worker: one absolute folder, whatever the
        # workers' current directory.
        "SUPPORTGRAPH_HOME": str(Settings().home.resolve()),
    }
    for name, default in (("LOG_LEVEL", "WARNING"), ("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                          ("LANGSMITH_TRACING", "false"), ("OMP_WAIT_POLICY", "PASSIVE"),
                          ("TOKENIZERS_PARALLELISM", "false"), ("OPENBLAS_NUM_THREADS", "1")):
        env[name] = os.environ.get(name, default)
    return env


def prepare_database(database_url: str) -> None:
    """Create Aegra's, LangGraph's and the audit log's tables before workers start; check the business store.

    Aegra 0.6 migrates at each worker's startup; several workers migrating a fresh database at once collide
    (``duplicate key value violates unique constraint "pg_type_typname_nsp_index"``). Done once here, the
    workers find everything in place. The business store is not migrated or seeded here (``supportgraph db
    upgrade``, ``supportgraph demo seed``; ``SUPPORTGRAPH_PROVISION_DEMO`` in development and tests): a store that
    cannot serve stops the launch with ``StoreNotReady``, whose message says what to run.
    """
    # inside: only `supportgraph serve` needs Aegra and the store; `supportgraph --help` imports this module
    import asyncio

    from aegra_api.core.database import DatabaseManager
    from aegra_api.core.migrations import run_migrations

    from foundation.audit import open_audit_log
    from foundation.db import close_database
    from tools.store import close_store, open_store

    run_migrations()

    async def checkpoint_and_store_tables() -> None:
        manager = DatabaseManager()
        await manager.initialize()
        await manager.close()

    asyncio.run(checkpoint_and_store_tables())
    open_store(database_url)  # StoreNotReady (one line: what to run) stops the launch
    close_store(database_url)
    open_audit_log(database_url)
    close_database(database_url)


def business_store_problem() -> str | None:
    """Why the graph's business store (SUPPORTGRAPH_DATABASE_URL) cannot serve, or None (tools/store/lifecycle.py)."""
    from foundation.db import open_database
    from tools.store.lifecycle import store_problem

    return store_problem(open_database(Settings().resolved_database_url()))


def warm_models(*, turn: bool = True) -> dict[str, str]:
    """Build (first time) or load the intent router and the MiniLM encoder, and load what a turn loads once
    (graphs/support/warm.py: the tokenizer, the flows, the templates, the articles' vectors …), so no request
    pays for any of it (``turn``: a worker's start; ``serve``'s own process, which only builds the cache before
    the workers start, skips it), and limit BLAS to one thread (foundation/blas.py).

    Both live under ``$SUPPORTGRAPH_HOME/cache`` (``serve`` makes the home absolute before its workers start);
    returns what was loaded, for ``GET /ready``."""
    import time

    from foundation.blas import one_blas_thread
    from foundation.embeddings import embed
    from graphs.reasoners.local.router import cache_dir_default, load_router
    from graphs.support.warm import warm_turn

    started = time.perf_counter()
    one_blas_thread()
    router = load_router()
    embed(["warm up"])
    if turn:  # what a turn loads once: no customer's run pays for it
        warm_turn(Settings().resolved_database_url())
    return {"router": type(router).__name__, "cache": str(cache_dir_default().resolve()),
            "seconds": f"{time.perf_counter() - started:.1f}"}
