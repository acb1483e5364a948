"""The guard's route table: for each Agent Protocol route, who may call it, what is checked, and how its response
is shaped (supportgraph.server.views).

A route not in the table is an admin's. Thread routes first check reach: a customer reaches only threads stamped
with its customer id, a reviewer only threads reviewed in its queues, anything else answers 404 exactly as an
unknown thread does (a thread you may not see does not exist for you). Admin keys reach everything.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from pydantic import ValidationError

from foundation.principals import Principal, Role
from supportgraph.server.calls import EVERYONE, OWN_ASSISTANT, Answer, Call, Passage, Refusal, parsed
from supportgraph.server.payloads import CheckpointRequest, HistoryRequest, ThreadCreateRequest
from supportgraph.server.run_checks import check_run, claim
from supportgraph.server.threads import RunInProgress, ThreadIndex

__all__ = ["OWN_ASSISTANT", "TABLE", "Answer", "Passage", "Refusal", "Rules"]

Check = Callable[["Rules", Call], Awaitable[Passage]]


@dataclass(frozen=True)
class Rule:
    method: str
    template: str  # "/threads/{thread_id}/runs/wait"
    check: Check
    roles: frozenset[Role] = EVERYONE
    view: str | None = None
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))


class Rules:
    """The checks the table names; ``index`` answers who a thread belongs to and what it waits for."""

    def __init__(self, index: ThreadIndex) -> None:
        self.index = index

    def route(self, method: str, path: str) -> tuple[Rule, dict[str, str]] | None:
        for rule in TABLE:
            match = rule.pattern.match(path)
            if match and rule.method == method:
                return rule, match.groupdict()
        return None

    async def authorize(self, who: Principal, method: str, path: str, body: bytes) -> Passage:
        """Refuse (Refusal), answer (Answer), or let the request through (Passage)."""
        routed = self.route(method, path)
        if routed is None:
            if who.role == "admin":
                return Passage()
            raise Refusal(403, f"a {who.role} key may not {method} {path}")
        rule, params = routed
        if who.role not in rule.roles:
            raise Refusal(403, f"a {who.role} key may not {method} {rule.template}")
        call = Call(who, method, params, body)
        if "thread_id" in params and params["thread_id"] not in ("search", "count"):
            await self._check_reach(rule, call)
        passage = await rule.check(self, call)
        return passage if rule.view is None or passage.view else replace(passage, view=rule.view)

    # ---- reach -------------------------------------------------------------------------------------------------

    async def _check_reach(self, rule: Rule, call: Call) -> None:
        thread_id, who = call.params["thread_id"], call.who
        if who.role == "customer" or rule.check is Rules.run:
            call.metadata = await self.index.metadata(thread_id)
        not_found = Refusal(404, f"thread {thread_id!r} not found")
        if who.role == "customer":
            if call.metadata is None or call.metadata.get("customer_id") != who.customer_id:
                raise not_found
        elif who.role == "reviewer" and not await self.index.reviewed_threads(who.queues, thread_id=thread_id):
            raise not_found
        if rule.check is not Rules.run:
            # A read repairs what a failed or dead run left (a review marked done too early, a thread left busy).
            await self.index.settle_on_read(thread_id, (call.metadata or {}).get("graph_id"))

    # ---- checks ------------------------------------------------------------------------------------------------

    async def passes(self, call: Call) -> Passage:
        return Passage()

    async def whoami(self, call: Call) -> Passage:
        who = call.who
        raise Answer({"name": who.name, "role": who.role, "customer_id": who.customer_id, "queues": list(who.queues)})

    async def search_threads(self, call: Call) -> Passage:
        """A customer's search is narrowed by the auth handler; a reviewer's runs here (ThreadIndex.search)."""
        if call.who.role != "reviewer":
            return Passage()
        query = call.payload() if call.body else {}
        await self.index.settle_queues(call.who.queues)
        reviewed = await self.index.reviewed_threads(call.who.queues, open_only=True)
        try:
            found = await self.index.search(reviewed, query)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise Refusal(422, f"invalid search at {'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
        raise Answer(found)

    async def create_thread(self, call: Call) -> Passage:
        """A customer opens new threads (the auth handler stamps its customer id). A thread id it names must be one
        of its own threads: any other id, unknown or another customer's, gets the same refusal."""
        request = parsed(ThreadCreateRequest, call.payload())
        if call.who.role == "customer" and request.thread_id is not None:
            owner = (await self.index.metadata(request.thread_id) or {}).get("customer_id")
            if owner != call.who.customer_id:
                raise Refusal(403, "a customer key cannot choose a new thread's id: leave thread_id out")
        return Passage()

    async def own_assistant(self, call: Call) -> Passage:
        """The support graph's drawing and schemas (no configuration) for any key; other assistants are an admin's."""
        if call.who.role != "admin" and call.params["assistant_id"] not in OWN_ASSISTANT:
            raise Refusal(404, f"assistant {call.params['assistant_id']!r} not found")
        return Passage()

    async def history(self, call: Call) -> Passage:
        if call.who.role != "admin":
            request = parsed(HistoryRequest, call.payload())
            _same_thread(call, request.checkpoint.thread_id if request.checkpoint else None)
        return Passage()

    async def checkpoint(self, call: Call) -> Passage:
        if call.who.role != "admin":
            _same_thread(call, parsed(CheckpointRequest, call.payload()).checkpoint.thread_id)
        return Passage()

    async def run(self, call: Call) -> Passage:
        """A run request, checked the way SupportService checks the CLI's, before anything runs. Runs on one
        thread are taken one at a time: the thread is held (ThreadIndex.run_slot) from these checks until Aegra
        has recorded the run, and a request that finds a run in progress answers 409."""
        try:
            slot = await self.index.run_slot(call.params["thread_id"], (call.metadata or {}).get("graph_id"))
        except RunInProgress as busy:
            raise Refusal(409, str(busy)) from None
        try:
            return replace(await check_run(self.index, call, slot.snapshot), slot=slot)
        except BaseException:
            await slot.release()
            raise

    async def claim(self, thread_id: str, turn: int, reviewer: str) -> None:
        await claim(self.index, thread_id, turn, reviewer)


def _same_thread(call: Call, named: str | None) -> None:
    if named not in (None, call.params["thread_id"]):
        raise Refusal(403, "a checkpoint of another thread cannot be read through this one")


R = Rules
TABLE: tuple[Rule, ...] = (
    Rule("GET", "/whoami", R.whoami),
    Rule("POST", "/threads/search", R.search_threads),
    Rule("POST", "/threads", R.create_thread, frozenset({"customer", "admin"})),
    Rule("GET", "/threads/{thread_id}", R.passes),
    Rule("GET", "/threads/{thread_id}/state", R.passes, view="state"),
    Rule("GET", "/threads/{thread_id}/state/{checkpoint_id}", R.passes, view="state"),
    Rule("POST", "/threads/{thread_id}/state/checkpoint", R.checkpoint, view="state"),
    Rule("GET", "/threads/{thread_id}/history", R.passes, view="states"),
    Rule("POST", "/threads/{thread_id}/history", R.history, view="states"),
    Rule("POST", "/threads/{thread_id}/runs", R.run, view="run"),
    Rule("POST", "/threads/{thread_id}/runs/stream", R.run, view="stream"),
    Rule("POST", "/threads/{thread_id}/runs/wait", R.run, view="values"),
    Rule("GET", "/threads/{thread_id}/runs", R.passes, view="runs"),
    Rule("GET", "/threads/{thread_id}/runs/{run_id}", R.passes, view="run"),
    Rule("GET", "/threads/{thread_id}/runs/{run_id}/join", R.passes, view="values"),
    Rule("GET", "/threads/{thread_id}/runs/{run_id}/stream", R.passes, view="stream"),
    Rule("GET", "/assistants/{assistant_id}/graph", R.own_assistant),
    Rule("GET", "/assistants/{assistant_id}/schemas", R.own_assistant),
    Rule("GET", "/assistants/{assistant_id}/subgraphs", R.own_assistant),
)
