"""The custom app aegra.json names (``http.app``): Aegra mounts its Agent Protocol routes on it.

The app adds the access guard in front of every route (supportgraph.server.guard), and its own handler for
failures, which answers with a request id instead of Aegra's exception text (supportgraph.server.errors).
"""

from __future__ import annotations

from fastapi import FastAPI

from supportgraph.server.errors import internal_error
from supportgraph.server.guard import AccessGuard

app = FastAPI(title="supportgraph", description="The support graph behind the Agent Protocol (Aegra).")
app.add_middleware(AccessGuard)
app.add_exception_handler(Exception, internal_error)  # Aegra keeps a handler the app already has
