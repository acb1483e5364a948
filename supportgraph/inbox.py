"""The reviewers' web inbox: web/inbox/ served as static files, the graph API behind ``/api``, and the routes the
Agent Protocol has no word for, backed by the ``review_queue`` index that ``supportgraph review`` uses too.

The page talks to the Agent Protocol server (``langgraph dev``, ``supportgraph serve``) exactly as langgraph-sdk
does, through ``/api/…``: this app forwards every request there unchanged, API-key header included, so the
server decides who may see and resume what. Its own routes ask the API with the caller's key, too
(supportgraph/inbox_caller.py): who the key is (``GET /whoami``), which threads it may see.

- ``GET /inbox/reviews``: the open reviews the key may see (priority, SLA, assignee, age, intents), filtered by
  ``queue``, ``priority``, ``breached``, ``customer``, ``intent`` and ``q`` (words of the summary or reasons);
  with ``after=TOKEN`` it answers once the queue has changed from that token (long poll, ``wait`` seconds);
  the reviews decided in the last hour come with it;
- ``POST /inbox/threads/{id}/assign`` (``{}``: to the key's own name; ``{"reviewer": NAME}``: an admin key
  only, or an API without identities);
- ``GET /inbox/threads/{id}/customer``: the thread's customer: profile and plan, recent orders, open tickets,
  earlier threads in the key's queues (service/review_desk.py);
- ``GET /inbox/workload``: waiting reviews, the oldest, decided today per reviewer, in the key's queues;
- ``GET /inbox/dashboard?days=30&bucket=day&queue=billing``: the lead's figures and their trend
  (service/metrics/dashboard.py); a reviewer key sees its own queues' only. ``/dashboard`` is its page.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, get_args

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from foundation.audit import AuditLog, QueueItem
from graphs.support.confidence import EXPLAIN
from graphs.support.state import Queue
from service.metrics.dashboard import Bucket, dashboard_data
from service.metrics.model import MetricsSettings
from service.metrics.report import WEB_DIR
from service.review_desk import customer_history, queue_token, recent_decisions, turn_intents, workload
from supportgraph.inbox_caller import Refused, Upstream
from tools.store import BusinessStore

# Hop-by-hop headers (RFC 9110 §7.6.1) and those httpx sets itself are not forwarded.
_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length", "accept-encoding"}
MAX_REVIEWER = 100
MAX_WAIT = 25.0  # seconds a long poll of the queue may wait for a change
POLL_SECONDS = 0.5  # how often a waiting poll looks at the queue's change token
RECENT = timedelta(hours=1)  # decisions shown as "just decided"
SETTLING = timedelta(minutes=1)  # a new review whose thread the API does not list yet, for at most this long
QUEUES: tuple[str, ...] = get_args(Queue)
PRIORITIES = ("urgent", "high", "normal", "low")


@dataclass(frozen=True)
class ReviewQuery:
    """Filters of ``GET /inbox/reviews``; ``after``/``wait``: the long poll."""

    queue: str | None = None
    priority: str | None = None
    breached: bool = False
    customer: str | None = None
    intent: str | None = None
    q: str | None = None
    after: str | None = None
    wait: float = 0.0

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> ReviewQuery:
        unknown = set(params) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown filter(s) {', '.join(sorted(unknown))}; known: "
                             f"{', '.join(cls.__dataclass_fields__)}")
        _one_of("queue", params.get("queue"), QUEUES)
        _one_of("priority", params.get("priority"), PRIORITIES)
        _one_of("breached", params.get("breached"), ("0", "1", "true", "false"))
        try:
            wait = float(params.get("wait", "0"))
        except ValueError:
            raise ValueError(f"wait must be a number of seconds, not {params['wait']!r}") from None
        if not 0 <= wait <= MAX_WAIT:
            raise ValueError(f"wait must be between 0 and {MAX_WAIT:.0f} seconds")
        texts = {k: params.get(k, "").strip()[:200] or None for k in ("customer", "intent", "q", "after")}
        return cls(queue=params.get("queue") or None, priority=params.get("priority") or None,
                   breached=params.get("breached") in ("1", "true"), wait=wait, **texts)

    def matches(self, row: dict[str, Any]) -> bool:
        words = f"{row['summary']} {' '.join(row['reasons'])} {row['thread_id']}".lower()
        return ((self.queue is None or row["queue"] == self.queue)
                and (self.priority is None or row["priority"] == self.priority)
                and (not self.breached or row["sla_seconds_left"] < 0)
                and (self.customer is None or self.customer.upper() == str(row["customer_id"] or "").upper())
                and (self.intent is None or self.intent in row["intents"])
                and (self.q is None or all(w in words for w in self.q.lower().split())))


@dataclass(frozen=True)
class DashboardQuery:
    days: int = 30
    bucket: Bucket = "day"
    queues: tuple[str, ...] | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> DashboardQuery:
        unknown = set(params) - {"days", "bucket", "queue"}
        if unknown:
            raise ValueError(f"unknown parameter(s) {', '.join(sorted(unknown))}; known: days, bucket, queue")
        days = params.get("days", "30")
        if not days.isdigit() or not 1 <= int(days) <= 366:
            raise ValueError(f"days must be a whole number from 1 to 366, not {days!r}")
        bucket = params.get("bucket", "day")
        _one_of("bucket", bucket, get_args(Bucket))
        _one_of("queue", params.get("queue"), QUEUES)
        queue = params.get("queue")
        return cls(int(days), "week" if bucket == "week" else "day", (queue,) if queue else None)


def _one_of(name: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value and value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")


@dataclass(frozen=True)
class InboxSettings:
    api_url: str
    key_header: str = "x-api-key"
    assistant_id: str = "support"
    api_timeout: float = 300.0


def create_app(settings: InboxSettings, audit: AuditLog, *, store: BusinessStore | None = None,
               web_dir: Path = WEB_DIR, transport: httpx.AsyncBaseTransport | None = None) -> Starlette:
    """The inbox app; ``audit`` is the review-queue index of the database the API's graph writes to, ``store``
    the business store there (a customer's history; None: not shown).

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

    async def dashboard_page(request: Request) -> Response:
        return FileResponse(web_dir / "dashboard.html", headers={"cache-control": "no-store"})

    async def config(request: Request) -> Response:
        return JSONResponse({"key_header": settings.key_header, "assistant_id": settings.assistant_id,
                             "api_base": "/api", "reviews_url": "/inbox/reviews",
                             "assign_url": "/inbox/threads/{thread_id}/assign",
                             "customer_url": "/inbox/threads/{thread_id}/customer",
                             "workload_url": "/inbox/workload", "dashboard_url": "/inbox/dashboard",
                             "queues": list(QUEUES), "priorities": list(PRIORITIES), "signals": EXPLAIN})

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

    def _upstream(request: Request) -> Upstream:
        return Upstream(client(request), request, settings.key_header)

    async def reviews(request: Request) -> Response:
        """The open reviews the key may see, filtered; with ``after=TOKEN`` it waits (up to ``wait`` seconds)
        until the queue changes from that token, so the page stays live with one request at a time."""
        try:
            query = ReviewQuery.parse(request.query_params)
        except ValueError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=422)
        upstream = _upstream(request)
        who = await upstream.reviewer()  # refused before any waiting
        token = await asyncio.to_thread(queue_token, audit.db)
        if query.after is not None and query.after == token:
            deadline = asyncio.get_running_loop().time() + query.wait
            while token == query.after and asyncio.get_running_loop().time() < deadline:
                if await request.is_disconnected():
                    return Response(status_code=204)
                await asyncio.sleep(POLL_SECONDS)
                token = await asyncio.to_thread(queue_token, audit.db)
            if token == query.after:
                return JSONResponse({"token": token, "changed": False})
        visible = await upstream.interrupted()  # asked after the wait: what the key sees now
        now = datetime.now(UTC)
        waiting = await asyncio.to_thread(audit.review_items, status=None)
        items = [i for i in waiting if i.thread_id in visible and i.status in ("open", "resolving")]
        intents = await asyncio.to_thread(turn_intents, audit.db, [(i.thread_id, i.turn) for i in items])
        rows = [_review_json(i, now) | {"intents": intents.get((i.thread_id, i.turn), [])} for i in items]
        decided = await asyncio.to_thread(recent_decisions, audit.db, who.queues, now - RECENT)
        # A review opens before its run ends and the API lists the thread as interrupted: until then the answer
        # carries no token, so the next poll answers at once instead of waiting for the next change.
        settling = any(i.thread_id not in visible and i.status == "open" and now - i.created_at < SETTLING
                       and (who.queues is None or i.queue in who.queues) for i in waiting)
        return JSONResponse({"now": now.isoformat(), "token": None if settling else token, "changed": True,
                             "settling": settling, "total": len(rows),
                             "reviews": [r for r in rows if query.matches(r)], "decided": decided})

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
        upstream = _upstream(request)
        who = await upstream.reviewer()
        if who.name is None:  # an API without keys: nobody to check the name against
            if named is None:
                return JSONResponse({"detail": "this API has no identities: name the reviewer ({\"reviewer\": NAME})"},
                                    status_code=422)
            assignee = named
        else:
            assignee = named or who.name
            if assignee != who.name and who.role != "admin":
                return JSONResponse({"detail": f"this key is {who.name}'s: a {who.role} key assigns "
                                               "reviews to itself only; an admin key may assign them to others"},
                                    status_code=403)
        await upstream.check_thread(thread_id)
        if not await asyncio.to_thread(audit.assign_review, thread_id, assignee):
            return JSONResponse({"detail": f"thread {thread_id} has no open review to assign"}, status_code=409)
        return JSONResponse({"thread_id": thread_id, "assigned_to": assignee})

    async def history(request: Request) -> Response:
        """The customer of a thread the key may read: profile, recent orders, open tickets, earlier threads."""
        thread_id = request.path_params["thread_id"]
        upstream = _upstream(request)
        who = await upstream.reviewer()
        await upstream.check_thread(thread_id)
        if store is None:
            return JSONResponse({"detail": "this inbox has no business store to read the customer from"},
                                status_code=503)
        items = await asyncio.to_thread(audit.unsettled_reviews, thread_id)
        customer_id = next((i.customer_id for i in items if i.customer_id), None)
        if customer_id is None:
            return JSONResponse({"customer_id": None, "detail": "the customer of this thread is not identified"})
        found = await asyncio.to_thread(customer_history, store, audit.db, customer_id, thread_id=thread_id,
                                        queues=who.queues, now=datetime.now(UTC))
        return JSONResponse(found)

    async def workload_route(request: Request) -> Response:
        who = await _upstream(request).reviewer()
        load = await asyncio.to_thread(workload, audit.db, who.queues, datetime.now(UTC))
        return JSONResponse({"me": who.name, "queues": list(who.queues) if who.queues else None, **load})

    async def dashboard(request: Request) -> Response:
        """The lead's figures for a period and queues; a reviewer key sees its own queues only."""
        who = await _upstream(request).reviewer()
        try:
            wanted = DashboardQuery.parse(request.query_params)
        except ValueError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=422)
        queues = wanted.queues
        if who.queues is not None:
            outside = set(queues or ()) - set(who.queues)
            if outside:
                return JSONResponse({"detail": f"a reviewer of {', '.join(who.queues)} may not see the figures of "
                                               f"{', '.join(sorted(outside))}"}, status_code=403)
            queues = queues or who.queues
        now = datetime.now(UTC)
        figures = MetricsSettings(since=now - timedelta(days=wanted.days), until=now, queues=queues, now=now)
        data = await asyncio.to_thread(dashboard_data, audit.db, figures, wanted.bucket)
        return JSONResponse(json.loads(json.dumps(data, default=str)))

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        return exc.response

    return Starlette(
        routes=[
            Route("/", index),
            Route("/inbox/config", config),
            Route("/inbox/reviews", reviews),
            Route("/inbox/threads/{thread_id:str}/assign", assign, methods=["POST"]),
            Route("/inbox/threads/{thread_id:str}/customer", history),
            Route("/inbox/workload", workload_route),
            Route("/inbox/dashboard", dashboard),
            Route("/dashboard", dashboard_page),
            Route("/api/{path:path}", proxy, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            Mount("/", StaticFiles(directory=web_dir), name="page"),
        ],
        lifespan=lifespan,
        exception_handlers={Refused: refused},
    )


def _review_json(item: QueueItem, now: datetime) -> dict[str, Any]:
    return {
        "thread_id": item.thread_id, "turn": item.turn, "queue": item.queue, "priority": item.priority,
        "status": item.status, "customer_id": item.customer_id, "summary": item.summary, "reasons": item.reasons,
        "confidence": item.confidence, "assigned_to": item.assigned_to, "created_at": item.created_at.isoformat(),
        "age_seconds": int((now - item.created_at).total_seconds()), "sla_due_at": item.sla_due_at.isoformat(),
        "sla_seconds_left": int((item.sla_due_at - now).total_seconds()),
    }
