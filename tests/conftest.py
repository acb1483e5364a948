"""Shared fixtures: both databases, and a guard that fails any real model call."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import workers
from tests.pg import create_database, drop_database, postgres_server

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("LANGSMITH_TRACING", "false")
# Tests ask for the demo company: a store a test (or a command it runs, or a server it starts) opens first is
# migrated and seeded, as `supportgraph db upgrade` and `supportgraph demo seed` would do it. Tests of the
# lifecycle itself clear this (tests/tools/test_store_lifecycle.py).
os.environ.setdefault("SUPPORTGRAPH_PROVISION_DEMO", "true")


def pytest_configure(config: pytest.Config) -> None:
    """The servers the tests start through evals/served.py (``supportgraph serve``, the floor graph) bind a port
    of this worker's own range: parallel workers (``pytest -n 2``) never race for one (tests/workers.py)."""
    import evals.served

    evals.served.free_port = workers.free_port


def pytest_sessionstart(session: pytest.Session) -> None:
    """A parallel run's controller (``pytest -n N``) has the router's cache (tests/graph/session_home.py) built once,
    by a process of its own, before any worker starts: training it inside a worker's first test would count
    against that test's timeout while the other workers wait for it."""
    if workers.worker_id() != "main" or not getattr(session.config.option, "numprocesses", None):
        return
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    subprocess.run([sys.executable, "-m", "tests.graph.session_home"], cwd=root, env=env, check=True)


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    with postgres_server() as url:
        if url is None:
            reason = "PostgreSQL is not running and no local binaries were found to start one"
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI must test Postgres: {reason}")
            print(f"\n!!! SKIPPING POSTGRES TESTS: {reason} !!!\n")
            pytest.skip(reason)
        yield url


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty Postgres database for one test."""
    url = create_database(pg_admin_url)
    try:
        yield url
    finally:
        from foundation.db import close_database

        close_database(url)  # release pooled connections before dropping the database
        drop_database(pg_admin_url, url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes this runs once on a fresh SQLite file and once on a fresh Postgres database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'supportgraph.db'}"
    return str(request.getfixturevalue("pg_url"))


CHROMIUM = os.environ.get("SUPPORTGRAPH_CHROMIUM", "/usr/bin/chromium")


def missing_in_ci(reason: str) -> None:
    """Something a test needs is not installed: a failure in CI, a skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian chromium driven by playwright (no browser download: executable_path), launched once per
    module of browser tests (each test opens its own pages). Not per session: playwright's sync API keeps an event
    loop running in the main thread while it is open, and later tests that call asyncio.run would fail."""
    if not Path(CHROMIUM).is_file() or shutil.which(CHROMIUM) is None:
        missing_in_ci(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(autouse=True)
def _no_real_model_calls(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any call that would reach a hosted model; tests use scripted fake chat models instead.

    Integration tests that talk to a local OpenAI-compatible fake server mark themselves
    ``@pytest.mark.local_model_server``.
    """
    if request.node.get_closest_marker("local_model_server"):
        return
    import openai

    def _refuse(*_: object, **__: object) -> None:
        raise AssertionError("a test tried to call a real model API; use a scripted fake chat model")

    monkeypatch.setattr(openai._base_client.SyncAPIClient, "request", _refuse)
    monkeypatch.setattr(openai._base_client.AsyncAPIClient, "request", _refuse)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the Postgres templates of the seeded demo company (tests/seeded.py) this session made."""
    from tests.seeded import drop_templates

    drop_templates()
