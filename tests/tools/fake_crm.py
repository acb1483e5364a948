"""A company CRM speaking the HTTP contract HttpCrm documents, served for real on 127.0.0.1 by the tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

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
    deletion_requests: ClassVar[list[tuple[str, str]]] = []  # (customer id, idempotency key)
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
        elif len(parts) == 3 and parts[1] in PEOPLE and parts[2] == "deletion-request":
            key = self.headers.get("Idempotency-Key", "")
            if (parts[1], key) not in self.deletion_requests:
                self.deletion_requests.append((parts[1], key))
            self._send(200, {})
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


@contextmanager
def serve_fake_crm() -> Iterator[str]:
    """Serve :class:`FakeCrm` on a free loopback port with fresh state; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeCrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeCrm.seen_keys, FakeCrm.newsletter, FakeCrm.merges, FakeCrm.connections = {}, {}, [], set()
    FakeCrm.deletion_requests = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
