"""The custom app of ``langgraph dev`` (langgraph.json ``http.app``): no keys and no roles (a developer's own
machine), but the same rule as ``supportgraph serve`` for failures: no response or streamed event carries SQL,
parameters or a traceback — a request id instead, the details in the server log.

Its middleware shapes what the route table's views shape for a reviewer (supportgraph.server.rules, views):
streamed ``error`` events, run records' ``error_message``, the state's run error, and any 5xx body.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from supportgraph.server.errors import internal_error
from supportgraph.server.guard import Shaper, _request_id
from supportgraph.server.rules import Rules
from supportgraph.server.threads import ThreadIndex


class ErrorShield:
    """ASGI middleware: every response through the Shaper of the route's view, as a reviewer would see it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.rules = Rules(ThreadIndex("sqlite:///unused"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        routed = self.rules.route(scope["method"], scope.get("path", ""))
        view = routed[0].view if routed is not None else None
        if view is None and scope.get("path", "").rstrip("/").endswith("/stream"):
            view = "stream"  # stateless and joined streams: their error events too
        shaper = Shaper(send, view, False, _request_id())
        await self.app(scope, receive, shaper)


app = FastAPI(title="supportgraph (langgraph dev)")
app.add_middleware(ErrorShield)
app.add_exception_handler(Exception, internal_error)
