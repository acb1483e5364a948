"""Who calls the inbox, as the graph API knows the caller's key: identity, queues, the threads the key may see.

The inbox decides nothing itself: it asks the API with the caller's own key (``GET /whoami``,
``POST /threads/search``, ``GET /threads/{id}``) and passes on any refusal as it came.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

SEARCH_PAGE = 100  # the Agent Protocol's largest page
SEARCH_PAGES = 50


class Refused(Exception):
    """The API refused or did not answer: ``response`` is what the inbox answers."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass(frozen=True)
class Caller:
    """``name`` None: an API without identities (``langgraph dev``); ``queues`` None: every queue."""

    name: str | None
    role: str | None
    queues: tuple[str, ...] | None

    @property
    def works_reviews(self) -> bool:
        return self.role in (None, "reviewer", "admin")


class Upstream:
    """The graph API, asked with the key of the request being served."""

    def __init__(self, client: httpx.AsyncClient, request: Request, key_header: str) -> None:
        self.client = client
        key = request.headers.get(key_header)
        self.headers = {key_header: key} if key else {}

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self.client.request(method, path, headers=self.headers, **kwargs)
        except httpx.HTTPError as exc:
            raise Refused(JSONResponse({"detail": f"the graph API did not answer: {type(exc).__name__}"},
                                       status_code=502)) from None

    async def caller(self) -> Caller:
        """Who the key is (``GET /whoami``); an API without it (404) has no identities."""
        answer = await self._send("GET", "/whoami")
        if answer.status_code == 404:
            return Caller(None, None, None)
        _passed_on(answer)
        who = answer.json() if isinstance(answer.json(), dict) else {}
        role = who.get("role")
        queues = tuple(str(q) for q in who.get("queues") or ()) if role == "reviewer" else None
        return Caller(str(who.get("name")), str(role), queues)

    async def reviewer(self) -> Caller:
        """The caller, refused (403) unless its key works the review queue."""
        who = await self.caller()
        if not who.works_reviews:
            raise Refused(JSONResponse({"detail": f"a {who.role} key does not work the review queue"},
                                       status_code=403))
        return who

    async def interrupted(self) -> dict[str, dict[str, Any]]:
        """The interrupted threads the key may see, by id."""
        visible: dict[str, dict[str, Any]] = {}
        for page in range(SEARCH_PAGES):
            found = await self._send("POST", "/threads/search", json={
                "status": "interrupted", "limit": SEARCH_PAGE, "offset": page * SEARCH_PAGE})
            _passed_on(found)
            threads = found.json()
            visible |= {t["thread_id"]: t for t in threads if isinstance(t, dict) and "thread_id" in t}
            if len(threads) < SEARCH_PAGE:
                break
        return visible

    async def check_thread(self, thread_id: str) -> None:
        """The key may read the thread (401/404 from the API are passed on)."""
        _passed_on(await self._send("GET", f"/threads/{thread_id}"))


def _passed_on(answer: httpx.Response) -> None:
    if answer.status_code != 200:
        raise Refused(Response(answer.content, status_code=answer.status_code,
                               media_type=answer.headers.get("content-type")))

