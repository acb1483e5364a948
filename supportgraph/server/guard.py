"""Who may reach which route and thread, what a request may carry, what its response may show: an ASGI layer
inside Aegra.

Aegra 0.6 passes only some routes through its ``@auth.on`` handlers (not thread state, history, streamed or
waited runs), turns a graph that raises into a thread in status ``error`` that can no longer be resumed, and
answers failures with the exception's text. So this layer, mounted in the custom app aegra.json names, sees every
request before Aegra does and every response after:

* no key or an unknown key → 401; then the route table (supportgraph.server.rules) decides: who may call the
  route, which thread it reaches (404 for a thread you may not see), what the typed body may carry
  (supportgraph.server.payloads, supportgraph.server.run_checks), or answers itself (``GET /whoami``);
* the response goes through the route's view (supportgraph.server.views): a customer sees its conversation, not
  the review's internals, and message content is served as markdown; a run request's answer carries a
  ``Server-Timing`` header: where the server spent its time (foundation.server_timing);
* a 5xx, or an exception, is answered with a request id only; the details go to the log with that id;
* runs on one thread are taken one at a time: a run request holds the thread (ThreadIndex.run_slot) until
  Aegra has recorded its run, and one that finds a run in progress answers 409.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from uuid import uuid4

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from foundation import server_timing as timing
from foundation.principals import Principal
from foundation.spans import Spans, collecting
from supportgraph.server import views
from supportgraph.server.keys import API_KEY_HEADER, configured_keys
from supportgraph.server.rules import Answer, Passage, Refusal, Rules
from supportgraph.server.threads import RunSlot, ThreadIndex

__all__ = ["AccessGuard", "Answer", "Passage", "Refusal"]

PUBLIC_PATHS = frozenset({"/", "/health", "/ok", "/info", "/ready", "/live", "/docs", "/redoc", "/openapi.json"})
MAX_BODY_BYTES = 256_000
log = logging.getLogger("supportgraph.server")

_ERRORS = {401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict", 413: "payload_too_large",
           422: "invalid_request"}


class AccessGuard:
    """ASGI middleware; ``index`` answers who a thread belongs to and what it waits for."""

    def __init__(self, app: ASGIApp, index: ThreadIndex | None = None) -> None:
        self.app = app
        self.index = index or ThreadIndex()
        self.rules = Rules(self.index)

    async def authorize(self, who: Principal, method: str, path: str, body: bytes) -> Passage:
        """Refuse (Refusal), answer (Answer), or let the request through (Passage)."""
        return await self.rules.authorize(who, method, path, body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id()
        if scope["method"] == "OPTIONS" or scope.get("path", "") in PUBLIC_PATHS:
            await self._forward(scope, receive, Shaper(send, None, False, request_id), request_id)
            return
        principal = configured_keys().principal(_header(scope, API_KEY_HEADER))
        if principal is None:
            await _refuse(send, Refusal(401, f"missing or unknown API key: send it in the {API_KEY_HEADER} header"))
            return
        with collecting() as spans:  # a run's steps time themselves into it (foundation.server_timing)
            await self._guarded(scope, receive, send, principal, request_id, spans)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, principal: Principal, request_id: str,
                       spans: Spans) -> None:
        try:
            body = await _read_body(receive) if scope["method"] in ("POST", "PUT", "PATCH") else b""
            passage = await self.authorize(principal, scope["method"], scope.get("path", ""), body)
        except Refusal as refusal:
            await _refuse(send, refusal)
            return
        except Answer as answer:
            await _send_json(send, 200, answer.value)
            return
        except Exception:
            log.exception("request %s: the guard failed on %s %s", request_id, scope["method"], scope.get("path"))
            await _send_json(send, 500, views.internal_error(request_id))
            return
        if passage.body is not None:
            body = passage.body
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"content-length"]
                     + [(b"content-length", str(len(body)).encode())]}
        if passage.slot is None:
            await self._pass(scope, body, receive, send, passage, principal, request_id)
            return
        try:
            await self._pass(scope, body, receive, _releasing(passage.slot, send, spans), passage, principal,
                             request_id)
        finally:
            await passage.slot.release()

    async def _pass(self, scope: Scope, body: bytes, receive: Receive, send: Send, passage: Passage,
                    principal: Principal, request_id: str) -> None:
        shaper = Shaper(send, passage.view, principal.role == "customer", request_id)
        if passage.claimed is None:
            await self._forward(scope, _replaying(body, receive), shaper, request_id)
            return
        # The review was claimed for this resume: give it back if Aegra refuses the run or the request fails.
        thread_id, turn = passage.claimed
        try:
            await self._forward(scope, _replaying(body, receive), shaper, request_id)
        finally:
            if shaper.failed:
                await self.index.release_review(thread_id, turn)

    async def _forward(self, scope: Scope, receive: Receive, shaper: Shaper, request_id: str) -> None:
        try:
            await self.app(scope, receive, shaper)
        except Exception:
            shaper.failed = True
            log.exception("request %s: %s %s failed", request_id, scope["method"], scope.get("path"))
            if shaper.started:
                raise
            await _send_json(shaper.send, 500, views.internal_error(request_id))


class Shaper:
    """The ``send`` of one request: JSON bodies through their view, streamed events one by one, and any 5xx
    replaced by the request id (its body logged)."""

    def __init__(self, send: Send, view: str | None, customer: bool, request_id: str) -> None:
        self.send = send
        self.view = view
        self.customer = customer
        self.request_id = request_id
        self.failed = False
        self.started = False
        self.start: Message | None = None
        self.mode = "pass"  # pass | json | error | stream
        self.buffer = b""
        self.events: views.EventStream | None = None

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            await self._start(message)
        elif message["type"] == "http.response.body" and self.mode != "pass":
            await self._body(message)
        else:
            await self.send(message)

    async def _start(self, message: Message) -> None:
        status = int(message["status"])
        self.failed = status >= 400
        content_type = dict(message.get("headers", [])).get(b"content-type", b"").decode("latin-1")
        if status >= 500:
            self.mode = "error"
        elif self.view and "text/event-stream" in content_type:
            self.mode, self.events = "stream", views.EventStream(self.customer, self.request_id)
        elif self.view and self.view != "stream" and status < 300 and "json" in content_type:
            self.mode = "json"
        if self.mode in ("pass", "stream"):
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-length"]
            self.started = True
            await self.send({**message, "headers": headers} if self.mode == "stream" else message)
        else:
            self.start = message

    async def _body(self, message: Message) -> None:
        chunk, more = message.get("body", b""), message.get("more_body", False)
        if self.mode == "stream":
            assert self.events is not None
            out = self.events.feed(chunk, last=not more)
            if out or not more:
                await self.send({"type": "http.response.body", "body": out, "more_body": more})
            return
        self.buffer += chunk
        if more:
            return
        if self.mode == "error":
            log.error("request %s: answered %s: %s", self.request_id, (self.start or {}).get("status"),
                      self.buffer.decode("utf-8", errors="replace")[:4000])
            body = json.dumps(views.internal_error(self.request_id)).encode()
        else:
            body = self._shaped(self.buffer)
        assert self.start is not None
        headers = [(k, v) for k, v in self.start.get("headers", []) if k.lower() != b"content-length"]
        if self.mode == "error":
            headers = [(k, v) for k, v in headers if k.lower() != b"content-type"] + [
                (b"content-type", b"application/json")]
        self.started = True
        await self.send({**self.start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await self.send({"type": "http.response.body", "body": body, "more_body": False})

    def _shaped(self, body: bytes) -> bytes:
        try:
            value = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return body
        shape = views.SHAPES[self.view or "values"]
        return json.dumps(shape(value, self.customer, self.request_id), ensure_ascii=False).encode()


def _request_id() -> str:
    """The id Aegra's correlation middleware gave this request (its X-Request-ID response header), else a new one."""
    try:
        from asgi_correlation_id import correlation_id
    except ImportError:  # pragma: no cover - Aegra installs it
        return uuid4().hex
    return correlation_id.get() or uuid4().hex


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return str(value.decode("latin-1"))
    return None


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise Refusal(413, f"the request body is too large (more than {MAX_BODY_BYTES:,} bytes)")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _releasing(slot: RunSlot, send: Send, spans: Spans) -> Send:
    """``send``, releasing the thread when the response starts (Aegra has recorded the run by then), with the
    run's ``Server-Timing`` (foundation.server_timing; for a streamed run it ends at the stream's start)."""
    forwarded = time.perf_counter()

    async def releasing(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), timing.header(spans, forwarded)]}
            await slot.release()
        await send(message)

    return releasing


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(send: Send, refusal: Refusal) -> None:
    await _send_json(send, refusal.status, {"error": _ERRORS.get(refusal.status, "bad_request"),
                                            "message": refusal.message, "details": None})


async def _send_json(send: Send, status: int, value: Any) -> None:
    body = json.dumps(value).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
