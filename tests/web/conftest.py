"""Fixtures of the browser tests: a graph API on loopback, the inbox in front of it, and headless chromium.

The graph API is ``supportgraph serve`` (Aegra on a fresh Postgres database, API keys with roles: the fixture of
tests/server); the inbox is ``python -m supportgraph inbox`` in front of it.
Chromium is the session's ``browser`` (tests/conftest.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from evals.served import stop_process

# The API server of tests/server (supportgraph serve with its principals), imported as its branch provides it.
from tests.server.conftest import ApiServer, api_server, server_database, server_home, server_keys  # noqa: F401


@dataclass(frozen=True)
class GraphApi:
    url: str
    database_url: str
    keys: dict[str, str]  # principal name → API key (empty: a server without auth)


def _env(home: Path, database_url: str) -> dict[str, str]:
    env = {**os.environ, "SUPPORTGRAPH_HOME": str(home), "SUPPORTGRAPH_DATABASE_URL": database_url,
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "LANGSMITH_TRACING": "false",
           "OMP_WAIT_POLICY": "PASSIVE",
           "PYTHONUNBUFFERED": "1"}
    env.pop("FORCE_COLOR", None)
    return env


def _log_tail(path: Path) -> str:
    return path.read_text(errors="replace")[-4000:] if path.exists() else ""


@pytest.fixture(scope="session")
def web_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's SUPPORTGRAPH_HOME with the intent router trained and cached (shared with tests/graph).

    Requested before the API server starts, so the server inherits the home and never trains the router itself.
    """
    from tests.graph.session_home import use_session_home

    return use_session_home(tmp_path_factory)


@pytest.fixture(scope="module")
def graph_api(web_home: Path, api_server: ApiServer) -> GraphApi:  # noqa: F811
    """``supportgraph serve`` (Aegra on a fresh Postgres database, API keys with roles), from tests/server."""
    return GraphApi(url=api_server.base_url, database_url=api_server.database_url, keys=dict(api_server.keys))


@dataclass(frozen=True)
class Inbox:
    url: str
    api: GraphApi


@pytest.fixture(scope="module")
def inbox_server(graph_api: GraphApi, web_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inbox]:
    """``python -m supportgraph inbox --api URL --port 0``, read back from the line it prints."""
    log = tmp_path_factory.mktemp("inbox") / "inbox.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "supportgraph", "inbox", "--api", graph_api.url, "--port", "0"],
        env=_env(web_home, graph_api.database_url), stdout=subprocess.PIPE, stderr=log.open("wb"))
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        if "http://" not in line:
            pytest.fail(f"supportgraph inbox did not start: {line!r}\n{_log_tail(log)}")
        url = line[line.index("http://"):].split()[0]
        yield Inbox(url=url, api=graph_api)
    finally:
        stop_process(process)


@pytest.fixture(scope="session")
def artifacts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $SUPPORTGRAPH_TEST_ARTIFACTS if set, else a pytest temp dir (path printed)."""
    configured = os.environ.get("SUPPORTGRAPH_TEST_ARTIFACTS")
    path = Path(configured) if configured else tmp_path_factory.mktemp("artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path
