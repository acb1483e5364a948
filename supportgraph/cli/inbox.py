"""``supportgraph inbox``: serve the reviewers' web inbox in front of a graph API server."""

from __future__ import annotations

import socket
from typing import Annotated
from urllib.parse import urlparse

import typer

from supportgraph.cli.common import CliError, DatabaseOpt, console
from supportgraph.cli.common import database_url_or_default as _url

# Commands import service/, evals/ and graphs/ inside the function: they load LangGraph, the router and torch
# (~2 s) that `supportgraph --help` and the other commands need not pay.


def inbox(
    api: Annotated[str, typer.Option(help="The graph API (Agent Protocol) URL, e.g. http://127.0.0.1:2024.")],
    port: Annotated[int, typer.Option(help="Port of the inbox page; 0 picks a free one.")] = 8300,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    key_header: Annotated[str, typer.Option(help="Header that carries the reviewer's API key.")] = "x-api-key",
    assistant: Annotated[str, typer.Option(help="Assistant or graph id that resumes threads.")] = "support",
    database_url: DatabaseOpt = None,
) -> None:
    """Serve the reviewers' inbox (live queue, a thread's context and customer history, the four decisions,
    workload) and the lead's dashboard (/dashboard).

    The database must be the one the API's graph writes its review queue to (SUPPORTGRAPH_DATABASE_URL).
    """
    import uvicorn

    from foundation.audit import open_audit_log
    from supportgraph.inbox import InboxSettings, create_app
    from tools.store import open_store

    parsed = urlparse(api)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise CliError(f"--api must be an http(s) URL such as http://127.0.0.1:2024, not {api!r}")
    if not 0 <= port <= 65535:
        raise CliError(f"--port must be between 0 and 65535, not {port}")
    if not key_header.strip() or any(c in key_header for c in " :\r\n"):
        raise CliError(f"--key-header must be a header name, not {key_header!r}")
    url = _url(database_url)
    app = create_app(InboxSettings(api_url=api, key_header=key_header.lower(), assistant_id=assistant),
                     open_audit_log(url), store=open_store(url))
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)  # connections made from here on wait in the backlog until the server accepts them
    bound = sock.getsockname()[1]
    console.print(f"reviewers' inbox on http://{host}:{bound}/ (graph API {api})", markup=False)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    server.run(sockets=[sock])
