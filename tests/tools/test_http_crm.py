"""HttpCrm against a real HTTP server on 127.0.0.1: the same CRM tools, a company's own CRM behind them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import pytest

from tests.tools.conftest import REFERENCE_TIME, make_ctx
from tests.tools.helpers import Call
from tools.base import BackendRefusal
from tools.crm.backend import CRM_URL_ENV, crm_backend
from tools.crm.http_crm import HttpCrm
from tools.store import BusinessStore

PEOPLE: dict[str, dict[str, Any]] = {
    "C9001": {"name": "Ines Duarte", "email": "ines@corp.example", "zip": "30301", "last4": "7777", "plan": "pro"},
    "C9002": {"name": "Kofi Mensah", "email": "kofi@corp.example", "zip": "73301", "last4": "1212", "plan": "basic"},
    "C9003": {"name": "Ines Duarte", "email": "ines.d@corp.example", "zip": "30301", "last4": "8888", "plan": "plus"},
}
PLANS = {"basic": ("Basic", 0), "plus": ("Plus", 999), "pro": ("Pro", 5999)}


class FakeCrm(BaseHTTPRequestHandler):
    """A company CRM in 60 lines: the endpoints HttpCrm documents, with idempotency keys remembered."""

    protocol_version = "HTTP/1.1"  # keep-alive, as a real CRM (every answer has a Content-Length)
    seen_keys: ClassVar[dict[str, Any]] = {}
    newsletter: ClassVar[dict[str, bool]] = {}
    merges: ClassVar[list[tuple[str, ...]]] = []
    connections: ClassVar[set[int]] = set()  # the client ports requests came from

    def log_message(self, *_: Any) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: Any = None) -> None:
        self.connections.add(self.client_address[1])
        raw = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def _profile(self, cid: str) -> dict[str, Any]:
        p = PEOPLE[cid]
        name, price = PLANS[p["plan"]]
        return {
            "customer_id": cid,
            "name": p["name"],
            "email": p["email"],
            "zip_code": p["zip"],
            "plan": {"id": p["plan"], "name": name, "monthly_price_cents": price},
            "newsletter": self.newsletter.get(cid, False),
            "customer_since": "2024-01-05T00:00:00+00:00",
            "subscriptions": [],
            "addresses": [],
        }

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path == "/customers":
            email = parse_qs(url.query).get("email", [""])[0]
            cid = next((c for c, p in PEOPLE.items() if p["email"] == email), None)
            self._send(
                200, {"customer_id": cid, "name": PEOPLE[cid]["name"], "plan_id": PEOPLE[cid]["plan"]}
            ) if cid else self._send(404, {"error": "no such customer"})
        elif url.path == "/plans":
            self._send(200, [{"id": k, "name": n, "monthly_price_cents": c} for k, (n, c) in PLANS.items()])
        elif url.path.removeprefix("/customers/") in set(PEOPLE) - {m[1] for m in self.merges}:
            self._send(200, self._profile(url.path.removeprefix("/customers/")))
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        parts = urlparse(self.path).path.strip("/").split("/")
        if len(parts) == 3 and parts[1] in PEOPLE and parts[2] == "verify":
            body, p = self._body(), PEOPLE[parts[1]]
            match = body.get("zip_code") in (None, p["zip"]) and body.get("card_last4") in (None, p["last4"])
            self._send(200, {"match": match})
        elif len(parts) == 3 and parts[1] in PEOPLE and parts[2] == "merge" and self.headers.get("Idempotency-Key"):
            body = self._body()
            self.merges.append((parts[1], body["merged_customer_id"], body["plan_id"], self.headers["Idempotency-Key"]))
            self._send(200, {"moved": {"orders": 1, "payment_methods": 1}, "subscription_id": None})
        else:
            self._send(404, {"error": "not found"})

    def do_PATCH(self) -> None:
        cid = urlparse(self.path).path.removeprefix("/customers/")
        key = self.headers.get("Idempotency-Key")
        if cid not in PEOPLE or not key:
            self._send(404 if cid not in PEOPLE else 400, {"error": "unknown customer or missing key"})
            return
        if key not in self.seen_keys:
            body = self._body()
            self.seen_keys[key] = {"previous": {"newsletter": self.newsletter.get(cid, False)}}
            if body.get("previous_plan_id", PEOPLE[cid]["plan"]) != PEOPLE[cid]["plan"]:
                self._send(409, {"error": "Error: the plan changed meanwhile; read it again."})
                del self.seen_keys[key]
                return
            if "plan_id" in body and body["plan_id"] == "pro" and PEOPLE[cid]["plan"] == "basic":
                self._send(422, {"error": "Error: pro needs a credit check in our CRM; hand over to billing."})
                del self.seen_keys[key]
                return
            self.newsletter[cid] = bool(body.get("newsletter", self.newsletter.get(cid, False)))
        self._send(200, self.seen_keys[key])


@pytest.fixture
def crm_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeCrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv(CRM_URL_ENV, url)
    FakeCrm.seen_keys, FakeCrm.newsletter, FakeCrm.merges, FakeCrm.connections = {}, {}, [], set()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def test_crm_tools_run_against_an_http_crm(call: Call, store: BusinessStore, crm_url: str) -> None:
    assert isinstance(crm_backend(store), HttpCrm)
    found = call("find_customer", make_ctx(None), email="ines@corp.example")
    assert found.ok and found.data == {"customer_id": "C9001", "first_name": "Ines"}
    assert call("find_customer", make_ctx(None), email="maya.chen@example.com").error == (
        "Error: no customer with that email address was found."
    )  # the demo store's customers are not in this CRM
    wrong = call("verify_identity", make_ctx(None), email="ines@corp.example", zip_code="99999")
    assert wrong.error == "Error: those details do not match our records."
    ok = call("verify_identity", make_ctx(None), email="ines@corp.example", zip_code="30301", card_last4="7777")
    assert ok.ok and ok.data == {"customer_id": "C9001", "name": "Ines Duarte", "plan": "pro", "verified": True}
    profile = call("get_customer", make_ctx("C9001"))
    assert profile.ok and profile.data is not None
    assert profile.data["plan"] == {"id": "pro", "name": "Pro", "monthly_price": 59.99}
    assert call("get_customer", make_ctx("C9001"), customer_id="C9002").error == "Error: customer C9002 was not found."


def test_http_crm_writes_carry_the_idempotency_key_and_refusals_pass_through(
    call: Call, store: BusinessStore, crm_url: str
) -> None:
    ctx = make_ctx("C9002", step="newsletter")
    first = call("set_newsletter_subscription", ctx, subscribed=True)
    assert first.ok and first.data == {"customer_id": "C9002", "newsletter": True, "changed": True}
    assert call("set_newsletter_subscription", ctx, subscribed=True) == first
    assert list(FakeCrm.seen_keys) == ["thread-1:newsletter"]
    refused = call("change_plan", make_ctx("C9002"), plan="pro")
    assert refused.error == "Error: pro needs a credit check in our CRM; hand over to billing."


def test_http_crm_plan_change_is_conditional_on_the_plan_read(store: BusinessStore, crm_url: str) -> None:
    """HttpCrm cannot lock the remote record: the CRM refuses a change prorated from a plan it no longer has."""
    with HttpCrm(crm_url) as crm, store.db.begin() as conn:
        crm.set_plan("C9003", "pro", previous_plan_id="plus", tx=conn, key="k-current", now=REFERENCE_TIME)
        with pytest.raises(BackendRefusal, match="the plan changed meanwhile"):
            crm.set_plan("C9003", "basic", previous_plan_id="basic", tx=conn, key="k-stale", now=REFERENCE_TIME)
    assert list(FakeCrm.seen_keys) == ["k-current"] and crm.client.is_closed


def test_tool_calls_reuse_one_http_client_until_the_configuration_changes(
    call: Call, store: BusinessStore, crm_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm = crm_backend(store)
    assert isinstance(crm, HttpCrm) and crm_backend(store) is crm
    assert call("find_customer", make_ctx(None), email="ines@corp.example").ok
    assert call("get_customer", make_ctx("C9001")).ok
    assert call("set_newsletter_subscription", make_ctx("C9002"), subscribed=True).ok
    assert len(FakeCrm.connections) == 1  # one kept-alive connection for the three calls (a client per request: 3)
    monkeypatch.setenv(CRM_URL_ENV, crm_url + "/")
    other = crm_backend(store)
    assert other is not crm and crm.client.is_closed and not other.client.is_closed


def test_http_crm_outage_is_an_exception_not_a_refusal(store: BusinessStore, monkeypatch: pytest.MonkeyPatch) -> None:
    from tools.crm.http_crm import CrmUnavailable

    monkeypatch.setenv(CRM_URL_ENV, "http://127.0.0.1:9")
    with pytest.raises(CrmUnavailable):
        crm_backend(store).find_by_email("ines@corp.example")


def test_account_merge_goes_through_the_http_crm(call: Call, store: BusinessStore, crm_url: str) -> None:
    stranger = call("migrate_account", make_ctx("C9001", approved_by="reviewer.ana"), other_customer_id="C9002")
    assert (stranger.error or "").startswith("Error: account C9002 does not belong to the same person")
    ctx = make_ctx("C9001", step="merge", approved_by="reviewer.ana")
    merged = call("migrate_account", ctx, other_customer_id="C9003")
    assert merged.ok and merged.data == {
        "customer_id": "C9001",
        "merged_account": "C9003",
        "plan": "pro",  # the better of pro and plus, chosen by the tool
        "subscription_id": None,
        "moved": {"orders": 1, "payment_methods": 1},
        "approved_by": "reviewer.ana",
    }
    assert call("migrate_account", ctx, other_customer_id="C9003") == merged
    assert FakeCrm.merges == [("C9001", "C9003", "pro", "thread-1:merge")]
    assert call("migrate_account", make_ctx("C9001", approved_by="ana"), other_customer_id="C9003").error == (
        "Error: account C9003 was not found or was already merged or deleted."
    )
