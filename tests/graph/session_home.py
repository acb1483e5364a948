"""One ``SUPPORTGRAPH_HOME`` per test session, shared by tests/graph and tests/reasoners.

The intent router is trained (or loaded) under ``$SUPPORTGRAPH_HOME/cache`` on first use and the MiniLM model is
loaded once per process; both happen here, once, so individual tests never pay for them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

_home: Path | None = None


def use_session_home(factory: pytest.TempPathFactory) -> Path:
    """Point the settings at a session temp dir (once) and warm up the model and the router."""
    global _home
    if _home is not None:
        return _home
    home = factory.mktemp("supportgraph-home")
    os.environ["SUPPORTGRAPH_HOME"] = str(home)
    os.environ.pop("SUPPORTGRAPH_DATABASE_URL", None)

    from foundation.settings import get_settings
    from graphs.reasoners.local.embedder import embed
    from graphs.reasoners.local.router import load_router, load_thorough_router

    get_settings.cache_clear()
    load_router.cache_clear()
    load_thorough_router.cache_clear()
    assert get_settings().home == home, "SUPPORTGRAPH_HOME was not picked up by the settings"
    started = time.perf_counter()
    load_router()
    embed(["warm up"])
    print(f"\n[supportgraph tests] router ready under {home} in {time.perf_counter() - started:.1f}s")
    _home = home
    return home
