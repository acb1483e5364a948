"""Check-then-act races on one customer: identity verification's attempt limit and the deletion request.

Each test interleaves two calls at the point between the read and the write (tests/tools/interleave.py), on
SQLite and on Postgres, with the store's own CRM (SqlCrm) and with a company CRM over HTTP (HttpCrm against a
real server on 127.0.0.1, which cannot lock anything in the store's transaction): the first call stops there
while the second runs as far as it can.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from foundation.db import lock_number
from tests.tools.conftest import make_ctx
from tests.tools.fake_crm import PEOPLE, FakeCrm, serve_fake_crm
from tests.tools.interleave import Interleave
from tools.base import ToolResult
from tools.crm.backend import CRM_URL_ENV, crm_backend
from tools.crm.http_crm import HttpCrm
from tools.crm.sql_crm import SqlCrm
from tools.registry import get_tool
from tools.store import BusinessStore
from tools.store.schema import tickets, verification_attempts
from tools.ticketing import sql_ticketing
from tools.ticketing.sql_ticketing import SqlTicketing

MISMATCH = "Error: those details do not match our records."


@pytest.fixture(params=["sql", "http"])
def crm(request: pytest.FixtureRequest, store: BusinessStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[type]:
    """The CRM class the tools use: the store's tables, or a company CRM over HTTP that knows C0001 and C0002
    too (their tickets and attempts still live in the store)."""
    if request.param == "sql":
        yield SqlCrm
        return
    for cid, last4 in (("C0001", "4242"), ("C0002", "5555")):
        person = {"name": f"Customer {cid}", "email": f"{cid.lower()}@corp.example", "zip": "94107"}
        monkeypatch.setitem(PEOPLE, cid, person | {"last4": last4, "plan": "basic"})
    with serve_fake_crm() as url:
        monkeypatch.setenv(CRM_URL_ENV, url)
        assert isinstance(crm_backend(store), HttpCrm)
        yield HttpCrm


def _failed_attempts(store: BusinessStore, identifier: str) -> int:
    with store.db.begin() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(verification_attempts)
                .where(verification_attempts.c.identifier == identifier, verification_attempts.c.success.is_(False))
            ).scalar_one()
        )


def test_two_verifications_at_once_never_check_more_than_the_limit(
    store: BusinessStore, crm: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One attempt left for C0001 and two wrong attempts at once: one is checked (the last allowed), the other
    waits for it and is refused by the limit. Before, both counted 2 failures, both were checked: 4 recorded
    (with SqlCrm before the transaction held the customer; with HttpCrm on Postgres before the store's lock)."""
    tool = get_tool("verify_identity")

    def attempt() -> ToolResult:
        return tool.run(store, {"customer_id": "C0001", "zip_code": "00000"}, make_ctx(None))

    assert [attempt().error for _ in range(2)] == [MISMATCH, MISMATCH]
    race = Interleave(store)
    check = crm.check_identity

    def checked_after_the_count(self: Any, *args: Any, **kwargs: Any) -> bool:
        race.checkpoint()  # the attempts are counted; this attempt is not recorded yet
        return bool(check(self, *args, **kwargs))

    monkeypatch.setattr(crm, "check_identity", checked_after_the_count)
    first, second = race.run(attempt, attempt)
    assert _failed_attempts(store, "C0001") == 3
    assert first.error == f"{MISMATCH} That was the last attempt allowed; a human agent must verify the identity."
    assert (second.error or "").startswith("Error: verification failed 3 times in the last 24 hours")


def _open_deletion_tickets(store: BusinessStore, customer_id: str) -> list[str]:
    with store.db.begin() as conn:
        found = conn.execute(
            select(tickets.c.id).where(
                tickets.c.customer_id == customer_id,
                tickets.c.subject == "Account deletion request",
                tickets.c.status.in_(("open", "pending")),
            )
        )
        return list(found.scalars())


def test_two_deletion_requests_at_once_open_one_ticket(
    store: BusinessStore, crm: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two conversations ask to delete C0002's account at the same moment: one ticket is opened, and the second
    request is refused with its number (so no second deletion waits for a reviewer). Before, on Postgres both
    found no pending request and both opened a ticket (with HttpCrm until the store's own lock)."""
    tool = get_tool("request_account_deletion")
    race = Interleave(store)
    read = SqlTicketing.open_tickets

    def pending_then_pause(self: SqlTicketing, *args: Any, **kwargs: Any) -> Any:
        found = read(self, *args, **kwargs)
        race.checkpoint()  # looked for a pending request; none opened yet
        return found

    monkeypatch.setattr(SqlTicketing, "open_tickets", pending_then_pause)

    def ask(thread: str) -> ToolResult:
        return tool.run(store, {"reason": "moving abroad"}, make_ctx("C0002", thread=thread))

    first, second = race.run(lambda: ask("deletion-1"), lambda: ask("deletion-2"))
    assert first.ok and first.data is not None, first.error
    assert _open_deletion_tickets(store, "C0002") == [first.data["ticket"]["ticket_id"]]
    ticket_id = first.data["ticket"]["ticket_id"]
    assert second.error == (
        f"Error: account deletion was already requested (ticket {ticket_id}); a human agent will confirm it."
    )
    if crm is HttpCrm:  # the refused request never reached the company's CRM either
        assert [customer for customer, _key in FakeCrm.deletion_requests] == ["C0002"]


def test_the_customer_lock_is_one_number_in_every_process() -> None:
    """The advisory lock's number is derived from the name, not from ``hash()`` (salted per process: two
    workers would lock different numbers for one customer and never wait for each other)."""
    assert lock_number("customer:C0001") == lock_number("customer:C0001") == -3073667699055027203
    assert lock_number("customer:C0002") != lock_number("customer:C0001")


def test_a_ticket_opened_while_a_deletion_request_holds_the_customer_does_not_deadlock(
    store: BusinessStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One plan runs create_ticket and request_account_deletion for C0002 at once (the policy fuzzer, issue 17).
    The new ticket takes the ticket counter and then, for its customer foreign key, the customer's row; the
    deletion request holds the customer's row and then numbers its own ticket. Before, on Postgres each waited
    for the other and one failed with 'deadlock detected'; now both open their ticket."""
    race = Interleave(store)
    numbered = sql_ticketing.next_id

    def number_then_pause(*args: Any, **kwargs: Any) -> Any:
        value = numbered(*args, **kwargs)
        race.checkpoint()  # holds the ticket counter; the ticket is not inserted yet
        return value

    monkeypatch.setattr(sql_ticketing, "next_id", number_then_pause)

    def ticket() -> ToolResult:
        args = {"subject": "Broken charger", "description": "It stopped charging"}
        return get_tool("create_ticket").run(store, args, make_ctx("C0002", thread="ticket-1"))

    def deletion() -> ToolResult:
        return get_tool("request_account_deletion").run(store, {"reason": "moving abroad"},
                                                        make_ctx("C0002", thread="deletion-1"))

    opened, requested = race.run(ticket, deletion)
    assert opened.ok and requested.ok, (opened.error, requested.error)
    assert opened.data is not None and requested.data is not None
    assert opened.data["ticket_id"] != requested.data["ticket"]["ticket_id"]
