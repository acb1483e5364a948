"""The reviewers' inbox in a real headless browser, against the graph API on loopback.

Three threads wait for review: two $349.99 refunds of order 10002 by Maya Chen (C0001), above the agent's
approval limit, and an upset customer (C0002) asking for a person, all started by the customers' own API keys.
sam (billing reviewer) loads his queue, reads a thread's context, assigns it to himself, edits the refund to $100
and approves it, and rejects the other with a reason; gil (general queue) answers the upset customer in person.
Each thread leaves the queue once resumed. The API is ``supportgraph serve`` with its API keys and roles.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.demo import CONVERSATIONS
from tests.web.conftest import Inbox

pytestmark = pytest.mark.slow

REFUND = next(c for c in CONVERSATIONS if c.reviewer_args == ("--approve",))
UPSET = next(c for c in CONVERSATIONS if c.reviewer_args and c.reviewer_args[0] == "--respond")
GIL_SAYS = "Hi Jonas, this is Gil from customer care. I'm calling you within the hour."
TIMEOUT = 40_000  # ms for one resume: the graph runs the refund, the reply and the audit writes


def _start_thread(api: httpx.Client, text: str, key: str) -> tuple[str, dict[str, Any]]:
    """A customer's channel starts a thread (the server stamps the key's customer on it) and sends a message."""
    headers = {"x-api-key": key}
    thread_id = api.post("/threads", json={}, headers=headers).raise_for_status().json()["thread_id"]
    values = api.post(f"/threads/{thread_id}/runs/wait", headers=headers, json={
        "assistant_id": "support", "input": {"messages": [{"role": "user", "content": text}]},
    }).raise_for_status().json()
    return thread_id, values


def _state(inbox: Inbox, thread_id: str) -> dict[str, Any]:
    """A thread's state as the admin reads it through the graph API."""
    with httpx.Client(base_url=inbox.api.url, headers={"x-api-key": inbox.api.keys["ops"]}, timeout=30) as api:
        return api.get(f"/threads/{thread_id}/state").raise_for_status().json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def waiting(inbox_server: Inbox) -> dict[str, str]:
    """The three interrupted threads, created through the graph API by the customers' own keys."""
    keys = inbox_server.api.keys
    with httpx.Client(base_url=inbox_server.api.url, timeout=TIMEOUT / 1000) as api:
        threads = {}
        for name, conversation, who in (("edit", REFUND, "maya"), ("reject", REFUND, "maya"),
                                        ("respond", UPSET, "jonas")):
            started = time.monotonic()
            thread_id, values = _start_thread(api, conversation.messages[0], keys[who])
            assert values.get("status") == "awaiting_review", values.get("status")
            threads[name] = thread_id
            print(f"[inbox tests] thread {name} interrupted after {time.monotonic() - started:.1f}s")
        return threads


def _row(page: Any, thread_id: str) -> Any:
    return page.locator(f'#queue tbody tr[data-thread="{thread_id}"]')


def _open(page: Any, thread_id: str) -> None:
    _row(page, thread_id).click()
    page.wait_for_selector(f'#detail[data-thread="{thread_id}"] #decisions fieldset')


def _send(page: Any, thread_id: str) -> None:
    """Send the decision; the outcome shows (or the refusal, which fails the test) and the row leaves the queue."""
    responses: list[str] = []
    page.on("response", lambda r: responses.append(f"{r.request.method} {r.url} {r.status}"))
    page.click("#send-decision")
    try:
        page.wait_for_selector("#outcome:not([hidden]), #notice.error", timeout=TIMEOUT)
    except Exception:
        page.screenshot(path="/tmp/inboxdev/fail.png", full_page=True)
        raise AssertionError(f"no outcome; responses {responses}; notice {page.inner_text('#notice')!r}") from None
    assert page.locator("#notice.error").count() == 0, page.inner_text("#notice")
    _row(page, thread_id).wait_for(state="detached")


def _sign_in(page: Any, inbox: Inbox, reviewer: str) -> None:
    page.fill("#reviewer", reviewer)
    page.fill("#api-key", inbox.api.keys[reviewer])
    page.click("#refresh")
    page.wait_for_selector("#queue-count:not(:empty)")


def test_full_review_cycle_in_the_browser(inbox_server: Inbox, waiting: dict[str, str], browser: Any,
                                          artifacts_dir: Path) -> None:
    from foundation.audit import open_audit_log

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.goto(inbox_server.url)

    # A wrong key is refused by the API, and the page says so.
    page.fill("#reviewer", "sam")
    page.fill("#api-key", "sg-not-a-key")
    page.click("#refresh")
    page.wait_for_selector("#notice.error")
    assert "401" in page.inner_text("#notice")

    # sam reviews billing and accounts: both refunds, and not the general-queue thread. Most urgent and oldest
    # first, as `supportgraph review list` orders them, with queue, priority, age and SLA.
    _sign_in(page, inbox_server, "sam")
    for thread_id in (waiting["edit"], waiting["reject"]):
        _row(page, thread_id).wait_for()
    assert _row(page, waiting["respond"]).count() == 0
    audit = open_audit_log(inbox_server.api.database_url)
    expected = [i for i in audit.review_items() if i.queue in ("billing", "accounts")]
    rows = page.locator("#queue tbody tr")
    assert [rows.nth(i).get_attribute("data-thread") for i in range(rows.count())] == [
        i.thread_id for i in expected], page.inner_text("#queue")
    for item in expected:
        row = _row(page, item.thread_id)
        assert row.locator(".badge").inner_text() == item.priority
        assert row.locator("td").nth(1).inner_text() == item.queue == "billing"
        assert item.customer_id == "C0001" and "C0001" in row.inner_text()
        assert "due in" in row.inner_text()

    # One thread's context: customer, conversation, intents, plan with tool results, confidence, reasons.
    _open(page, waiting["edit"])
    assert "Maya Chen (C0001)" in page.inner_text("#customer")
    assert "Aurora ANC Headphones" in page.inner_text("#conversation")
    assert "refund" in page.inner_text("#intents")
    plan = page.inner_text("#plan")
    assert "refund_order" in plan and "needs_approval" in plan and "349.99" in plan
    assert "349.99" in page.inner_text("#reasons")
    assert page.locator("#signals tbody tr").count() >= 3
    assert "threshold" in page.inner_text("#confidence")
    fieldset = page.locator('#decisions fieldset[data-name="refund_order"]')
    assert [fieldset.locator("input[type=radio]").nth(i).get_attribute("value") for i in range(4)] == [
        "approve", "edit", "reject", "respond"]

    # Assignment to oneself goes to the review queue the CLI reads too.
    page.click("#assign-me")
    page.wait_for_function(
        f"document.querySelector('#queue tr[data-thread=\"{waiting['edit']}\"] .assignee').textContent === 'sam'")
    assert [i.assigned_to for i in audit.review_items() if i.thread_id == waiting["edit"]] == ["sam"]

    # Edit: the form is generated from the tool's argument schema; $100 instead of everything, then approve.
    fieldset.locator("input[value=edit]").check()
    amount = fieldset.locator('[data-arg="amount"]')
    assert amount.get_attribute("type") == "number"
    proposed = next(s for s in _state(inbox_server, waiting["edit"])["values"]["plan"] if s["tool"] == "refund_order")
    # No amount means "everything still refundable", $349.99 here.
    assert amount.input_value() == ("" if proposed["args"].get("amount") is None else str(proposed["args"]["amount"]))
    assert fieldset.locator('[data-arg="order_id"]').input_value() == "10002"
    assert fieldset.locator('[data-arg="to_gift_card"]').get_attribute("type") == "checkbox"
    amount.fill("100")
    screenshot = artifacts_dir / "inbox-review.png"
    # A viewport screenshot: a full-page one resizes the viewport and back, and a click right after it can
    # land where the button was not (the decision then never left the page).
    fieldset.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot))
    print(f"\n[inbox] screenshot of a review in the browser: {screenshot}")
    _send(page, waiting["edit"])
    assert "resolved" in page.inner_text("#outcome-status")
    assert "$100.00" in page.inner_text("#outcome-reply")
    values = _state(inbox_server, waiting["edit"])["values"]
    refund = next(s for s in values["plan"] if s["tool"] == "refund_order")
    assert refund["status"] == "done" and float(refund["args"]["amount"]) == 100, refund
    assert refund["approved_by"] == "sam"
    decisions = [e for e in audit.events(waiting["edit"]) if e["kind"] == "review_decision"]
    assert decisions and decisions[-1]["payload"]["reviewer"] == "sam"

    # Reject with a reason: the customer hears the reason, the refund is not made.
    _open(page, waiting["reject"])
    fieldset = page.locator('#decisions fieldset[data-name="refund_order"]')
    fieldset.locator("input[value=reject]").check()
    fieldset.locator("textarea[name=reason-0]").fill("the headphones must be returned first")
    _send(page, waiting["reject"])
    assert "the headphones must be returned first" in page.inner_text("#outcome-reply")
    values = _state(inbox_server, waiting["reject"])["values"]
    assert next(s for s in values["plan"] if s["tool"] == "refund_order")["status"] == "rejected"
    page.wait_for_selector("#queue-empty:not([hidden])")

    # gil reviews the general queue: he answers the upset customer in person; his queue is then empty too.
    _sign_in(page, inbox_server, "gil")
    _open(page, waiting["respond"])
    assert "Jonas" in page.inner_text("#customer")
    fieldset = page.locator("#decisions fieldset").first
    fieldset.locator("input[value=respond]").check()
    fieldset.locator("textarea[name=message-0]").fill(GIL_SAYS)
    _send(page, waiting["respond"])
    assert GIL_SAYS in page.inner_text("#outcome-reply")
    page.wait_for_selector("#queue-empty:not([hidden])")
    assert _state(inbox_server, waiting["respond"])["values"]["messages"][-1]["content"] == GIL_SAYS
    assert not problems, problems
