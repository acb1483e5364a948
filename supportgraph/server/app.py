"""The custom app aegra.json names (``http.app``): Aegra mounts its Agent Protocol routes on it.

It adds the access guard in front of every route and serves the reviewers' web inbox (web/inbox/) when the
project has one.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from supportgraph.server.guard import AccessGuard

INBOX_DIR = Path(__file__).resolve().parents[2] / "web" / "inbox"

app = FastAPI(title="supportgraph", description="The support graph behind the Agent Protocol (Aegra).")
app.add_middleware(AccessGuard)
if INBOX_DIR.is_dir():
    app.mount("/inbox", StaticFiles(directory=INBOX_DIR, html=True), name="inbox")
