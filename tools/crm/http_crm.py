"""HttpCrm: the CRM backend for a company's own CRM speaking JSON over HTTP.

The endpoints (relative to ``SUPPORTGRAPH_CRM_URL``), documented in docs/plugging-in-your-systems.md:
``GET /customers?email=`` · ``GET /customers/{id}`` · ``POST /customers/{id}/verify`` · ``GET /plans`` ·
``POST /customers/{id}/password-reset`` · ``PATCH /customers/{id}`` · ``POST /customers/{id}/deletion-request``
· ``DELETE /customers/{id}`` · ``POST /customers/{id}/merge``. 404 means "no such customer"; 409/422 with
``{"error": "..."}`` is a refusal.

The CRM cannot join the tool's transaction on the supportgraph store, so ``lock=True`` on a read holds
nothing here. What keeps two concurrent writes to one customer apart must then be the CRM's own guarantee:
it applies the writes for one customer one at a time, answers a repeated ``Idempotency-Key`` with the first
answer, and refuses (409) a plan change whose ``previous_plan_id`` is no longer the customer's plan. Of two
racing plan changes the second is then refused, and its transaction, with its invoice, refund or credit in
the store, rolls back: nothing is billed twice. Where the check reads the store itself (attempts counted,
an open ticket looked for), the tool also holds the customer there (``tools.common.lock_customer``), which
holds with this CRM too.
"""

from __future__ import annotations

import atexit
import functools
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import Connection

from tools.base import BackendRefusal, BackendUnavailable
from tools.crm.backend import AccountMerge, CustomerProfile, CustomerRef, Plan


class CrmUnavailable(BackendUnavailable):
    """The CRM did not answer, answered with a server error or with something that is not JSON: an outage,
    not a refusal (the tool's step fails with the reason, tools/base.py)."""


RETRIES = 1  # one more try after a transport error or a 5xx: safe, reads are reads and writes carry their key


class HttpCrm:
    """Implements ``CrmBackend`` over HTTP; every write carries an ``Idempotency-Key`` header.

    One ``httpx.Client`` (its connection pool, kept alive between requests) per instance, thread-safe;
    ``close()`` or ``with HttpCrm(…) as crm:`` releases it. ``shared_http_crm`` hands out one per configuration.
    """

    def __init__(self, base_url: str, *, token: str | None = None, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Accept": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
        self.client = httpx.Client(base_url=self.base_url, timeout=timeout, headers=headers)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> HttpCrm:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, method: str, path: str, *, key: str | None = None, **kwargs: Any) -> Any:
        for attempt in range(RETRIES + 1):
            try:
                return self._call_once(method, path, key=key, **kwargs)
            except CrmUnavailable:
                if attempt == RETRIES:
                    raise
        raise AssertionError("unreachable")

    def _call_once(self, method: str, path: str, *, key: str | None = None, **kwargs: Any) -> Any:
        try:
            response = self.client.request(method, path, headers={"Idempotency-Key": key} if key else None, **kwargs)
        except httpx.TimeoutException as exc:
            raise CrmUnavailable(f"the CRM did not answer {method} {path} in time") from exc
        except httpx.HTTPError as exc:
            raise CrmUnavailable(f"the CRM is unreachable ({type(exc).__name__})") from exc
        if response.status_code == 404:
            return None
        if response.status_code in (400, 409, 422):
            raise BackendRefusal(str(_json(response, method, path).get("error") or "the CRM refused the request."))
        if response.status_code >= 300:
            raise CrmUnavailable(f"the CRM answered {response.status_code} to {method} {path}")
        return _json(response, method, path) if response.content else {}

    def find_by_email(self, email: str) -> CustomerRef | None:
        data = self._call("GET", "/customers", params={"email": email.strip().lower()})
        if not data:
            return None
        return CustomerRef(customer_id=data["customer_id"], name=data["name"], plan_id=data.get("plan_id"))

    def get_ref(self, customer_id: str, *, lock: bool = False, tx: Connection | None = None) -> CustomerRef | None:
        profile = self.get_profile(customer_id)
        if profile is None:
            return None
        return CustomerRef(customer_id=profile.customer_id, name=profile.name, plan_id=profile.plan.id)

    def check_identity(
        self, customer_id: str, *, zip_code: str | None, card_last4: str | None, tx: Connection | None = None
    ) -> bool:
        body = {"zip_code": zip_code, "card_last4": card_last4}
        data = self._call("POST", f"/customers/{customer_id}/verify", json=body)
        return bool(data and data.get("match"))

    def plans(self) -> list[Plan]:
        return [Plan(**p) for p in self._call("GET", "/plans") or []]

    def get_profile(
        self, customer_id: str, *, lock: bool = False, tx: Connection | None = None
    ) -> CustomerProfile | None:
        data = self._call("GET", f"/customers/{customer_id}")
        if not data:
            return None
        since = data.get("customer_since")
        subs = [
            s | {"renews_at": datetime.fromisoformat(s["renews_at"]) if s.get("renews_at") else None}
            for s in data.get("subscriptions", [])
        ]
        return CustomerProfile(
            customer_id=data["customer_id"],
            name=data["name"],
            email=data["email"],
            zip_code=data["zip_code"],
            plan=Plan(**data["plan"]),
            newsletter=bool(data["newsletter"]),
            customer_since=datetime.fromisoformat(since) if since else None,
            addresses=list(data.get("addresses", [])),
            subscriptions=subs,
            card_last4=data.get("card_last4"),
        )

    def send_password_reset(self, customer_id: str, *, tx: Connection, key: str) -> str | None:
        data = self._call("POST", f"/customers/{customer_id}/password-reset", key=key)
        return None if data is None else str(data["sent_to"])

    def set_newsletter(self, customer_id: str, subscribed: bool, *, tx: Connection, key: str) -> bool | None:
        data = self._call("PATCH", f"/customers/{customer_id}", key=key, json={"newsletter": subscribed})
        return None if data is None else bool(data["previous"]["newsletter"])

    def set_plan(
        self, customer_id: str, plan_id: str, *, previous_plan_id: str, tx: Connection, key: str, now: datetime
    ) -> None:
        body = {"plan_id": plan_id, "previous_plan_id": previous_plan_id}
        self._found(self._call("PATCH", f"/customers/{customer_id}", key=key, json=body), customer_id)

    def request_deletion(self, customer_id: str, *, tx: Connection, key: str, now: datetime) -> None:
        self._found(self._call("POST", f"/customers/{customer_id}/deletion-request", key=key), customer_id)

    def delete_customer(self, customer_id: str, *, tx: Connection, key: str, now: datetime) -> None:
        self._found(self._call("DELETE", f"/customers/{customer_id}", key=key), customer_id)

    def merge_accounts(
        self, keep_id: str, merged_id: str, *, plan_id: str, tx: Connection, key: str, now: datetime
    ) -> AccountMerge:
        body = {"merged_customer_id": merged_id, "plan_id": plan_id}
        data = self._call("POST", f"/customers/{keep_id}/merge", key=key, json=body)
        self._found(data, keep_id)
        return AccountMerge(moved=dict(data.get("moved", {})), subscription_id=data.get("subscription_id"))

    @staticmethod
    def _found(data: Any, customer_id: str) -> None:
        if data is None:
            raise BackendRefusal(f"customer {customer_id} was not found in the CRM.")


def _shape_checked(method: Callable[..., Any]) -> Callable[..., Any]:
    """A CRM answer that is JSON but not of the documented shape is an outage too, not a crash."""

    @functools.wraps(method)
    def checked(self: HttpCrm, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CrmUnavailable(f"the CRM answered {method.__name__} in an unexpected form") from exc

    return checked


for _name in ("find_by_email", "get_ref", "check_identity", "plans", "get_profile", "send_password_reset",
              "set_newsletter", "set_plan", "request_deletion", "delete_customer", "merge_accounts"):
    setattr(HttpCrm, _name, _shape_checked(getattr(HttpCrm, _name)))


def _json(response: httpx.Response, method: str, path: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise CrmUnavailable(f"the CRM answered {method} {path} with something that is not JSON") from exc


_shared: dict[tuple[str, str | None, float], HttpCrm] = {}
_shared_lock = threading.Lock()


def shared_http_crm(base_url: str, *, token: str | None = None, timeout: float = 5.0) -> HttpCrm:
    """The process's ``HttpCrm`` for this URL and token, so tool calls reuse its connections. A new configuration
    closes the previous one (the settings are read on every tool call); the last is closed at exit."""
    config = (base_url, token, timeout)
    with _shared_lock:
        crm = _shared.get(config)
        if crm is None:
            for old in _shared.values():
                old.close()
            _shared.clear()
            crm = _shared[config] = HttpCrm(base_url, token=token, timeout=timeout)
        return crm


@atexit.register
def _close_shared() -> None:
    with _shared_lock:
        for crm in _shared.values():
            crm.close()
        _shared.clear()
