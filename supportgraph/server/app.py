"""The custom app aegra.json names (``http.app``): Aegra mounts its Agent Protocol routes on it.

The app adds what is its own: the access guard in front of every route (supportgraph.server.guard); its own
handler for failures, which answers with a request id instead of Aegra's exception text
(supportgraph.server.errors); and readiness: each worker loads the intent router and the MiniLM encoder before it
takes its first request (the lifespan below, run after Aegra's), and ``GET /ready`` says what it loaded; and
runs no server finishes: each worker holds its run-owner lock while it lives, and at start expires the runs of
server processes that are gone (service/api_runs.py), so their threads can be resumed; and the stored events
of finished runs go soon after the run (supportgraph.server.run_events).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from supportgraph.server.errors import internal_error, store_not_ready
from supportgraph.server.guard import AccessGuard
from supportgraph.server.launch import business_store_problem, warm_models
from supportgraph.server.run_events import keep_seconds, keep_sweeping, sweep_seconds
from supportgraph.server.threads import ThreadIndex
from tools.store import StoreNotReady

_loaded: dict[str, Any] = {}


def use_service_saver() -> None:
    """Aegra's checkpointer is the service's for served runs (service/served_saver.py), on Aegra's own pool: it
    reads and writes with the service's serializer (service/checkpoint_serde.py), so a thread the CLI wrote
    (compressed payloads) is read by the API, and the API's are as small; and only the commit that ends a run
    waits for the disk, as the CLI's (service/flush_order.py). Aegra builds its saver at start, with LangGraph's
    default serializer, and attaches ``db_manager.get_checkpointer()`` to a copy of the graph per request."""
    from aegra_api.core.database import db_manager

    from service.served_saver import served_saver

    db_manager._checkpointer = served_saver(db_manager.lg_pool)


def one_auth_backend() -> None:
    """Aegra 0.6 builds its auth backend for every request (``require_auth`` calls ``get_auth_backend``), which
    reads and parses aegra.json and resolves its path each time (twice a run: the thread and the run). The
    backend holds nothing but the ``Auth`` instance aegra.json names (supportgraph.server.auth, imported once per
    process anyway), so the worker builds it once and hands that one out."""
    from aegra_api.core import auth_deps

    backend = auth_deps.get_auth_backend()
    auth_deps.get_auth_backend = lambda: backend


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    keep_seconds(), sweep_seconds()  # a wrong setting stops the worker here, saying which
    use_service_saver()
    one_auth_backend()
    _loaded.update(await asyncio.to_thread(warm_models))
    index = ThreadIndex()
    await index.start()
    owner = asyncio.create_task(index.keep_owner())
    events = asyncio.create_task(keep_sweeping())  # the stored events of finished runs (run_events.py)
    try:
        yield
    finally:
        owner.cancel()
        events.cancel()


app = FastAPI(title="supportgraph", description="The support graph behind the Agent Protocol (Aegra).",
              lifespan=lifespan)
app.add_middleware(AccessGuard)
app.add_exception_handler(Exception, internal_error)  # Aegra keeps a handler the app already has
app.add_exception_handler(StoreNotReady, store_not_ready)


@app.get("/ready")
async def ready() -> JSONResponse:
    """200 once this worker has its models loaded (what it loaded, from where) and the business store can serve,
    with the worker's process id (a client that must know every worker is up counts them); 503 before, with the
    store's problem when it has one."""
    problem = await asyncio.to_thread(business_store_problem)
    if problem is not None:
        return JSONResponse({"ready": False, "models": _loaded, "store": problem}, status_code=503)
    if not _loaded:
        return JSONResponse({"ready": False, "models": {}}, status_code=503)
    return JSONResponse({"ready": True, "models": _loaded, "worker": os.getpid()})
