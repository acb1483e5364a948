"""HttpCrm against a real HTTP server on 127.0.0.1: the same CRM tools, a company's own CRM behind them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.tools.conftest import REFERENCE_TIME, make_ctx
from tests.tools.fake_crm import FakeCrm, serve_fake_crm
from tests.tools.helpers import Call
from tools.base import BackendRefusal
from tools.crm.backend import CRM_URL_ENV, crm_backend
from tools.crm.http_crm import HttpCrm
from tools.store import BusinessStore


@pytest.fixture
def crm_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with serve_fake_crm() as url:
        monkeypatch.setenv(CRM_URL_ENV, url)
        yield url


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
