"""Fixtures of the metrics tests: the support graph on a fresh database, for CSAT through the conversation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from foundation.audit import forget_audit_log
from service.conversations import SupportService, open_service
from tests.graph.conftest import demo_database_url  # noqa: F401  (the seeded copy, shared with tests/graph)
from tests.graph.session_home import use_session_home
from tools.store import close_store


@pytest.fixture
def service(demo_database_url: str,  # noqa: F811
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupportService]:
    """The support graph with the database's own checkpointer (SQLite and Postgres), on a copy of the seeded demo
    company."""
    use_session_home(tmp_path_factory)
    database_url = demo_database_url
    with open_service(database_url) as svc:
        svc.warm_up()
        yield svc
    close_store(database_url)
    forget_audit_log(database_url)
