"""Fixtures of the end-to-end CLI tests: ``run_cli`` runs ``python -m supportgraph`` as a real subprocess,
``call_cli`` runs the same command line in this process.

Each subprocess imports LangGraph and loads the router and the embedding model (3–5 s of CPU), so the tests share
one ``SUPPORTGRAPH_HOME`` (and with it the intent-router cache) for the whole session, and a test whose subject
is not the process (a refusal, a listing, a help text) calls the command in process, where all of that is loaded
once per test process.
"""

from __future__ import annotations

import subprocess
import sys
import traceback
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




@pytest.fixture(scope="session")
def call_cli(cli_home: Path) -> RunCli:
    """Run the command line ``supportgraph ARGS`` in this process (what ``python -m supportgraph`` runs after
    setting up logging), with stdin, stdout, stderr and the environment of ``run_cli``'s subprocess swapped in;
    an exception that is not a refusal is returned as a traceback on stderr and exit status 1."""
    from click.testing import CliRunner

    from foundation.settings import get_settings
    from supportgraph.cli import run

    def call(*args: str, database_url: str | None = None, stdin: bytes | str | None = None,
             extra_env: dict[str, str] | None = None) -> CliResult:
        env: dict[str, str | None] = {"SUPPORTGRAPH_HOME": str(cli_home), "SUPPORTGRAPH_DATABASE_URL": database_url,
                                      "FORCE_COLOR": None, **(extra_env or {})}
        with CliRunner().isolation(input=stdin if stdin is not None else b"", env=env) as (out, err, _):
            get_settings.cache_clear()
            try:
                run(list(args))
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except Exception:
                traceback.print_exc(file=sys.stderr)
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                get_settings.cache_clear()
        return CliResult(tuple(args), code, out.getvalue().decode("utf-8", errors="replace"),
                         err.getvalue().decode("utf-8", errors="replace"))

    return call
