"""What each worker sets up once at its start (supportgraph/server/app.py), not per request."""

from __future__ import annotations

import asyncio

import pytest

from service.checkpoint_serde import CompressingSerializer
from service.served_saver import ServedPostgresSaver
from supportgraph.server.app import one_auth_backend, use_service_saver


def test_the_auth_backend_is_built_once_per_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    from aegra_api.core import auth_deps, auth_middleware

    built: list[object] = []
    real = auth_middleware.LangGraphAuthBackend

    def counting() -> object:
        built.append(real())
        return built[-1]

    monkeypatch.setattr(auth_deps, "get_auth_backend", counting)
    one_auth_backend()
    first = auth_deps.get_auth_backend()
    assert auth_deps.get_auth_backend() is first and len(built) == 1, built


def test_aegras_checkpointer_is_the_served_saver_on_aegras_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service's serializer (compressed payloads, as the CLI writes them) and its flush order
    (service/served_saver.py), on the pool Aegra opened."""
    from aegra_api.core.database import db_manager
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

    pool = object()
    monkeypatch.setattr(db_manager, "_checkpointer", AsyncPostgresSaver.__new__(AsyncPostgresSaver))
    monkeypatch.setattr(db_manager, "lg_pool", pool)

    async def lifespan() -> None:  # a worker's start: the saver belongs to its event loop
        use_service_saver()

    asyncio.run(lifespan())
    saver = db_manager.get_checkpointer()
    assert isinstance(saver, ServedPostgresSaver) and isinstance(saver.serde, CompressingSerializer)
    assert saver.conn is pool
