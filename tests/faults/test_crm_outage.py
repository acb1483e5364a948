"""A remote CRM that hangs, answers 500 or garbage, or is down: a failed step, never a crashed turn."""

from __future__ import annotations

import pytest

from evals.broken_crm import MODES, serve_broken_crm
from service.conversations import SupportService
from tools.crm.http_crm import CrmUnavailable, HttpCrm
from tools.registry import get_tool


@pytest.mark.parametrize("mode", MODES)
def test_every_crm_failure_is_an_outage_with_a_reason(mode: str) -> None:
    with serve_broken_crm(mode) as url, HttpCrm(url, timeout=0.3) as crm:
        with pytest.raises(CrmUnavailable) as caught:
            crm.get_profile("C9001")
        assert "CRM" in str(caught.value), caught.value


@pytest.mark.parametrize("mode", MODES)
def test_a_tool_on_a_broken_crm_fails_its_step_with_the_reason(mode: str, service: SupportService,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from tools.base import ToolContext
    from tools.store import open_store

    with serve_broken_crm(mode) as url:
        monkeypatch.setenv("SUPPORTGRAPH_CRM_URL", url)
        monkeypatch.setenv("SUPPORTGRAPH_CRM_TIMEOUT", "0.3")
        ctx = ToolContext(thread_id="t", step_id="1:s", now=datetime.now(UTC), customer_id="C9001")
        result = get_tool("get_customer").run(open_store(service.context.database_url), {"customer_id": "C9001"},
                                               ctx)
    assert not result.ok and result.unavailable, result
    assert result.error and "customer accounts system is not answering" in result.error, result
    assert "500" not in result.error and "/customers" not in result.error, "internals in a customer-facing error"


@pytest.mark.parametrize("mode", MODES)
def test_a_signed_in_turn_on_a_broken_crm_is_answered(mode: str, service: SupportService,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    with serve_broken_crm(mode) as url:
        monkeypatch.setenv("SUPPORTGRAPH_CRM_URL", url)
        monkeypatch.setenv("SUPPORTGRAPH_CRM_TIMEOUT", "0.3")
        kb = service.send(f"crm-{mode}", "what is your return policy?", customer_id="C9001")
        assert kb.replies and "return" in kb.replies[-1].lower(), kb.replies
        account = service.send(f"crm-{mode}", "please send me a password reset link")
    # Still signed in (the channel vouches for the customer); the step that needs the CRM fails with the reason.
    assert account.customer is not None and account.customer["customer_id"] == "C9001", account.customer
    [step] = [s for s in account.plan if s["tool"] == "send_password_reset"]
    assert step["status"] == "failed" and "not answering" in str(step["error"]), step
    told = " ".join(account.replies) + " ".join((account.review_request or {}).get("context", {}).get("reasons", []))
    assert "not answering" in told, told
