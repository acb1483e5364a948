"""Fixtures of the browser tests: a graph API on loopback, the inbox in front of it, and headless chromium.

The graph API is ``langgraph dev`` (the Agent Protocol as Studio serves it) on a free port, in its own working
directory with a fresh SQLite business store and review queue; the inbox is ``python -m supportgraph inbox``.
Chromium is Debian's (/usr/bin/chromium, installed by ``make test``); in CI a missing browser fails the tests.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SUPPORTGRAPH_CHROMIUM", "/usr/bin/chromium")
START_TIMEOUT = 240  # seconds: a cold start imports torch and loads the embedding model


@dataclass(frozen=True)
class GraphApi:
    url: str
    database_url: str
    key: str | None = None  # langgraph dev has no auth


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path, database_url: str) -> dict[str, str]:
    env = {**os.environ, "SUPPORTGRAPH_HOME": str(home), "SUPPORTGRAPH_DATABASE_URL": database_url,
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "LANGSMITH_TRACING": "false",
           "LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true", "OMP_WAIT_POLICY": "PASSIVE",
           "PYTHONUNBUFFERED": "1"}
    env.pop("FORCE_COLOR", None)
    return env


def _stop(process: subprocess.Popen[Any]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _log_tail(path: Path) -> str:
    return path.read_text(errors="replace")[-4000:] if path.exists() else ""


@pytest.fixture(scope="module")
def web_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's SUPPORTGRAPH_HOME with the intent router trained and cached (shared with tests/graph)."""
    from tests.graph.session_home import use_session_home

    return use_session_home(tmp_path_factory)


@pytest.fixture(scope="module")
def graph_api(tmp_path_factory: pytest.TempPathFactory, web_home: Path) -> Iterator[GraphApi]:
    """``langgraph dev`` serving the support graph on a free loopback port, on a fresh SQLite store."""
    workdir = tmp_path_factory.mktemp("langgraph-dev")
    database_url = f"sqlite:///{workdir / 'supportgraph.db'}"
    port = _free_port()
    log = workdir / "server.log"
    langgraph = Path(sys.executable).with_name("langgraph")
    # The project's langgraph.json with its paths made absolute: the server runs in workdir (where it keeps its
    # own files), not in the repository.
    config = json.loads((REPO / "langgraph.json").read_text())
    config["dependencies"] = [str(REPO / d) if d.startswith(".") else d for d in config["dependencies"]]
    config["graphs"] = {name: str(REPO / spec) if spec.startswith(".") else spec
                        for name, spec in config["graphs"].items()}
    (workdir / "langgraph.json").write_text(json.dumps(config))
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(langgraph), "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1", "--port", str(port),
             "--config", str(workdir / "langgraph.json")],
            cwd=workdir, env=_env(web_home, database_url), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"langgraph dev exited with {process.returncode}:\n{_log_tail(log)}")
            try:
                if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"langgraph dev did not answer on {url} in {START_TIMEOUT}s:\n{_log_tail(log)}")
            time.sleep(0.3)
        print(f"\n[inbox tests] langgraph dev ready on {url} after {time.monotonic() - deadline + START_TIMEOUT:.1f}s")
        yield GraphApi(url=url, database_url=database_url)
    finally:
        _stop(process)


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
        _stop(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian chromium driven by playwright (no browser download: executable_path)."""
    if not Path(CHROMIUM).is_file() or shutil.which(CHROMIUM) is None:
        reason = f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def artifacts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $SUPPORTGRAPH_TEST_ARTIFACTS if set, else a pytest temp dir (path printed)."""
    configured = os.environ.get("SUPPORTGRAPH_TEST_ARTIFACTS")
    path = Path(configured) if configured else tmp_path_factory.mktemp("artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path
