"""One ``SUPPORTGRAPH_HOME`` per test session, shared by tests/graph and tests/reasoners.

The intent router is trained (or loaded) under ``$SUPPORTGRAPH_HOME/cache`` on first use and the MiniLM model is
loaded once per process; both happen here, once, so individual tests never pay for them. What they build (the
ONNX graph, the distilled vectors, both heads, the cascade's threshold, the familiarity neighbours) is kept
between sessions under ``.test-cache/`` (or ``$SUPPORTGRAPH_TEST_CACHE``), in a folder keyed by a hash of the
code and data that build it: the product's own cache files are named by a fingerprint of the examples and the
recipe, and the folder's key makes any change to the building code start from an empty cache, so a session
trains afresh exactly when the result could differ.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import pytest

from tests.workers import file_lock

ROOT = Path(__file__).resolve().parents[2]
TEST_CACHE = Path(os.environ.get("SUPPORTGRAPH_TEST_CACHE", ROOT / ".test-cache"))
# Everything that decides what the router's cache files hold (their names carry the examples' fingerprint).
MODEL_SOURCES = ("graphs/reasoners/local", "graphs/support/familiarity.py", "foundation/minilm_onnx.py",
                 "foundation/embeddings.py")
COMPLETE = ".complete"  # stored last: a warm-up put every file there (copy_cache skips dotfiles)
_home: Path | None = None


def model_cache() -> Path:
    """The folder of this code's built models under the test cache (keyed by the code and data building them)."""
    digest = hashlib.sha256()
    for source in MODEL_SOURCES:
        path = ROOT / source
        for f in sorted(path.rglob("*") if path.is_dir() else [path]):
            if f.is_file() and "__pycache__" not in f.parts:
                digest.update(f"{f.relative_to(ROOT)}\n".encode())
                digest.update(f.read_bytes())
    return TEST_CACHE / f"models-{digest.hexdigest()[:16]}"


def copy_cache(source: Path, target: Path) -> None:
    """Copy the files of ``source`` that ``target`` lacks (each appears whole: copied aside, then renamed)."""
    if not source.is_dir():
        return
    target.mkdir(parents=True, exist_ok=True)
    for f in source.iterdir():
        if f.is_file() and not f.name.startswith(".") and ".tmp" not in f.name and not (target / f.name).exists():
            part = target / f".{f.name}.{os.getpid()}.part"
            shutil.copy2(f, part)
            part.replace(target / f.name)


def use_session_home(factory: pytest.TempPathFactory) -> Path:
    """Point the settings at a session temp dir (once) and warm up the model and the router."""
    global _home
    if _home is not None:
        return _home
    home = factory.mktemp("supportgraph-home")
    started = time.perf_counter()
    warm_up(home)
    print(f"\n[supportgraph tests] router ready under {home} in {time.perf_counter() - started:.1f}s")
    _home = home
    return home


def warm_up(home: Path) -> None:
    """Make ``home`` this process's SUPPORTGRAPH_HOME and load the router, the neighbours and MiniLM there, from
    the stored cache; what is missing there is built here and stored for the next process."""
    os.environ["SUPPORTGRAPH_HOME"] = str(home)
    os.environ.pop("SUPPORTGRAPH_DATABASE_URL", None)

    from foundation.settings import get_settings
    from graphs.reasoners.local.embedder import embed
    from graphs.reasoners.local.router import load_router, load_thorough_router
    from graphs.support.familiarity import load_neighbours

    get_settings.cache_clear()
    load_router.cache_clear()
    load_thorough_router.cache_clear()
    load_neighbours.cache_clear()
    assert get_settings().home == home, "SUPPORTGRAPH_HOME was not picked up by the settings"
    stored = model_cache()
    # Parallel workers (pytest -n) share the stored cache: one process builds it (under the lock) while the others
    # wait, then they copy what it built instead of each training the router again.
    with file_lock(stored.with_name(stored.name + ".lock")) if not (stored / COMPLETE).exists() else nullcontext():
        copy_cache(stored, home / "cache")
        load_router()
        load_neighbours()
        embed(["warm up"])
        copy_cache(home / "cache", stored)
        (stored / COMPLETE).touch()


def build_model_cache() -> None:
    """Build the stored cache unless it is complete, in a throwaway home: what a parallel run's controller has a
    process of its own do before any worker starts (tests/conftest.py), outside every test's timeout."""
    if (model_cache() / COMPLETE).exists():
        return
    with tempfile.TemporaryDirectory(prefix="sg-test-cache-") as folder:
        warm_up(Path(folder))


if __name__ == "__main__":
    build_model_cache()
