"""The custom app aegra.json names (``http.app``): Aegra mounts its Agent Protocol routes on it.

The app adds one thing of its own: the access guard in front of every route (supportgraph.server.guard).
"""

from __future__ import annotations

from fastapi import FastAPI

from supportgraph.server.guard import AccessGuard

app = FastAPI(title="supportgraph", description="The support graph behind the Agent Protocol (Aegra).")
app.add_middleware(AccessGuard)
