"""Fixtures of the scenario-evaluation tests: the session's SUPPORTGRAPH_HOME with the router trained once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.graph.session_home import use_session_home


@pytest.fixture(scope="session", autouse=True)
def supportgraph_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return use_session_home(tmp_path_factory)
