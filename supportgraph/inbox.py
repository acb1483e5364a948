"""The reviewers' web inbox: web/inbox/ served as static files, the graph API behind ``/api``, and the queue index.

The page talks to the Agent Protocol server (``langgraph dev``, ``supportgraph serve``) exactly as langgraph-sdk
does, through ``/api/…``: this app forwards every request there unchanged, API-key header included, so the
server decides who may see and resume what. Two small routes add what the Agent Protocol has no word for, both
backed by the ``review_queue`` index that ``supportgraph review list/assign`` already use:

- ``GET /inbox/reviews``: priority, SLA due time, assignee and age of the open reviews, limited to the
  interrupted threads the caller's key can see (asked of the API with that key);
- ``POST /inbox/threads/{id}/assign`` (body ``{}`` or ``{"reviewer": NAME}``): assign a thread, once the API has
  confirmed the caller's key may read that thread. The assignee is the caller as the API knows the key
  (``GET /whoami``, supportgraph/server/guard.py): a reviewer key assigns to its own name only, and only an admin
  key may name someone else. In front of an API without keys (``langgraph dev``: no ``/whoami``) there is no
  identity to check, and the name in the body is the assignee.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from foundation.audit import AuditLog, QueueItem

WEB_DIR = Path(__file__).resolve().parent.parent / "web" / "inbox"
# Hop-by-hop headers (RFC 9110 §7.6.1) and those httpx sets itself are not forwarded.
_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length", "accept-encoding"}
MAX_REVIEWER = 100
SEARCH_PAGE = 100  # the Agent Protocol's largest page
SEARCH_PAGES = 50


@dataclass(frozen=True)
class InboxSettings:
    api_url: str
    key_header: str = "x-api-key"
    assistant_id: str = "support"
    api_timeout: float = 300.0


def create_app(settings: InboxSettings, audit: AuditLog, *, web_dir: Path = WEB_DIR,
               transport: httpx.AsyncBaseTransport | None = None) -> Starlette:
    """The inbox app; ``audit`` is the review-queue index of the database the API's graph writes to.

    ``transport`` replaces the network between this app and the API (tests).
    """
    if not (web_dir / "index.html").is_file():
        raise FileNotFoundError(f"the inbox page is missing: {web_dir / 'index.html'}")
    api = settings.api_url.rstrip("/")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient(base_url=api, timeout=settings.api_timeout, transport=transport) as client:
            app.state.client = client
            yield

    def client(request: Request) -> httpx.AsyncClient:
        return request.app.state.client

    async def index(request: Request) -> Response:
        return FileResponse(web_dir / "index.html", headers={"cache-control": "no-store"})

    async def config(request: Request) -> Response:
        return JSONResponse({"key_header": settings.key_header, "assistant_id": settings.assistant_id,
                             "api_base": "/api", "reviews_url": "/inbox/reviews",
                             "assign_url": "/inbox/threads/{thread_id}/assign"})

    async def proxy(request: Request) -> Response:
        path = request.path_params["path"]
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        try:
            upstream = await client(request).request(
                request.method, f"/{path}", params=str(request.query_params), headers=headers,
                content=await request.body())
        except httpx.HTTPError as exc:
            return JSONResponse({"detail": f"the graph API at {api} did not answer: {type(exc).__name__}"},
                                status_code=502)
        kept = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP | {"content-encoding"}}
        return Response(upstream.content, status_code=upstream.status_code, headers=kept)

    def _caller(request: Request) -> dict[str, str]:
        key = request.headers.get(settings.key_header)
        return {settings.key_header: key} if key else {}

    async def reviews(request: Request) -> Response:
        visible: set[str] = set()
        for page in range(SEARCH_PAGES):
            try:
                found = await client(request).post(
                    "/threads/search", headers=_caller(request),
                    json={"status": "interrupted", "limit": SEARCH_PAGE, "offset": page * SEARCH_PAGE})
            except httpx.HTTPError as exc:
                return JSONResponse({"detail": f"the graph API did not answer: {type(exc).__name__}"},
                                    status_code=502)
            if found.status_code != 200:
                return Response(found.content, status_code=found.status_code,
                                media_type=found.headers.get("content-type"))
            threads = found.json()
            visible |= {t["thread_id"] for t in threads if isinstance(t, dict) and "thread_id" in t}
            if len(threads) < SEARCH_PAGE:
                break
        now = datetime.now(UTC)
        # The index is read in a worker thread: a blocking query must not stall the proxy's event loop.
        waiting = await asyncio.to_thread(audit.review_items, status=None)
        items = [_review_json(i, now) for i in waiting if i.thread_id in visible and i.status in ("open", "resolving")]
        return JSONResponse({"now": now.isoformat(), "reviews": items})

    async def identity(request: Request) -> dict[str, Any] | Response | None:
        """Who the caller's key is, as the API says (``GET /whoami``); None when the API has no identities."""
        try:
            answer = await client(request).get("/whoami", headers=_caller(request))
        except httpx.HTTPError as exc:
            return JSONResponse({"detail": f"the graph API did not answer: {type(exc).__name__}"}, status_code=502)
        if answer.status_code == 404:
            return None
        if answer.status_code != 200:
            return Response(answer.content, status_code=answer.status_code,
                            media_type=answer.headers.get("content-type"))
        who = answer.json()
        return who if isinstance(who, dict) else None

    async def assign(request: Request) -> Response:
        thread_id = request.path_params["thread_id"]
        usage = f"the body must be {{}} or {{\"reviewer\": NAME}} (a name of 1 to {MAX_REVIEWER} characters)"
        try:
            body = await request.json() if await request.body() else {}
        except ValueError:
            return JSONResponse({"detail": usage}, status_code=400)
        if not isinstance(body, dict) or set(body) - {"reviewer"}:
            return JSONResponse({"detail": usage}, status_code=422)
        named = body.get("reviewer")
        if named is not None and (not isinstance(named, str) or not named.strip() or len(named) > MAX_REVIEWER):
            return JSONResponse({"detail": usage}, status_code=422)
        named = named.strip() if named is not None else None
        who = await identity(request)
        if isinstance(who, Response):
            return who
        if who is None:  # an API without keys: nobody to check the name against
            if named is None:
                return JSONResponse({"detail": "this API has no identities: name the reviewer ({\"reviewer\": NAME})"},
                                    status_code=422)
            assignee = named
        elif who.get("role") not in ("reviewer", "admin"):
            return JSONResponse({"detail": f"a {who.get('role')} key does not work the review queue"},
                                status_code=403)
        else:
            assignee = named or str(who.get("name"))
            if assignee != who.get("name") and who.get("role") != "admin":
                return JSONResponse({"detail": f"this key is {who.get('name')}'s: a {who.get('role')} key assigns "
                                               "reviews to itself only; an admin key may assign them to others"},
                                    status_code=403)
        try:
            seen = await client(request).get(f"/threads/{thread_id}", headers=_caller(request))
        except httpx.HTTPError as exc:
            return JSONResponse({"detail": f"the graph API did not answer: {type(exc).__name__}"}, status_code=502)
        if seen.status_code != 200:
            return Response(seen.content, status_code=seen.status_code, media_type=seen.headers.get("content-type"))
        if not await asyncio.to_thread(audit.assign_review, thread_id, assignee):
            return JSONResponse({"detail": f"thread {thread_id} has no open review to assign"}, status_code=409)
        return JSONResponse({"thread_id": thread_id, "assigned_to": assignee})

    return Starlette(
        routes=[
            Route("/", index),
            Route("/inbox/config", config),
            Route("/inbox/reviews", reviews),
            Route("/inbox/threads/{thread_id:str}/assign", assign, methods=["POST"]),
            Route("/api/{path:path}", proxy, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            Mount("/", StaticFiles(directory=web_dir), name="page"),
        ],
        lifespan=lifespan,
    )


def _review_json(item: QueueItem, now: datetime) -> dict[str, Any]:
    return {
        "thread_id": item.thread_id, "turn": item.turn, "queue": item.queue, "priority": item.priority,
        "status": item.status, "customer_id": item.customer_id, "summary": item.summary, "reasons": item.reasons,
        "confidence": item.confidence, "assigned_to": item.assigned_to, "created_at": item.created_at.isoformat(),
        "age_seconds": int((now - item.created_at).total_seconds()), "sla_due_at": item.sla_due_at.isoformat(),
        "sla_seconds_left": int((item.sla_due_at - now).total_seconds()),
    }
