"""A business store that cannot serve answers 503 with the reason (what to run), never a 500 or a traceback."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from foundation.db import open_database
from foundation.settings import get_settings
from supportgraph.server.errors import store_not_ready
from supportgraph.server.launch import business_store_problem
from tools.store import StoreNotReady, open_store
from tools.store.lifecycle import store_problem


def test_an_unmigrated_store_is_a_503_with_the_reason(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTGRAPH_PROVISION_DEMO", "false")
    monkeypatch.setenv("SUPPORTGRAPH_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        problem = business_store_problem()
        assert problem == store_problem(open_database(database_url))
        assert problem is not None and "not migrated" in problem
        app = FastAPI()
        app.add_exception_handler(StoreNotReady, store_not_ready)

        @app.get("/threads")
        def threads() -> dict[str, str]:
            open_store(database_url)
            return {}

        answer = TestClient(app).get("/threads")
        assert answer.status_code == 503
        assert answer.json() == {"error": "store_not_ready", "message": problem}
        assert "supportgraph db upgrade" in answer.json()["message"]
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
