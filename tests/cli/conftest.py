"""Fixtures of the end-to-end CLI tests: every test runs ``python -m supportgraph`` as a real subprocess.

Each subprocess loads the embedding model, so the tests share one ``SUPPORTGRAPH_HOME`` (and with it the
intent-router cache) for the whole session and keep the number of subprocesses small.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import CLI_TIMEOUT, CliResult, RunCli, cli_env
from tests.graph.session_home import copy_cache, use_session_home


@pytest.fixture(scope="session")
def cli_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SUPPORTGRAPH_HOME shared by every CLI subprocess of the session, with the intent router cached.

    The session home's whole model cache is copied in (the router's heads, the ONNX graph, the cascade's
    threshold, the familiarity neighbours: file names carry a fingerprint of what built them, so a stale one is
    simply ignored); then one subprocess loads the router, so no test pays for training or exporting.
    """
    # The session's own home trains the router (and distils its static vectors) once for every test directory;
    # the CLI's home starts from a copy of that cache.
    existing = use_session_home(tmp_path_factory) / "cache"
    home = tmp_path_factory.mktemp("supportgraph-cli-home")
    cache = home / "cache"
    cache.mkdir()
    copy_cache(existing, cache)
    done = subprocess.run([sys.executable, "-c", "from graphs.reasoners.local.router import load_router; "
                           "load_router()"], env=cli_env(home, None), capture_output=True, timeout=CLI_TIMEOUT,
                          check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    assert list(cache.glob("intent-router-*.npz")), "the router cache was not written"
    return home


@pytest.fixture(scope="session")
def run_cli(cli_home: Path) -> RunCli:
    """Run ``python -m supportgraph ARGS`` with the shared home; ``database_url=None`` uses the default."""

    def run(*args: str | bytes, database_url: str | None = None, stdin: bytes | str | None = None,
            extra_env: dict[str, str] | None = None) -> CliResult:
        data = stdin.encode() if isinstance(stdin, str) else stdin
        done = subprocess.run([sys.executable, "-m", "supportgraph", *args],
                              env={**cli_env(cli_home, database_url), **(extra_env or {})},
                              input=data if data is not None else b"", capture_output=True,
                              timeout=CLI_TIMEOUT, check=False)
        return CliResult(tuple(args), done.returncode, done.stdout.decode("utf-8", errors="replace"),
                         done.stderr.decode("utf-8", errors="replace"))

    return run


