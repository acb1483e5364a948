"""What each worker sets up once at its start (supportgraph/server/app.py), not per request."""

from __future__ import annotations

import pytest

from service.checkpoint_serde import CompressingSerializer
from supportgraph.server.app import one_auth_backend, use_service_serde


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


def test_aegras_checkpointer_uses_the_services_serializer(monkeypatch: pytest.MonkeyPatch) -> None:
    from aegra_api.core.database import db_manager
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

    saver = AsyncPostgresSaver.__new__(AsyncPostgresSaver)
    monkeypatch.setattr(db_manager, "_checkpointer", saver)
    use_service_serde()
    assert isinstance(saver.serde, CompressingSerializer)
