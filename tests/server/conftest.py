"""A real API server (supportgraph serve: Aegra on Postgres) on loopback, started once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from langgraph_sdk.client import SyncLangGraphClient

from evals.served import Server, stop
from foundation.audit import QueueItem, open_audit_log
from foundation.principals import Principal, write_key_file
from tests.graph.session_home import use_session_home
from tests.pg import create_database, drop_database
from tests.server.helpers import PERSON_TEXT, client, open_review
from tests.server.running import start_server

PRINCIPALS = [
    Principal("maya", "customer", customer_id="C0001"),
    Principal("jonas", "customer", customer_id="C0002"),
    Principal("sam", "reviewer", queues=("billing", "accounts")),
    Principal("tess", "reviewer", queues=("technical",)),
    Principal("gil", "reviewer", queues=("general",)),
    Principal("ops", "admin"),
]


@dataclass
class ApiServer:
    """A running server, its key file and a key per principal name."""

    server: Server
    keys: dict[str, str]
    keys_path: Path

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def database_url(self) -> str:
        return self.server.database_url

    def client(self, principal: str) -> SyncLangGraphClient:
        """A langgraph-sdk client of this server with ``principal``'s key."""
        return client(self.base_url, self.keys[principal])

    def person_review(self) -> str:
        """A new thread of jonas's (C0002) asking for a person: it waits in the general queue, gil's."""
        return open_review(self.client("jonas"), PERSON_TEXT)

    def review_rows(self, thread_id: str, status: str | None = None) -> list[QueueItem]:
        """The thread's review-queue rows (of every status unless ``status``), as the audit log reads them."""
        return [i for i in open_audit_log(self.database_url).review_items(status=status) if i.thread_id == thread_id]

    def restart(self) -> None:
        """Stop the server process and start a new one over the same database (on a new port)."""
        stop(self.server)
        self.server = start_server(self.database_url, self.keys_path)


@pytest.fixture(scope="session")
def server_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's SUPPORTGRAPH_HOME with the intent router trained and cached before any server starts: the
    servers inherit it and load the router instead of each training it within its start-up limit."""
    return use_session_home(tmp_path_factory)


@pytest.fixture(scope="session")
def server_keys(tmp_path_factory: pytest.TempPathFactory, server_home: Path) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("keys") / "api-keys.yaml"
    return path, write_key_file(path, PRINCIPALS)


@pytest.fixture(scope="session")
def server_database(pg_admin_url: str) -> Iterator[str]:
    url = create_database(pg_admin_url)
    yield url
    drop_database(pg_admin_url, url)


@pytest.fixture(scope="session")
def api_server(server_database: str, server_keys: tuple[Path, dict[str, str]]) -> Iterator[ApiServer]:
    path, keys = server_keys
    handle = ApiServer(start_server(server_database, path), keys, path)
    try:
        yield handle
    finally:
        stop(handle.server)


@pytest.fixture(scope="module")
def own_server(pg_admin_url: str, server_keys: tuple[Path, dict[str, str]]) -> Iterator[ApiServer]:
    """A server of the module's own, on a fresh database: its tests spend the demo's refundable orders."""
    path, keys = server_keys
    url = create_database(pg_admin_url)
    handle = ApiServer(start_server(url, path), keys, path)
    try:
        yield handle
    finally:
        stop(handle.server)
        drop_database(pg_admin_url, url)
