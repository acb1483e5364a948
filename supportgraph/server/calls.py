"""A request as the guard's rules see it (Call), and what a rule decides: refuse (Refusal), answer (Answer), or
let it through (Passage). Shared by the route table (supportgraph.server.rules) and the run check
(supportgraph.server.run_checks).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid5

from foundation.principals import Principal, Role
from supportgraph.server.payloads import M, PayloadError, parse
from supportgraph.server.threads import GRAPH_ID, RunSlot

ASSISTANT_NAMESPACE = "6ba7b821-9dad-11d1-80b4-00c04fd430c8"  # aegra_api.constants.ASSISTANT_NAMESPACE_UUID
# The graph's own assistant, as clients name it: by graph id, or by the id Aegra derives from it.
OWN_ASSISTANT = frozenset({GRAPH_ID, str(uuid5(UUID(ASSISTANT_NAMESPACE), GRAPH_ID))})
EVERYONE: frozenset[Role] = frozenset({"customer", "reviewer", "admin"})


class Refusal(Exception):
    """A request refused with an HTTP status and a reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Answer(Exception):
    """The guard answers the request itself with this JSON value (status 200)."""

    def __init__(self, value: Any) -> None:
        super().__init__("answered by the guard")
        self.value = value


@dataclass(frozen=True)
class Passage:
    """A request let through: with a rewritten body, the review it claimed (thread id, turn), the view its
    response goes through (a supportgraph.server.views shape, or "stream"), and the thread held for the run it
    creates (released once Aegra answers, i.e. has recorded the run)."""

    body: bytes | None = None
    claimed: tuple[str, int] | None = None
    view: str | None = None
    slot: RunSlot | None = None


@dataclass
class Call:
    """One request as a rule sees it."""

    who: Principal
    method: str
    params: dict[str, str]
    body: bytes
    metadata: dict[str, Any] | None = None  # the thread's, once read

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise Refusal(422, "the request body is not valid JSON") from None

    def payload(self) -> dict[str, Any]:
        value = self.json()
        if not isinstance(value, dict):
            raise Refusal(422, "the request body must be a JSON object")
        return value



def parsed(model: type[M], value: Any) -> M:
    """``value`` as ``model``, or the Refusal (422) naming the first field at fault."""
    try:
        return parse(model, value)
    except PayloadError as exc:
        raise Refusal(exc.status, str(exc)) from None
