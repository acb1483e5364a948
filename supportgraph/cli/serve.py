"""``supportgraph serve``: the support graph behind the Agent Protocol (Aegra on Postgres), with API keys."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from foundation.principals import hash_key
from foundation.settings import get_settings
from supportgraph.cli.common import CliError, DatabaseOpt, console
from supportgraph.server.keys import KEYS_ENV, KeyFileError, load_keys
from supportgraph.server.launch import AEGRA_CONFIG, prepare_database, server_environment, warm_models


def serve(
    database_url: DatabaseOpt = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8123,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes over the one database.")] = 1,
    api_keys: Annotated[Path | None, typer.Option(help=f"API key file (default: ${KEYS_ENV}).")] = None,
    hash_key_: Annotated[str | None, typer.Option("--hash-key", metavar="KEY",
                                                  help="Print KEY's sha256 for the key file and exit.")] = None,
) -> None:
    """Serve the support graph over HTTP (Agent Protocol, as langgraph-sdk speaks it) on a Postgres database."""
    if hash_key_ is not None:
        console.print(hash_key(hash_key_))
        return
    url = database_url or os.environ.get("SUPPORTGRAPH_DATABASE_URL")
    if not url or not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        raise CliError("serve needs a Postgres database: pass --database-url postgresql://user@host:5432/db "
                       "or set SUPPORTGRAPH_DATABASE_URL")
    keys_path = api_keys or (Path(os.environ[KEYS_ENV]) if os.environ.get(KEYS_ENV) else None)
    if keys_path is None:
        raise CliError(f"serve needs API keys: pass --api-keys FILE or set {KEYS_ENV} (see docs/deploying.md)")
    try:
        registry = load_keys(keys_path)
    except KeyFileError as exc:
        raise CliError(str(exc)) from None
    os.environ.update(server_environment(url, keys_path))
    get_settings.cache_clear()  # the graph, the store and the model cache read the environment just set
    prepare_database(url)
    console.print(f"loading the models (model cache {os.environ['SUPPORTGRAPH_HOME']}/cache; the first start "
                  "builds it, ~1-2 min)")
    loaded = warm_models(turn=False)  # the cache built once; each worker loads the rest at its start
    import uvicorn

    console.print(f"supportgraph API on http://{host}:{port} ({workers} worker(s), {len(registry.by_hash)} API "
                  f"key(s), config {AEGRA_CONFIG}, models ready in {loaded['seconds']} s; GET /ready answers "
                  "once a worker has loaded them)")
    uvicorn.run("aegra_api.main:app", host=host, port=port, workers=workers, log_level="warning",
                timeout_graceful_shutdown=5)
