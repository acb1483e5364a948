"""Fixtures of the LLM-reasoner tests: the support graph with a scripted chat model, on SQLite and Postgres."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from foundation.audit import forget_audit_log
from service.conversations import SupportService, open_service
from tests.graph.conftest import demo_database_url  # noqa: F401  (the seeded copy, shared with tests/graph)
from tests.graph.session_home import use_session_home
from tests.llm.scripted import ScriptedChatModel
from tools.store import close_store

LlmService = Callable[[ScriptedChatModel], SupportService]


@pytest.fixture(scope="session", autouse=True)
def supportgraph_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return use_session_home(tmp_path_factory)


@pytest.fixture
def llm_service(demo_database_url: str) -> Iterator[LlmService]:  # noqa: F811
    """Open the support graph with the LLM reasoner on a scripted model (one service per model), on a copy of the
    seeded demo company."""
    database_url = demo_database_url
    with ExitStack() as stack:

        def make(model: ScriptedChatModel) -> SupportService:
            service = stack.enter_context(open_service(database_url, reasoner="llm", chat_model=model))
            service.warm_up()
            return service

        yield make
    close_store(database_url)
    forget_audit_log(database_url)
