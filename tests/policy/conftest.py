"""Fixtures of the policy fuzzer's tests: the session's SUPPORTGRAPH_HOME (the router is built once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.graph.session_home import use_session_home


@pytest.fixture(scope="session", autouse=True)
def supportgraph_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return use_session_home(tmp_path_factory)
