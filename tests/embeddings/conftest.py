"""The embedding tests export the ONNX graph into a fresh SUPPORTGRAPH_HOME, as a first run would (per module,
restored afterwards: later test directories rely on the session's home)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="module", autouse=True)
def fresh_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from foundation.settings import get_settings

    home = tmp_path_factory.mktemp("embeddings-home")
    previous = os.environ.get("SUPPORTGRAPH_HOME")
    os.environ["SUPPORTGRAPH_HOME"] = str(home)
    get_settings.cache_clear()
    try:
        yield home
    finally:
        if previous is None:
            os.environ.pop("SUPPORTGRAPH_HOME", None)
        else:
            os.environ["SUPPORTGRAPH_HOME"] = previous
        get_settings.cache_clear()
