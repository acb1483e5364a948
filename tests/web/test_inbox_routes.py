"""The inbox app's own routes, with a scripted graph API behind it: what is forwarded, what the key may see.

The browser test (test_inbox_browser.py) runs the same app against the real server; these cover the refusals.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from foundation.audit import AuditLog, open_audit_log
from supportgraph.inbox import InboxSettings, create_app

KEY = "sg-sams-key"
ADMIN_KEY = "sg-ops-key"
CUSTOMER_KEY = "sg-mayas-key"
IDENTITIES = {KEY: {"name": "sam", "role": "reviewer", "queues": ["billing"]},
              ADMIN_KEY: {"name": "ops", "role": "admin"}, CUSTOMER_KEY: {"name": "maya", "role": "customer"}}


class FakeApi:
    """An Agent Protocol server whose keys (sam's, above all) may see thread t-1 only; ``/whoami`` says who a key
    is, as supportgraph serve does. Without ``identities`` it is an API without keys (langgraph dev)."""

    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []
        self.down = False
        self.identities = True
        self.interrupted = ["t-1"]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        key = request.headers.get("x-api-key")
        if self.identities and key not in IDENTITIES:
            return httpx.Response(401, json={"error": "unauthorized", "message": "missing or unknown API key"})
        if request.url.path == "/whoami" and self.identities:
            return httpx.Response(200, json=IDENTITIES[str(key)])
        if request.url.path == "/threads/search":
            return httpx.Response(200, json=[{"thread_id": t, "status": "interrupted"} for t in self.interrupted])
        if request.url.path in ("/threads/t-1", "/threads/t-3"):
            return httpx.Response(200, json={"thread_id": request.url.path.rsplit("/", 1)[1]})
        if request.url.path == "/echo":
            return httpx.Response(201, json={"method": request.method, "query": str(request.url.query, "ascii"),
                                             "body": request.content.decode()},
                                  headers={"x-upstream": "yes", "connection": "close"})
        return httpx.Response(404, json={"error": "not_found", "message": "thread not found"})


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    log = open_audit_log(f"sqlite:///{tmp_path / 'inbox.db'}")
    for thread_id in ("t-1", "t-2"):
        log.open_review(thread_id=thread_id, turn=1, queue="billing", priority="high", customer_id="C0001",
                        summary="refund", reasons=["a refund above the limit"], confidence=0.9,
                        at=datetime.now(UTC))
    log.record("t-1", 1, "understand", {"intents": [{"intent": "refund_request", "confidence": 0.9}]})
    return log


@pytest.fixture
def fake_api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def client(audit: AuditLog, fake_api: FakeApi) -> Iterator[TestClient]:
    app = create_app(InboxSettings(api_url="http://api.test"), audit, transport=httpx.MockTransport(fake_api))
    with TestClient(app) as test_client:
        yield test_client


def test_the_page_and_its_config_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and 'src="app.js"' in page.text
    assert client.get("/app.js").status_code == 200
    assert client.get("/style.css").status_code == 200
    config = client.get("/inbox/config").json()
    assert config["key_header"] == "x-api-key" and config["api_base"] == "/api"


def test_the_api_is_forwarded_unchanged_with_the_key(client: TestClient, fake_api: FakeApi) -> None:
    answer = client.post("/api/echo?a=1&a=2", content=b'{"x": 1}',
                         headers={"x-api-key": KEY, "content-type": "application/json"})
    assert answer.status_code == 201
    assert answer.json() == {"method": "POST", "query": "a=1&a=2", "body": '{"x": 1}'}
    assert answer.headers["x-upstream"] == "yes"
    forwarded = fake_api.seen[-1]
    assert forwarded.headers["x-api-key"] == KEY and forwarded.headers["host"] == "api.test"
    refused = client.post("/api/threads/search", json={})
    assert refused.status_code == 401 and "API key" in refused.json()["message"]


def test_the_review_index_lists_only_what_the_key_may_see(client: TestClient) -> None:
    answer = client.get("/inbox/reviews", headers={"x-api-key": KEY})
    assert answer.status_code == 200
    reviews = answer.json()["reviews"]
    assert [r["thread_id"] for r in reviews] == ["t-1"]  # t-2 waits too, but not for this key
    assert reviews[0]["priority"] == "high" and reviews[0]["queue"] == "billing"
    assert 0 < reviews[0]["sla_seconds_left"] <= 4 * 3600  # high priority: a 4-hour SLA
    assert client.get("/inbox/reviews").status_code == 401
    assert _reviews(client, CUSTOMER_KEY).status_code == 403  # the queue is the reviewers'


def test_assignment_needs_a_thread_the_key_may_see(client: TestClient, audit: AuditLog) -> None:
    key = {"x-api-key": KEY}
    assert client.post("/inbox/threads/t-1/assign", json={"reviewer": "sam"}, headers=key).json() == {
        "thread_id": "t-1", "assigned_to": "sam"}
    assert client.post("/inbox/threads/t-2/assign", json={"reviewer": "sam"}, headers=key).status_code == 404
    assert client.post("/inbox/threads/t-1/assign", json={"reviewer": "sam"}).status_code == 401
    assigned = {i.thread_id: i.assigned_to for i in audit.review_items()}
    assert assigned == {"t-1": "sam", "t-2": None}
    no_review = client.post("/inbox/threads/t-3/assign", json={"reviewer": "sam"}, headers=key)
    assert no_review.status_code == 409 and "no open review" in no_review.json()["detail"]
    assert client.post("/inbox/threads/t-1/assign", content=b"{", headers=key).status_code == 400
    for bad in ({"reviewer": ""}, {"reviewer": "x" * 101}, {"who": "sam"}, ["sam"]):
        assert client.post("/inbox/threads/t-1/assign", json=bad, headers=key).status_code == 422, bad


def test_a_reviewer_cannot_assign_as_another(client: TestClient, audit: AuditLog, fake_api: FakeApi) -> None:
    def assign(key: str | None, body: object) -> httpx.Response:
        return client.post("/inbox/threads/t-1/assign", json=body, headers={"x-api-key": key} if key else {})

    def assignee() -> str | None:
        return {i.thread_id: i.assigned_to for i in audit.review_items()}["t-1"]

    refused = assign(KEY, {"reviewer": "tess"})
    assert refused.status_code == 403 and "sam's" in refused.json()["detail"], refused.text
    assert assignee() is None
    assert assign(KEY, {}).json() == {"thread_id": "t-1", "assigned_to": "sam"}  # the key's own name
    assert assign(ADMIN_KEY, {"reviewer": "tess"}).json()["assigned_to"] == "tess"  # an admin assigns others
    assert assignee() == "tess"
    assert assign(ADMIN_KEY, {}).json()["assigned_to"] == "ops"
    assert assign(CUSTOMER_KEY, {}).status_code == 403
    assert assignee() == "ops"
    fake_api.identities = False  # langgraph dev: no keys, no /whoami, so the body names the assignee
    assert assign(None, {"reviewer": "tess"}).json()["assigned_to"] == "tess"
    assert assign(None, {}).status_code == 422


def test_an_api_that_does_not_answer_is_a_502_with_a_reason(client: TestClient, fake_api: FakeApi) -> None:
    fake_api.down = True
    for answer in (client.get("/api/threads/t-1"), client.get("/inbox/reviews"),
                   client.post("/inbox/threads/t-1/assign", json={"reviewer": "sam"})):
        assert answer.status_code == 502 and "did not answer" in answer.json()["detail"]


@pytest.mark.parametrize(("args", "error"), [
    (["--api", "localhost:2024"], "--api must be an http(s) URL such as http://127.0.0.1:2024, not 'localhost:2024'"),
    (["--api", "http://127.0.0.1:2024", "--port", "70000"], "--port must be between 0 and 65535, not 70000"),
    (["--api", "http://127.0.0.1:2024", "--key-header", "x api key"], "--key-header must be a header name, not "
                                                                      "'x api key'"),
])
def test_the_command_refuses_bad_options_in_one_line(args: list[str], error: str, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from supportgraph.cli import main

    monkeypatch.setenv("SUPPORTGRAPH_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setattr(sys, "argv", ["supportgraph", "inbox", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines() == [f"error: {error}"]


def _reviews(client: TestClient, key: str = KEY, **params: str) -> httpx.Response:
    return client.get("/inbox/reviews", params=params, headers={"x-api-key": key})


def test_the_queue_filters_and_carries_intents(client: TestClient) -> None:
    assert _reviews(client).json()["reviews"][0]["intents"] == ["refund_request"]
    for params, found in (({"queue": "billing"}, ["t-1"]), ({"queue": "general"}, []),
                          ({"priority": "high"}, ["t-1"]), ({"priority": "low"}, []),
                          ({"breached": "1"}, []), ({"customer": "c0001"}, ["t-1"]), ({"customer": "C0002"}, []),
                          ({"intent": "refund_request"}, ["t-1"]), ({"intent": "cancel_order"}, []),
                          ({"q": "refund limit"}, ["t-1"]), ({"q": "refund shipping"}, [])):
        answer = _reviews(client, **params).json()
        assert [r["thread_id"] for r in answer["reviews"]] == found, params
        assert answer["total"] == 1  # what the key sees before the filters
    for bad in ({"queue": "sales"}, {"priority": "asap"}, {"wait": "forever"}, {"wait": "99"}, {"colour": "red"}):
        answer = _reviews(client, **bad)
        assert answer.status_code == 422 and answer.json()["detail"], bad


def test_the_long_poll_answers_when_the_queue_changes(client: TestClient, audit: AuditLog,
                                                     fake_api: FakeApi) -> None:
    # t-2 was queued a moment ago and its thread is not listed as interrupted yet: no token, so the page asks
    # again at once instead of waiting for the next change
    settling = _reviews(client).json()
    assert settling["settling"] and settling["token"] is None
    fake_api.interrupted = ["t-1", "t-2"]
    first = _reviews(client).json()
    assert not first["settling"] and [r["thread_id"] for r in first["reviews"]] == ["t-1", "t-2"]
    token = first["token"]
    unchanged = _reviews(client, after=token, wait="0.6").json()
    assert unchanged == {"token": token, "changed": False}
    assert audit.assign_review("t-1", "sam")  # taken: the token moves, the poll answers at once
    taken = _reviews(client, after=token, wait="20").json()
    assert taken["changed"] and taken["token"] != token and taken["reviews"][0]["assigned_to"] == "sam"
    audit.resolve_review("t-1", 1, {"decisions": [{"type": "approve"}]}, at=datetime.now(UTC))
    decided = _reviews(client, after=taken["token"], wait="20").json()
    assert [r["thread_id"] for r in decided["reviews"]] == ["t-2"]
    assert [(d["thread_id"], d["reviewer"], d["decisions"]) for d in decided["decided"]] == [
        ("t-1", "sam", ["approve"])]


def test_workload_counts_only_the_keys_queues(client: TestClient, audit: AuditLog) -> None:
    audit.open_review(thread_id="t-9", turn=1, queue="general", priority="normal", customer_id="C0002",
                      summary="upset", reasons=["the customer asked for a person"], confidence=0.5,
                      at=datetime.now(UTC))
    audit.assign_review("t-2", "sam")
    audit.resolve_review("t-2", 1, {"decisions": [{"type": "approve"}]}, at=datetime.now(UTC))
    mine = client.get("/inbox/workload", headers={"x-api-key": KEY}).json()
    assert (mine["me"], mine["queues"], mine["waiting"], mine["waiting_by_queue"]) == ("sam", ["billing"], 1,
                                                                                      {"billing": 1})
    assert mine["decided_today"] == 1 and mine["reviewers"][0]["reviewer"] == "sam"
    assert mine["oldest_seconds"] >= 0
    everyone = client.get("/inbox/workload", headers={"x-api-key": ADMIN_KEY}).json()
    assert everyone["waiting_by_queue"] == {"billing": 1, "general": 1}
    assert client.get("/inbox/workload", headers={"x-api-key": CUSTOMER_KEY}).status_code == 403
    assert client.get("/inbox/workload").status_code == 401


def test_a_customers_history_needs_a_thread_the_key_may_see(audit: AuditLog, fake_api: FakeApi,
                                                            tmp_path: Path) -> None:
    from tools.store import prepare_demo_store

    store = prepare_demo_store(f"sqlite:///{tmp_path / 'inbox.db'}", customers=20)
    audit.open_review(thread_id="t-0", turn=1, queue="billing", priority="normal", customer_id="C0001",
                      summary="where is my order", reasons=["x"], confidence=0.5, at=datetime.now(UTC))
    audit.open_review(thread_id="t-8", turn=1, queue="technical", priority="normal", customer_id="C0001",
                      summary="wifi", reasons=["x"], confidence=0.5, at=datetime.now(UTC))
    app = create_app(InboxSettings(api_url="http://api.test"), audit, store=store,
                     transport=httpx.MockTransport(fake_api))
    with TestClient(app) as client:
        answer = client.get("/inbox/threads/t-1/customer", headers={"x-api-key": KEY})
        assert answer.status_code == 200, answer.text
        history = answer.json()
        assert history["profile"]["name"] == "Maya Chen" and history["profile"]["plan"]["name"]
        assert history["orders"] and all(o["order_id"] for o in history["orders"])
        # earlier threads: the billing key sees t-0 and t-2 (billing), not the technical t-8
        assert sorted(t["thread_id"] for t in history["earlier_threads"]) == ["t-0", "t-2"]
        assert client.get("/inbox/threads/t-2/customer", headers={"x-api-key": KEY}).status_code == 404
        assert client.get("/inbox/threads/t-1/customer").status_code == 401
        admin = client.get("/inbox/threads/t-1/customer", headers={"x-api-key": ADMIN_KEY}).json()
        assert sorted(t["thread_id"] for t in admin["earlier_threads"]) == ["t-0", "t-2", "t-8"]


def test_the_dashboard_is_limited_to_the_keys_queues(client: TestClient) -> None:
    mine = client.get("/inbox/dashboard", params={"days": "7"}, headers={"x-api-key": KEY})
    assert mine.status_code == 200, mine.text
    data = mine.json()
    assert data["queues"] == ["billing"] and data["bucket"] == "day" and len(data["trend"]) in (7, 8)
    assert set(data["headline"]) >= {"fcr_rate", "handling_median_seconds", "csat_mean", "escalation_rate",
                                     "automation_rate", "savings"}
    refused = client.get("/inbox/dashboard", params={"queue": "general"}, headers={"x-api-key": KEY})
    assert refused.status_code == 403 and "general" in refused.json()["detail"]
    weekly = client.get("/inbox/dashboard", params={"queue": "general", "bucket": "week", "days": "60"},
                        headers={"x-api-key": ADMIN_KEY}).json()
    assert weekly["queues"] == ["general"] and weekly["bucket"] == "week" and 9 <= len(weekly["trend"]) <= 10
    for bad in ({"days": "0"}, {"days": "many"}, {"bucket": "month"}, {"queue": "sales"}, {"who": "me"}):
        assert client.get("/inbox/dashboard", params=bad, headers={"x-api-key": ADMIN_KEY}).status_code == 422, bad
    assert client.get("/dashboard").status_code == 200
