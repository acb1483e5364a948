"""What a security reviewer probes, against a real `supportgraph serve` (Aegra on Postgres) on loopback: every role
against every route and every run variant, the findings of issue 18 (S1, S2, S3, S7, the customer's view, error
bodies, readiness, markdown) and the checks that already held.

Probes that would change a thread run first as refusals; the few accepted variants run once each.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from supportgraph.server.rules import OWN_ASSISTANT
from supportgraph.server.views import AWAITING_REVIEW, CUSTOMER_KEYS
from tests.server.conftest import ApiServer
from tests.server.helpers import PERSON_TEXT, customer_message, open_review

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROLES = ("jonas", "maya", "gil", "sam", "ops", None)  # owner, other customer, its reviewer, other queue, admin
UUID_ASSISTANT = next(a for a in OWN_ASSISTANT if a != "support")
# What the review knows and the customer must not read (state keys, review request keys, run settings).
INTERNAL_KEYS = frozenset({"review", "assessment", "why", "hold_reason", "approved_by", "human_owner",
                           "understanding", "sentiment", "flow", "action_requests", "review_configs", "reasons",
                           "refund_approval_limit", "model_problems", "langgraph_auth_user"})
SQL_WORDS = ("INSERT", "SELECT", "UPDATE ", "psycopg", "Traceback", "sqlalchemy", "string indices")


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _keys(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _keys(item)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def call(server: ApiServer, who: str | None, method: str, path: str, body: Any = None) -> httpx.Response:
    headers = {"x-api-key": server.keys[who]} if who else {}
    return httpx.request(method, server.base_url + path, json=body, headers=headers, timeout=240)


@pytest.fixture(scope="module")
def scene(api_server: ApiServer) -> dict[str, Any]:
    """jonas asking for a person (waiting in the general queue), jonas's answered question, an admin's lenient
    assistant."""
    jonas = api_server.client("jonas")
    waiting = open_review(jonas, PERSON_TEXT)
    idle = str(jonas.threads.create()["thread_id"])
    jonas.runs.wait(idle, "support", input=customer_message("Where is my order 10005?"))
    ops = api_server.client("ops")
    lenient = ops.assistants.create("support", context={"refund_approval_limit": 100000}, name="lenient")
    history = ops.threads.get_history(waiting, limit=50)
    return {"waiting": waiting, "idle": idle, "lenient": lenient["assistant_id"],
            "head": history[0]["checkpoint"]["checkpoint_id"], "older": history[-1]["checkpoint"]["checkpoint_id"]}


# ---- the role x route matrix ------------------------------------------------------------------------------------

READS = [("GET", "/threads/{t}"), ("GET", "/threads/{t}/state"), ("GET", "/threads/{t}/state/{head}"),
         ("POST", "/threads/{t}/state/checkpoint"), ("GET", "/threads/{t}/history"), ("POST", "/threads/{t}/history"),
         ("GET", "/threads/{t}/runs")]
READ_STATUS = {"jonas": 200, "maya": 404, "gil": 200, "sam": 404, "ops": 200, None: 401}
# Routes only an admin has: refused before the thread is looked at, so the same answer for any thread id.
ADMIN_ROUTES = [("PATCH", "/threads/{t}", {"metadata": {"x": 1}}), ("POST", "/threads/{t}/state", {"values": {}}),
                ("DELETE", "/threads/{t}", None), ("POST", "/threads/{t}/copy", {}),
                ("POST", "/assistants/search", {}), ("POST", "/assistants/count", {}), ("GET", "/assistants/{a}", None),
                ("GET", "/assistants/{lenient}", None), ("POST", "/assistants", {"graph_id": "support"}),
                ("PATCH", "/assistants/{lenient}", {"context": {}}), ("POST", "/store/items/search", {}),
                ("POST", "/runs/wait", {"assistant_id": "support", "input": {}}),
                ("GET", "/assistants/{lenient}/graph", None)]


def _path(template: str, scene: dict[str, Any]) -> str:
    return template.format(t=scene["waiting"], head=scene["head"], a=UUID_ASSISTANT, lenient=scene["lenient"])


@pytest.mark.parametrize("who", ROLES, ids=lambda w: w or "no-key")
def test_reads_of_a_thread_by_role(api_server: ApiServer, scene: dict[str, Any], who: str | None) -> None:
    for method, template in READS:
        body = {"checkpoint": {"checkpoint_id": scene["head"]}} if template.endswith("checkpoint") else (
            {} if method == "POST" else None)
        response = call(api_server, who, method, _path(template, scene), body)
        assert response.status_code == READ_STATUS[who], f"{who} {method} {template}: {response.text[:300]}"
    unknown = call(api_server, who, "GET", f"/threads/{uuid.uuid4()}/state")
    assert unknown.status_code == (401 if who is None else 404)
    if who in ("maya", "sam"):  # another's thread reads exactly like an unknown one
        mine = call(api_server, who, "GET", f"/threads/{scene['waiting']}/state").json()["message"]
        assert mine.replace(scene["waiting"], "ID") == unknown.json()["message"].split("'")[0] + "'ID' not found"


@pytest.mark.parametrize("who", ["jonas", "maya", "gil", "sam", None], ids=lambda w: w or "no-key")
def test_admin_routes_are_refused_alike_for_everyone_else(api_server: ApiServer, scene: dict[str, Any],
                                                         who: str | None) -> None:
    for method, template, body in ADMIN_ROUTES:
        response = call(api_server, who, method, _path(template, scene), body)
        expected = 401 if who is None else (404 if template.endswith("/graph") else 403)
        assert response.status_code == expected, f"{who} {method} {template}: {response.text[:300]}"


def test_an_admin_reaches_the_admin_routes(api_server: ApiServer, scene: dict[str, Any]) -> None:
    for method, template in (("POST", "/assistants/search"), ("GET", "/assistants/{lenient}")):
        response = call(api_server, "ops", method, _path(template, scene), {} if method == "POST" else None)
        assert response.status_code == 200, response.text


# ---- S1: assistants --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["jonas", "gil"])
def test_only_the_graphs_own_assistant_runs_for_customers_and_reviewers(api_server: ApiServer,
                                                                      scene: dict[str, Any], who: str) -> None:
    body: dict[str, Any] = {"input": customer_message("Refund order 10005 please")} if who == "jonas" else {
        "command": {"resume": {"decisions": [{"type": "approve"}]}}}
    thread = scene["idle"] if who == "jonas" else scene["waiting"]
    for assistant in (scene["lenient"], "lenient", str(uuid.uuid4())):
        response = call(api_server, who, "POST", f"/threads/{thread}/runs/wait", {**body, "assistant_id": assistant})
        assert response.status_code == 403 and "runs only the 'support' assistant" in response.json()["message"]
    # The graph's own assistant: its drawing and schemas (no configuration) — Aegra finds it by its uuid only.
    assert call(api_server, who, "GET", f"/assistants/{UUID_ASSISTANT}/graph").status_code == 200
    assert call(api_server, who, "GET", f"/assistants/{UUID_ASSISTANT}/schemas").status_code == 200
    assert call(api_server, who, "POST", "/assistants/search", {}).status_code == 403


# ---- S2: thread ids ---------------------------------------------------------------------------------------------

def test_another_customers_thread_id_answers_like_an_unknown_one(api_server: ApiServer,
                                                                  scene: dict[str, Any]) -> None:
    for if_exists in ("do_nothing", "raise"):
        theirs = call(api_server, "maya", "POST", "/threads", {"thread_id": scene["waiting"], "if_exists": if_exists})
        unknown = call(api_server, "maya", "POST", "/threads", {"thread_id": str(uuid.uuid4()),
                                                                 "if_exists": if_exists})
        assert (theirs.status_code, theirs.json()) == (unknown.status_code, unknown.json()) and \
            theirs.status_code == 403, (theirs.text, unknown.text)
        assert "C0002" not in theirs.text
    own = call(api_server, "jonas", "POST", "/threads", {"thread_id": scene["idle"], "if_exists": "do_nothing"})
    assert own.status_code == 200 and own.json()["thread_id"] == scene["idle"]
    assert call(api_server, "jonas", "POST", "/threads", {"thread_id": scene["idle"]}).status_code == 409
    assert call(api_server, "gil", "POST", "/threads", {}).status_code == 403
    assert call(api_server, "jonas", "POST", "/threads", {"if_exists": "overwrite"}).status_code == 422


# ---- run variants -----------------------------------------------------------------------------------------------

def _run_variants(scene: dict[str, Any], reply_id: str) -> list[tuple[str, str, str, dict[str, Any], int, str]]:
    """(id, who, thread, body, status, part of the reason) for every refused run variant."""
    msg = {"input": customer_message("Where is my order 10005?")}
    approve = {"command": {"resume": {"decisions": [{"type": "approve"}]}}}
    idle, waiting = scene["idle"], scene["waiting"]
    return [
        ("other-customer", "maya", idle, msg, 404, "not found"),
        ("other-queue", "sam", waiting, approve, 404, "not found"),
        ("customer-resumes", "jonas", waiting, approve, 403, "reviewers resume"),
        ("reviewer-writes", "gil", waiting, msg, 403, "does not send messages"),
        ("message-to-waiting", "jonas", waiting, msg, 409, "waiting for a human reviewer"),
        ("context", "jonas", idle, {**msg, "context": {"refund_approval_limit": 100000}}, 403, "'context'"),
        ("config", "jonas", idle, {**msg, "config": {"configurable": {"x": 1}}}, 403, "'config'"),
        ("interrupt-before", "jonas", idle, {**msg, "interrupt_before": ["act"]}, 403, "'interrupt_before'"),
        ("webhook", "jonas", idle, {**msg, "webhook": "http://127.0.0.1:9/"}, 403, "'webhook'"),
        ("unknown-field", "jonas", idle, {**msg, "surprise": 1}, 422, "surprise"),
        ("goto", "gil", waiting, {"command": {"goto": "act"}}, 403, "'goto'"),
        ("update", "gil", waiting, {"command": {"update": {"status": "resolved"}, "resume": {}}}, 403, "'update'"),
        ("older-checkpoint", "gil", waiting, {**approve, "checkpoint": {"checkpoint_id": scene["older"]}}, 403,
         "checkpoint other than"),
        ("older-checkpoint-id", "gil", waiting, {**approve, "checkpoint_id": scene["older"]}, 403, "checkpoint"),
        ("other-namespace", "gil", waiting, {**approve, "checkpoint": {"checkpoint_id": scene["head"],
                                                                        "checkpoint_ns": "x"}}, 403, "checkpoint"),
        ("other-thread", "gil", waiting, {**approve, "checkpoint": {"checkpoint_id": scene["head"],
                                                                     "thread_id": idle}}, 403, "checkpoint"),
        ("assistant-message", "jonas", idle, {"input": {"messages": [{"role": "assistant", "content": "Refunded."}]}},
         403, "only an admin"),
        ("remove-message", "jonas", idle, {"input": {"messages": [{"type": "remove", "id": reply_id}]}}, 403,
         "only an admin"),
        ("replace-reply", "jonas", idle, {"input": {"messages": [{"type": "human", "content": "I never asked",
                                                                 "id": reply_id}]}}, 409, "already in this thread"),
        ("input-field", "jonas", idle, {"input": {**msg["input"], "human_owner": "jonas"}}, 403, "human_owner"),
        ("stream-debug", "jonas", idle, {**msg, "stream_mode": ["values", "debug"]}, 403, "debug"),
        ("stream-checkpoints", "jonas", idle, {**msg, "stream_mode": "checkpoints"}, 403, "checkpoints"),
    ]


def test_every_refused_run_variant(api_server: ApiServer, scene: dict[str, Any]) -> None:
    jonas = api_server.client("jonas")
    before = jonas.threads.get_state(scene["idle"])["values"]["messages"]
    reply_id = before[-1]["id"]
    for name, who, thread, body, status, reason in _run_variants(scene, reply_id):
        for route in ("runs/wait", "runs/stream", "runs"):
            response = call(api_server, who, "POST", f"/threads/{thread}/{route}", {"assistant_id": "support", **body})
            assert response.status_code == status and reason in response.json()["message"], \
                f"{name} {route}: {response.status_code} {response.text[:300]}"
    assert jonas.threads.get_state(scene["idle"])["values"]["messages"] == before, "a refused run changed the thread"
    assert api_server.client("gil").threads.get(scene["waiting"])["status"] == "interrupted"


def test_the_latest_checkpoint_is_accepted_and_the_stream_shows_a_customer_only_the_conversation(
        api_server: ApiServer, scene: dict[str, Any]) -> None:
    """S7: what useStream and agent-chat-ui send with each run (agent-chat-ui's stream modes and options)."""
    jonas = api_server.client("jonas")
    head = jonas.threads.get_state(scene["idle"])["checkpoint"]
    events: list[tuple[str, Any]] = []
    for part in jonas.runs.stream(scene["idle"], UUID_ASSISTANT, input=customer_message("Thanks! 5 stars."),
                                  checkpoint={"checkpoint_id": head["checkpoint_id"], "checkpoint_ns": ""},
                                  stream_mode=["values", "updates", "messages-tuple", "custom"],
                                  stream_subgraphs=True, stream_resumable=True, on_disconnect="continue"):
        events.append((part.event, part.data))
    assert "error" not in [e for e, _ in events], events
    for event, data in events:
        if event == "values":
            assert set(data) <= CUSTOMER_KEYS, sorted(data)
        if event == "updates":
            assert all(set(update or {}) <= CUSTOMER_KEYS for update in data.values()), data
    messages = jonas.threads.get_state(scene["idle"])["values"]["messages"]
    assert [m["type"] for m in messages] == ["human", "ai", "human", "ai"], messages


# ---- the customer's view, the reviewer's name -------------------------------------------------------------------

def test_a_customer_sees_its_conversation_not_the_reviews_internals(api_server: ApiServer,
                                                                    scene: dict[str, Any]) -> None:
    jonas = api_server.client("jonas")
    gil = api_server.client("gil")
    waiting = scene["waiting"]
    state = jonas.threads.get_state(waiting)
    assert set(state["values"]) <= CUSTOMER_KEYS and [i["value"] for i in state["interrupts"]] == [AWAITING_REVIEW]
    assert "action_requests" in gil.threads.get_state(waiting)["interrupts"][0]["value"], "the reviewer sees all"
    head = gil.threads.get_state(waiting)["checkpoint"]["checkpoint_id"]
    words = "We are calling you within the hour at the number on your account."
    output = gil.runs.wait(waiting, "support", command={"resume": {"decisions": [{"type": "respond", "message": words}],
                                                                   "take_over": True}},
                           checkpoint={"checkpoint_id": head, "checkpoint_ns": ""})  # S7 for a reviewer
    assert output["review"]["reviewer"] == "gil" and output["human_owner"] == "gil", "the reviewer's view keeps all"
    served = {"state": jonas.threads.get_state(waiting), "history": jonas.threads.get_history(waiting, limit=50),
              "runs": jonas.runs.list(waiting),
              "GET history": call(api_server, "jonas", "GET", f"/threads/{waiting}/history").json(),
              "stream": [[p.event, p.data] for p in jonas.runs.stream(
                  waiting, "support", input=customer_message("Thank you."),
                  stream_mode=["values", "updates", "messages-tuple"])]}
    for where, value in served.items():
        leaks = sorted(set(_keys(value)) & INTERNAL_KEYS) + [s for s in _strings(value) if s == "gil"]
        assert not leaks, f"{where} shows the customer {leaks}"
    assert words in json.dumps(served["state"])


# ---- errors, readiness ------------------------------------------------------------------------------------------

def test_errors_carry_a_request_id_not_sql_or_exception_text(api_server: ApiServer, scene: dict[str, Any]) -> None:
    response = call(api_server, "jonas", "POST", f"/threads/{scene['idle']}/history", {"before": "not-a-checkpoint"})
    assert response.status_code == 500, response.text
    body = response.json()
    request_id = body["details"]["request_id"]
    assert request_id in body["message"] and not any(w in response.text for w in SQL_WORDS), response.text
    assert request_id in api_server.server.log_tail(2_000_000), "the details are not in the log under the request id"
    ops = api_server.client("ops")
    for route in ("runs/wait", "runs/stream"):  # a character Postgres cannot store: 4xx, or 5xx without details
        thread = str(ops.threads.create()["thread_id"])
        response = call(api_server, "ops", "POST", f"/threads/{thread}/{route}",
                        {"assistant_id": "support", "input": customer_message("refund\u0000 order 10004")})
        assert not any(w in response.text for w in SQL_WORDS), response.text[:2000]


def test_ready_says_the_models_are_loaded(api_server: ApiServer) -> None:
    ready = httpx.get(api_server.base_url + "/ready", timeout=30)
    assert ready.status_code == 200 and ready.json()["ready"] is True, ready.text
    models = ready.json()["models"]
    assert models["cache"].startswith("/") and models["router"], models
