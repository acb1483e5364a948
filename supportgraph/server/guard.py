"""Who may reach which route and thread, and what a run request may carry: an ASGI layer inside Aegra.

Aegra 0.6 passes only some routes through its ``@auth.on`` handlers (not thread state, history, streamed or
waited runs), and turns a graph that raises into a thread in status ``error`` that can no longer be resumed.
So this layer, mounted in the custom app aegra.json names, checks every request before Aegra sees it:

* no key or an unknown key → 401; a customer reaches only threads stamped with its customer id, a reviewer only
  threads reviewed in its queues, anything else → 404 (a thread you may not see does not exist for you);
  routes a role has no business with → 403; admin keys reach everything;
* ``GET /whoami`` answers who the key is (name, role, customer id, queues): the reviewers' inbox assigns
  reviews by it (supportgraph/inbox.py), never by a name in a request body;
* run requests are checked the way SupportService checks them for the CLI: the customer message
  (graphs/support/messages.py), the resume payload against the pending review (graphs/support/review.py),
  a resume of a thread that is not waiting, a message to a thread that is → 409/413/422 with the reason, before
  anything runs, so the thread stays resumable;
* runs on one thread are taken one at a time: a run request holds the thread (ThreadIndex.run_slot) until
  Aegra has recorded its run, and one that finds a run in progress answers 409.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphs.support.messages import InvalidMessage, check_message
from graphs.support.review import InvalidDecision, parse_response
from supportgraph.server.keys import API_KEY_HEADER, Principal, configured_keys
from supportgraph.server.threads import RunInProgress, RunSlot, ThreadIndex

PUBLIC_PATHS = frozenset({"/", "/health", "/ok", "/info", "/ready", "/live", "/docs", "/redoc", "/openapi.json"})
MAX_BODY_BYTES = 256_000
IDENTITY_PATH = "/whoami"  # any key: who the key is (name, role), for hosts in front of this API
_THREAD = re.compile(r"^/threads/(?P<thread_id>[^/]+)(?P<rest>/.*)?$")
_RUN_CREATION = ("/runs", "/runs/stream", "/runs/wait")
_READ_POSTS = ("/history", "/state/checkpoint")
_ADMIN_ONLY_RUN_FIELDS = ("context", "config", "checkpoint", "checkpoint_id", "interrupt_before", "interrupt_after")


def identity_of(who: Principal) -> dict[str, Any]:
    """What ``GET /whoami`` answers: the caller's key name and role (the reviewers' inbox assigns by it)."""
    return {"name": who.name, "role": who.role, "customer_id": who.customer_id, "queues": list(who.queues)}


class Answer(Exception):
    """The guard answers the request itself with this JSON value (status 200)."""

    def __init__(self, value: Any) -> None:
        super().__init__("answered by the guard")
        self.value = value


class Refusal(Exception):
    """A request refused with an HTTP status and a reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


_ERRORS = {401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict", 413: "payload_too_large",
           422: "invalid_request"}
@dataclass(frozen=True)
class Passage:
    """A request let through: with a rewritten body, with the review it claimed (thread id, turn), and with
    the thread held for the run it creates (released once Aegra answers, i.e. has recorded the run)."""

    body: bytes | None = None
    claimed: tuple[str, int] | None = None
    slot: RunSlot | None = None


PASS = Passage()


class AccessGuard:
    """ASGI middleware; ``index`` answers who a thread belongs to and what it waits for."""

    def __init__(self, app: ASGIApp, index: ThreadIndex | None = None) -> None:
        self.app = app
        self.index = index or ThreadIndex()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] == "OPTIONS" or _public(path):
            await self.app(scope, receive, send)
            return
        principal = configured_keys().principal(_header(scope, API_KEY_HEADER))
        if principal is None:
            await _refuse(send, Refusal(401, f"missing or unknown API key: send it in the {API_KEY_HEADER} header"))
            return
        try:
            body = await _read_body(receive) if scope["method"] in ("POST", "PUT", "PATCH") else b""
            passage = await self.authorize(principal, scope["method"], path, body)
        except Refusal as refusal:
            await _refuse(send, refusal)
            return
        except Answer as answer:
            await _send_json(send, 200, answer.value)
            return
        if passage.body is not None:
            body = passage.body
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"content-length"]
                     + [(b"content-length", str(len(body)).encode())]}
        if passage.slot is not None:
            try:
                await self._pass(scope, body, receive, _releasing(passage.slot, send), passage)
            finally:
                await passage.slot.release()
            return
        await self._pass(scope, body, receive, send, passage)

    async def _pass(self, scope: Scope, body: bytes, receive: Receive, send: Send, passage: Passage) -> None:
        if passage.claimed is None:
            await self.app(scope, _replaying(body, receive), send)
            return
        # The review was claimed for this resume: give it back if Aegra refuses the run or the request fails.
        thread_id, turn = passage.claimed
        failed = False

        async def watching(message: Message) -> None:
            nonlocal failed
            if message["type"] == "http.response.start" and message["status"] >= 400:
                failed = True
            await send(message)

        try:
            await self.app(scope, _replaying(body, receive), watching)
        except BaseException:
            failed = True
            raise
        finally:
            if failed:
                await self.index.release_review(thread_id, turn)

    async def authorize(self, who: Principal, method: str, path: str, body: bytes) -> Passage:
        """Refuse (Refusal), answer (Answer), or let the request through (Passage)."""
        if path == IDENTITY_PATH and method == "GET":
            raise Answer(identity_of(who))
        if path == "/threads/search" and method == "POST":
            if who.role == "reviewer":
                raise Answer(await self._reviewer_search(who, body))
            return PASS  # the auth handler narrows a customer's search to its own threads
        if path == "/threads" and method == "POST":
            return PASS  # the auth handler stamps the customer id, or refuses a reviewer
        match = _THREAD.match(path)
        if match and match["thread_id"] not in ("search", "count"):
            return await self._thread_route(who, method, match["thread_id"], match["rest"] or "", body)
        if path.startswith("/assistants") and (method == "GET" or path in ("/assistants/search", "/assistants/count")):
            return PASS
        if who.role == "admin":
            return PASS
        raise Refusal(403, f"a {who.role} key may not {method} {path}")

    async def _reviewer_search(self, who: Principal, body: bytes) -> list[dict[str, Any]]:
        """Threads waiting in the reviewer's queues (see ThreadIndex.search for why this is not Aegra's route)."""
        query = _json_object(body) if body else {}
        try:
            return await self.index.search(await self.index.reviewed_threads(who.queues, open_only=True), query)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise Refusal(422, f"invalid search at {'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None

    async def _thread_route(self, who: Principal, method: str, thread_id: str, rest: str, body: bytes) -> Passage:
        creates_run = method == "POST" and rest in _RUN_CREATION
        reads = method == "GET" or (method == "POST" and rest in _READ_POSTS)
        if who.role != "admin" and not (creates_run or reads):
            raise Refusal(403, f"a {who.role} key may not {method} /threads/{{id}}{rest}")
        # The thread's metadata (its owner, its graph) is read once per request, and only when it is needed.
        metadata = await self.index.metadata(thread_id) if who.role == "customer" or creates_run else None
        if who.role != "admin":
            await self._check_reach(who, thread_id, metadata)
        if creates_run:
            # One run at a time per thread: held from these checks until Aegra has recorded the run.
            try:
                slot = await self.index.run_slot(thread_id, (metadata or {}).get("graph_id"))
            except RunInProgress as busy:
                raise Refusal(409, str(busy)) from None
            try:
                return replace(await self._check_run(who, thread_id, metadata, body), slot=slot)
            except BaseException:
                await slot.release()
                raise
        return PASS

    async def _check_reach(self, who: Principal, thread_id: str, metadata: dict[str, Any] | None) -> None:
        not_found = Refusal(404, f"thread {thread_id!r} not found")
        if who.role == "customer":
            owner = None if metadata is None else metadata.get("customer_id")
            if owner is None or owner != who.customer_id:
                raise not_found
        elif who.role == "reviewer" and not await self.index.reviewed_threads(who.queues, thread_id=thread_id):
            raise not_found

    async def _check_run(self, who: Principal, thread_id: str, metadata: dict[str, Any] | None,
                         body: bytes) -> Passage:
        payload = _json_object(body)
        if who.role != "admin":
            for name in _ADMIN_ONLY_RUN_FIELDS:
                if payload.get(name):
                    raise Refusal(403, f"only an admin key may set {name!r} on a run")
        raw_input, command = payload.get("input"), payload.get("command")
        if raw_input is not None and not isinstance(raw_input, dict):
            raise Refusal(422, "'input' must be an object with a 'messages' list")
        if command is not None and not isinstance(command, dict):
            raise Refusal(422, "'command' must be an object")
        run_input: dict[str, Any] = raw_input or {}
        command = command or {}
        if who.role != "admin" and (command.get("goto") or command.get("update")):
            raise Refusal(403, "only an admin key may steer a run with 'goto' or 'update'")
        if who.role == "customer" and "resume" in command:
            raise Refusal(403, "a customer key sends messages; reviewers resume threads")
        if who.role == "reviewer" and run_input:
            raise Refusal(403, "a reviewer key resumes threads with a decision; it does not send messages")
        _check_messages(run_input.get("messages"), customer_only=who.role != "admin")
        pending = await self.index.pending_review(thread_id, (metadata or {}).get("graph_id"))
        claimed: tuple[str, int] | None = None
        if "resume" in command:
            if pending is None:
                raise Refusal(409, f"thread {thread_id!r} is not waiting for a review")
            resume = command["resume"]
            if who.role == "reviewer":
                queue = pending["context"].get("queue")
                if queue not in who.queues:
                    raise Refusal(403, f"this review waits in the {queue} queue, not in yours")
                if isinstance(resume, dict):
                    resume = command["resume"] = {**resume, "reviewer": who.name}
            try:
                response = parse_response(resume, pending)
            except InvalidDecision as exc:
                raise Refusal(422, str(exc)) from None
            claimed = thread_id, int(pending["context"]["turn"])
            await self._claim(*claimed, response.reviewer)
        elif not run_input.get("messages") and not (who.role == "admin" and command):
            raise Refusal(422, "a run needs 'input' with messages or a 'command' with 'resume'")
        elif run_input and pending is not None:
            raise Refusal(409, f"thread {thread_id!r} is waiting for a human reviewer; a reviewer must resume it")
        if who.role == "customer":
            run_input["customer_id"] = who.customer_id  # the signed-in customer is the key's, never the body's
            payload["input"] = run_input
        return Passage(json.dumps(payload).encode(), claimed)

    async def _claim(self, thread_id: str, turn: int, reviewer: str) -> None:
        """Take the review for this resume, as the CLI does: of two reviewers at once, exactly one proceeds."""
        refusal = await self.index.claim_review(thread_id, turn, reviewer)
        if refusal is not None:
            raise Refusal(409, refusal.reason)


def _check_messages(messages: Any, *, customer_only: bool) -> None:
    """Every customer message must pass check_message; only an admin may send other roles' messages."""
    if messages is None:
        return
    if not isinstance(messages, list):
        raise Refusal(422, "'input.messages' must be a list")
    for message in messages:
        text = _customer_text(message)
        if text is None:
            if customer_only:
                raise Refusal(403, "only an admin key may send messages other than the customer's (role 'user')")
            continue
        try:
            check_message(text)
        except InvalidMessage as exc:
            status = 413 if "too long" in str(exc) else 422
            raise Refusal(status, str(exc)) from None


def _customer_text(message: Any) -> str | None:
    """The text of a customer (human/user) message in any form langgraph accepts; None for other roles."""
    if isinstance(message, str):
        return message
    if not isinstance(message, dict):
        raise Refusal(422, "each message must be a string or an object with 'role' and 'content'")
    if message.get("role", message.get("type")) not in ("user", "human"):
        return None
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in content)
    if not isinstance(content, str):
        raise Refusal(422, "a message's 'content' must be text")
    return content


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Refusal(422, "the request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise Refusal(422, "the request body must be a JSON object")
    return value


def _public(path: str) -> bool:
    return path in PUBLIC_PATHS


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


def _releasing(slot: RunSlot, send: Send) -> Send:
    """``send``, releasing the thread when the response starts (Aegra has recorded the run by then)."""

    async def releasing(message: Message) -> None:
        if message["type"] == "http.response.start":
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

