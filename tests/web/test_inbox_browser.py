"""The reviewers' inbox in a real headless browser, against the graph API on loopback.

Three threads wait for review: two $349.99 refunds of order 10002 by Maya Chen (C0001), above the agent's
approval limit, and an upset customer (C0002) asking for a person. A reviewer loads the queue, reads a thread's
context, assigns it to herself and works each one: edits the refund to $100 and approves it, rejects the other
with a reason, and answers the upset customer in person. Each thread leaves the queue once resumed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from supportgraph.demo import CONVERSATIONS
from tests.web.conftest import Inbox

pytestmark = pytest.mark.slow

REFUND = next(c for c in CONVERSATIONS if c.reviewer_args == ("--approve",))
UPSET = next(c for c in CONVERSATIONS if c.reviewer_args and c.reviewer_args[0] == "--respond")
SAM_SAYS = "Hi Jonas, this is Sam from customer care. I'm calling you within the hour."
TIMEOUT = 120_000  # ms for one resume: the graph runs the refund, the reply and the audit writes


def _start_thread(api: httpx.Client, text: str, customer_id: str | None) -> tuple[str, dict[str, Any]]:
    thread_id = api.post("/threads", json={}).raise_for_status().json()["thread_id"]
    values = api.post(f"/threads/{thread_id}/runs/wait", json={
        "assistant_id": "support",
        "input": {"messages": [{"role": "user", "content": text}], "customer_id": customer_id},
    }).raise_for_status().json()
    return thread_id, values


def _state(api: httpx.Client, thread_id: str) -> dict[str, Any]:
    return api.get(f"/threads/{thread_id}/state").raise_for_status().json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def waiting(inbox_server: Inbox) -> dict[str, str]:
    """The three interrupted threads, created through the graph API as a customer channel would."""
    with httpx.Client(base_url=inbox_server.api.url, timeout=TIMEOUT / 1000) as api:
        threads = {}
        for name, conversation in (("edit", REFUND), ("reject", REFUND), ("respond", UPSET)):
            started = time.monotonic()
            thread_id, values = _start_thread(api, conversation.messages[0], conversation.customer_id)
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
    page.click("#send-decision")
    page.wait_for_selector("#outcome:not([hidden])", timeout=TIMEOUT)
    _row(page, thread_id).wait_for(state="detached")


def test_full_review_cycle_in_the_browser(inbox_server: Inbox, waiting: dict[str, str], browser: Any,
                                          artifacts_dir: Path) -> None:
    from supportgraph.audit import open_audit_log

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.goto(inbox_server.url)
    page.fill("#reviewer", "sam")
    page.click("#refresh")
    for thread_id in waiting.values():
        _row(page, thread_id).wait_for()

    # The queue: queue, priority, age and SLA of every waiting thread, most urgent and oldest first (the order
    # of `supportgraph review list`).
    audit = open_audit_log(inbox_server.api.database_url)
    expected = audit.review_items()
    rows = page.locator("#queue tbody tr")
    assert [rows.nth(i).get_attribute("data-thread") for i in range(rows.count())] == [
        i.thread_id for i in expected], page.inner_text("#queue")
    for item in expected:
        row = _row(page, item.thread_id)
        assert row.locator(".badge").inner_text() == item.priority
        assert row.locator("td").nth(1).inner_text() == item.queue
        assert item.customer_id and item.customer_id in row.inner_text()
        assert "due in" in row.inner_text()
    assert {i.queue for i in expected} == {"billing", "general"}

    # One thread's context: customer, conversation, intents, plan with tool results, confidence, reasons.
    _open(page, waiting["edit"])
    assert "Maya Chen (C0001)" in page.inner_text("#customer")
    assert "Aurora ANC Headphones" in page.inner_text("#conversation")
    assert "refund" in page.inner_text("#intents")
    plan = page.inner_text("#plan")
    assert "refund_order" in plan and "needs_approval" in plan
    assert "349.99" in page.inner_text("#decisions")
    assert page.locator("#signals tbody tr").count() >= 3
    assert "threshold" in page.inner_text("#confidence")
    assert page.inner_text("#reasons").strip()
    fieldset = page.locator('#decisions fieldset[data-name="refund_order"]')
    assert [fieldset.locator("input[type=radio]").nth(i).get_attribute("value") for i in range(4)] == [
        "approve", "edit", "reject", "respond"]

    # Assignment to oneself goes to the review queue the CLI reads too.
    page.click("#assign-me")
    page.wait_for_function(
        f"document.querySelector('#queue tr[data-thread=\"{waiting['edit']}\"] .assignee').textContent === 'sam'")
    assert [i.assigned_to for i in audit.review_items() if i.thread_id == waiting["edit"]] == ["sam"]

    # Edit: the form is generated from the tool's argument schema; $100 instead of $349.99, then approve.
    fieldset.locator("input[value=edit]").check()
    amount = fieldset.locator('[data-arg="amount"]')
    assert amount.get_attribute("type") == "number"
    with httpx.Client(base_url=inbox_server.api.url, timeout=30) as api:
        proposed = _state(api, waiting["edit"])["values"]["plan"]
    proposed_amount = next(s for s in proposed if s["tool"] == "refund_order")["args"].get("amount")
    # No amount means "everything still refundable", $349.99 here.
    assert amount.input_value() == ("" if proposed_amount is None else str(proposed_amount))
    assert fieldset.locator('[data-arg="order_id"]').input_value() == "10002"
    assert fieldset.locator('[data-arg="to_gift_card"]').get_attribute("type") == "checkbox"
    amount.fill("100")
    screenshot = artifacts_dir / "inbox-review.png"
    page.screenshot(path=str(screenshot), full_page=True)
    print(f"\n[inbox] screenshot of a review in the browser: {screenshot}")
    _send(page, waiting["edit"])
    assert "resolved" in page.inner_text("#outcome-status")

    with httpx.Client(base_url=inbox_server.api.url, timeout=30) as api:
        values = _state(api, waiting["edit"])["values"]
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
    with httpx.Client(base_url=inbox_server.api.url, timeout=30) as api:
        values = _state(api, waiting["reject"])["values"]
    assert next(s for s in values["plan"] if s["tool"] == "refund_order")["status"] == "rejected"

    # Respond: the reviewer answers the upset customer in person; the queue is then empty.
    _open(page, waiting["respond"])
    fieldset = page.locator("#decisions fieldset").first
    fieldset.locator("input[value=respond]").check()
    fieldset.locator("textarea[name=message-0]").fill(SAM_SAYS)
    _send(page, waiting["respond"])
    assert SAM_SAYS in page.inner_text("#outcome-reply")
    page.wait_for_selector("#queue-empty:not([hidden])")
    with httpx.Client(base_url=inbox_server.api.url, timeout=30) as api:
        messages = _state(api, waiting["respond"])["values"]["messages"]
        still_waiting = api.post("/threads/search", json={"status": "interrupted"}).json()
    assert messages[-1]["content"] == SAM_SAYS
    assert still_waiting == []
    assert not problems, problems
