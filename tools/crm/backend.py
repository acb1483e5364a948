"""The CRM interface the CRM tools call, and the choice of implementation by configuration.

Tools hold the policy (verification, attempt limits, approvals, proration); a backend only reads and
writes the company's CRM. ``SqlCrm`` (the demo store) is the default; ``HttpCrm`` talks JSON over HTTP
to a company's own CRM when ``SUPPORTGRAPH_CRM_URL`` is set; ``SUPPORTGRAPH_CRM_BACKEND`` names any other
implementation (tools/systems.py). See docs/plugging-in-your-systems.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from tools.systems import backend_env, configured_backend

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from tools.store import BusinessStore

CRM_URL_ENV = "SUPPORTGRAPH_CRM_URL"
CRM_TIMEOUT_ENV = "SUPPORTGRAPH_CRM_TIMEOUT"  # seconds to wait for one CRM answer (default 5)
CRM_TOKEN_ENV = "SUPPORTGRAPH_CRM_TOKEN"


@dataclass(frozen=True, kw_only=True)
class CustomerRef:
    """Who an email or id belongs to: enough to greet and to verify, nothing more."""

    customer_id: str
    name: str
    plan_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Plan:
    id: str
    name: str
    monthly_price_cents: int
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class CustomerProfile:
    """The customer's CRM record. ``subscriptions`` items have subscription_id, plan, status, renews_at."""

    customer_id: str
    name: str
    email: str
    zip_code: str
    plan: Plan
    newsletter: bool
    customer_since: datetime | None = None
    addresses: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    card_last4: str | None = None  # of the card on file: compared when two accounts are merged, never shown


def same_person(one: CustomerProfile, other: CustomerProfile) -> bool:
    """Two accounts of one person (policy 4): the same name, and the same zip code or card on file."""
    same_name = one.name.strip().casefold() == other.name.strip().casefold()
    same_card = one.card_last4 is not None and one.card_last4 == other.card_last4
    return same_name and (one.zip_code == other.zip_code or same_card)


@dataclass(frozen=True, kw_only=True)
class AccountMerge:
    """What ``merge_accounts`` did: rows moved per kind of record, and the one membership kept."""

    moved: dict[str, int]
    subscription_id: str | None


class CrmBackend(Protocol):
    """What the CRM tools need from a CRM. Reads return ``None`` for "no such (active) customer".

    Writes get ``tx``, the tool's open transaction on the supportgraph store (where the operation record
    is kept): a backend whose data lives in that store writes through it; a remote one ignores it and
    sends ``key`` as its idempotency key, so a retried step never applies twice. A business refusal is
    ``raise BackendRefusal("sentence")``; an outage is any other exception.

    Reads given ``tx`` see the writes made in it. ``lock=True`` (with ``tx``) holds the customer until ``tx``
    ends: the write tools read the customer that way, so two writes to one customer (two plan changes, a
    change and a merge) run one after the other and the second reads what the first wrote. SqlCrm locks the
    customer row; a remote CRM cannot join ``tx`` (see HttpCrm for what it must guarantee instead).
    """

    def find_by_email(self, email: str) -> CustomerRef | None: ...

    def get_ref(
        self, customer_id: str, *, lock: bool = False, tx: Connection | None = None
    ) -> CustomerRef | None: ...

    def check_identity(
        self, customer_id: str, *, zip_code: str | None, card_last4: str | None, tx: Connection | None = None
    ) -> bool:
        """Whether every given detail matches; read in ``tx`` when given (``verify_identity`` reads the customer
        locked, then this, then records the attempt, all in one transaction)."""
        ...

    def get_profile(
        self, customer_id: str, *, lock: bool = False, tx: Connection | None = None
    ) -> CustomerProfile | None: ...

    def plans(self) -> list[Plan]: ...

    def send_password_reset(self, customer_id: str, *, tx: Connection, key: str) -> str | None:
        """Send the reset link; the email address it went to (``None``: no such customer)."""
        ...

    def set_newsletter(self, customer_id: str, subscribed: bool, *, tx: Connection, key: str) -> bool | None:
        """Set the newsletter flag; its previous value (``None``: no such customer)."""
        ...

    def set_plan(
        self, customer_id: str, plan_id: str, *, previous_plan_id: str, tx: Connection, key: str, now: datetime
    ) -> None:
        """Move the customer to ``plan_id``. ``previous_plan_id`` is the plan the tool read and prorated from:
        ``BackendRefusal`` if the customer is no longer on it (a concurrent change won the race)."""
        ...

    def request_deletion(self, customer_id: str, *, tx: Connection, key: str, now: datetime) -> None: ...

    def delete_customer(self, customer_id: str, *, tx: Connection, key: str, now: datetime) -> None:
        """Soft-delete: mark deleted and scrub personal data; orders stay for accounting."""
        ...

    def merge_accounts(
        self, keep_id: str, merged_id: str, *, plan_id: str, tx: Connection, key: str, now: datetime
    ) -> AccountMerge:
        """Move everything of ``merged_id`` (orders, payment methods, addresses, subscriptions, invoices,
        tickets…) to ``keep_id``, keep one membership on ``plan_id`` and mark ``merged_id`` merged. Nothing
        may point at the merged account afterwards. ``BackendRefusal`` if either account is not active."""
        ...


def crm_backend(store: BusinessStore) -> CrmBackend:
    """The configured CRM: ``SUPPORTGRAPH_CRM_BACKEND`` if set (tools/systems.py), else ``HttpCrm`` when
    ``SUPPORTGRAPH_CRM_URL`` is set, else the store's own tables."""
    url = os.environ.get(CRM_URL_ENV, "").strip()
    if url and not os.environ.get(backend_env("crm"), "").strip():
        # inside: tools.crm.http_crm imports this module's types
        from tools.crm.http_crm import shared_http_crm

        return shared_http_crm(url, token=os.environ.get(CRM_TOKEN_ENV) or None,
                               timeout=float(os.environ.get(CRM_TIMEOUT_ENV) or 5.0))
    # inside: tools.crm.sql_crm imports this module's types
    from tools.crm.sql_crm import SqlCrm

    return configured_backend(store, "crm", SqlCrm)
