"""CRM tools: find, verify (with the attempt limit), profile, password reset, newsletter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.tools.conftest import REFERENCE_TIME, make_ctx
from tools.base import BackendRefusal, ToolResult
from tools.crm.sql_crm import SqlCrm
from tools.store import BusinessStore
from tools.store.schema import customers, operations, verification_attempts

Call = Callable[..., ToolResult]
MISMATCH = "Error: those details do not match our records."


@pytest.mark.read_only
def test_find_customer(call: Call) -> None:
    found = call("find_customer", make_ctx(None), email="Maya.Chen@example.com")
    assert found.ok and found.data == {"customer_id": "C0001", "first_name": "Maya"}
    missing = call("find_customer", make_ctx(None), email="nobody@example.com")
    assert not missing.ok and "no customer" in (missing.error or "")


def test_verify_identity_success_by_email_or_id(call: Call) -> None:
    r = call("verify_identity", make_ctx(None), email="maya.chen@example.com", zip_code="94107")
    assert r.ok and r.data == {"customer_id": "C0001", "name": "Maya Chen", "plan": "plus", "verified": True}
    r = call("verify_identity", make_ctx(None), customer_id="C0002", zip_code="10115", card_last4="1881")
    assert r.ok and r.data is not None and r.data["plan"] == "pro"


def test_verify_identity_mismatch_does_not_say_which_field(call: Call) -> None:
    wrong_zip = call(
        "verify_identity", make_ctx(None), customer_id="C0001", zip_code="94108", card_last4="4242"
    )
    wrong_card = call("verify_identity", make_ctx(None), customer_id="C0003", card_last4="9999")
    unknown = call("verify_identity", make_ctx(None), email="ghost@example.com", zip_code="94107")
    assert wrong_zip.error == wrong_card.error == unknown.error == MISMATCH


def test_verify_identity_locks_after_three_failures(call: Call, store: BusinessStore) -> None:
    for n in range(3):
        r = call("verify_identity", make_ctx(None), email="maya.chen@example.com", zip_code="00000")
        assert not r.ok and (r.error or "").startswith(MISMATCH)
        assert ("human agent must verify" in (r.error or "")) == (n == 2)
    # Now even the right details are refused, and the sentence says a human must verify.
    r = call("verify_identity", make_ctx(None), customer_id="C0001", zip_code="94107")
    assert not r.ok and "a human agent must verify" in (r.error or "")
    # Another customer is unaffected; 24 hours later Maya may try again.
    assert call("verify_identity", make_ctx(None), customer_id="C0002", zip_code="10115").ok
    later = make_ctx(None, now=REFERENCE_TIME + timedelta(hours=25))
    assert call("verify_identity", later, customer_id="C0001", zip_code="94107").ok
    with store.db.begin() as conn:
        rows = conn.execute(
            select(verification_attempts).where(verification_attempts.c.identifier == "C0001")
        ).all()
    assert [r.success for r in rows] == [False, False, False, True]


def test_verify_identity_replayed_step_counts_once(call: Call) -> None:
    ctx = make_ctx(None, step="verify-1")
    for _ in range(5):
        r = call("verify_identity", ctx, customer_id="C0001", zip_code="00000")
        assert r.error == MISMATCH
    assert call("verify_identity", make_ctx(None), customer_id="C0001", zip_code="94107").ok


@pytest.mark.read_only
def test_account_tools_need_verification(call: Call) -> None:
    for name, args in [
        ("get_customer", {}),
        ("send_password_reset", {}),
        ("list_orders", {}),
        ("set_newsletter_subscription", {"subscribed": True}),
    ]:
        r = call(name, make_ctx(None), **args)
        assert not r.ok and "verify the customer's identity first" in (r.error or ""), name


@pytest.mark.read_only
def test_get_customer_only_own_record(call: Call) -> None:
    r = call("get_customer", make_ctx("C0001"))
    assert r.ok and r.data is not None
    assert r.data["email"] == "maya.chen@example.com" and r.data["plan"]["id"] == "plus"
    assert r.data["addresses"][0]["zip_code"] == "94107"
    other = call("get_customer", make_ctx("C0001"), customer_id="C0002")
    assert not other.ok and other.error == "Error: customer C0002 was not found."


def test_send_password_reset_masks_and_is_idempotent(call: Call, store: BusinessStore) -> None:
    ctx = make_ctx("C0002", step="reset")
    first = call("send_password_reset", ctx)
    assert first.ok and first.data is not None and first.data["sent_to"] == "j***@example.com"
    assert call("send_password_reset", ctx) == first
    with store.db.begin() as conn:
        n = conn.execute(
            select(func.count()).select_from(operations).where(operations.c.tool == "send_password_reset")
        ).scalar_one()
    assert n == 1


def test_set_newsletter_subscription(call: Call, store: BusinessStore) -> None:
    r = call("set_newsletter_subscription", make_ctx("C0001"), subscribed=True)
    assert r.ok and r.data == {"customer_id": "C0001", "newsletter": True, "changed": True}
    with store.db.begin() as conn:
        assert (
            conn.execute(select(customers.c.newsletter).where(customers.c.id == "C0001")).scalar_one() is True
        )
    again = call("set_newsletter_subscription", make_ctx("C0001"), subscribed=True)
    assert again.ok and again.data is not None and again.data["changed"] is False


def test_sql_crm_reads_in_a_transaction_see_its_writes_and_plan_changes_are_conditional(store: BusinessStore) -> None:
    crm = SqlCrm(store)
    with pytest.raises(ValueError, match="lock=True needs tx"):
        crm.get_profile("C0001", lock=True)
    with store.db.begin() as conn:
        assert (ref := crm.get_ref("C0001", lock=True, tx=conn)) is not None and ref.plan_id == "plus"
        crm.set_plan("C0001", "pro", previous_plan_id="plus", tx=conn, key="k1", now=REFERENCE_TIME)
        profile = crm.get_profile("C0001", lock=True, tx=conn)
        assert profile is not None and profile.plan.id == "pro"
        assert (ref := crm.get_ref("C0001", tx=conn)) is not None and ref.plan_id == "pro"
        with pytest.raises(BackendRefusal, match="plan changed while this change was made"):
            crm.set_plan("C0001", "basic", previous_plan_id="plus", tx=conn, key="k2", now=REFERENCE_TIME)
    assert crm.get_profile("C0002", lock=False) is not None and crm.get_ref("C9999", lock=False) is None
