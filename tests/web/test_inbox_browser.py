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
        raise AssertionError(f"no outcome; responses {responses}; notice {page.inner_text('#notice')!r}") from None
    assert page.locator("#notice.error").count() == 0, page.inner_text("#notice")
    _row(page, thread_id).wait_for(state="detached")


def _sign_in(page: Any, inbox: Inbox, reviewer: str) -> None:
    """Only the key: the page asks the API who it is (no name typed)."""
    page.fill("#api-key", inbox.api.keys[reviewer])
    page.click("#sign-in")
    page.wait_for_function(f"document.querySelector('#whoami').textContent.startsWith('{reviewer} ')")
    page.wait_for_selector("#queue-count:not(:empty)")


def test_full_review_cycle_in_the_browser(inbox_server: Inbox, waiting: dict[str, str], browser: Any,
                                          artifacts_dir: Path) -> None:
    from foundation.audit import open_audit_log

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.goto(inbox_server.url)

    # A wrong key is refused by the API, and the page says so.
    page.fill("#api-key", "sg-not-a-key")
    page.click("#sign-in")
    page.wait_for_selector("#notice.error")
    assert "401" in page.inner_text("#notice")

    # sam reviews billing and accounts: both refunds, and not the general-queue thread. The earliest SLA deadline
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
    page.wait_for_selector("#orders table td")  # the customer's history, read for this key
    assert "10002" in page.inner_text("#orders")
    assert "Aurora ANC Headphones" in page.inner_text("#conversation")
    assert "refund" in page.inner_text("#intents").lower()
    plan = page.inner_text("#plan")
    assert "Refund order" in plan and "Needs approval" in plan and "349.99" in plan
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


DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
LIVE_WITHIN_MS = 5_000  # a new review shows without a click within this long (the page long-polls the queue)


def _effect(state: dict[str, Any]) -> dict[str, Any]:
    """The money the pending review's first action moves, as the interrupt carries it (context.effects)."""
    lists = [state.get("interrupts") or [], *[task.get("interrupts") or [] for task in state.get("tasks") or []]]
    for items in lists:
        for item in items if isinstance(items, list) else []:
            effects = ((item.get("value") or {}).get("context") or {}).get("effects") or []
            if effects and effects[0]:
                return effects[0]  # type: ignore[no-any-return]
    raise AssertionError(f"no money effect in the pending review: {state.get('tasks')}")


def _refunds(database_url: str, order_id: int) -> list[tuple[int, str | None]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return [(int(a), b) for a, b in conn.execute(text(
                "SELECT amount_cents, approved_by FROM refunds WHERE order_id = :o ORDER BY created_at, id"),
                {"o": order_id})]
    finally:
        engine.dispose()


def _screenshot(page: Any, name: str) -> None:
    """A viewport screenshot for docs/img, in 256 colours (a small PNG)."""
    import io

    from PIL import Image

    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    Image.open(io.BytesIO(page.screenshot())).convert("RGB").quantize(256).save(DOCS_IMG / name, optimize=True)


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"the page scrolls sideways: {width}px wide"


def test_live_queue_money_card_keyboard_key_switch_and_phone(inbox_server: Inbox, browser: Any,
                                                             waiting: dict[str, str]) -> None:
    """Runs after the review cycle above: order 10002 has $100 of its $349.99 refunded, so a new refund request
    can move what is left. Screenshots of it go to docs/img/."""
    keys = inbox_server.api.keys
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.goto(inbox_server.url)
    _sign_in(page, inbox_server, "sam")

    # A customer writes in: the new review shows up on sam's open page without a click, with count and title.
    before = int(page.inner_text("#queue-count") or 0)
    with httpx.Client(base_url=inbox_server.api.url, timeout=TIMEOUT / 1000) as api:
        thread_id, values = _start_thread(api, REFUND.messages[0], keys["maya"])
    assert values.get("status") == "awaiting_review", values.get("status")
    _row(page, thread_id).wait_for(timeout=LIVE_WITHIN_MS)
    assert page.inner_text("#queue-count") == str(before + 1)
    assert page.title().startswith(f"({before + 1})")
    page.wait_for_selector("#workload:not([hidden])")

    # The money card says exactly what approving moves: the effect the approval binds.
    effect = _effect(_state(inbox_server, thread_id))
    _open(page, thread_id)
    card = page.locator('#decisions fieldset[data-name="refund_order"] .money-card')
    assert float(card.get_attribute("data-amount")) == float(effect["amount"])
    shown = card.inner_text()
    assert f"${float(effect['amount']):,.2f}" in shown and "original payment method" in shown
    assert all(m["charge_id"] in shown for m in effect["movements"])
    page.wait_for_selector("#orders table td")
    page.locator("#detail").scroll_into_view_if_needed()
    _screenshot(page, "inbox-thread.png")

    # Phone width: one column, nothing scrolls sideways, the decision can be sent.
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(inbox_server.url)
    _sign_in(phone, inbox_server, "sam")
    _no_sideways_scroll(phone)
    _open(phone, thread_id)
    _no_sideways_scroll(phone)
    button = phone.locator("#send-decision")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 391, box
    phone.locator('#decisions fieldset[data-name="refund_order"] .money-card').scroll_into_view_if_needed()
    _screenshot(phone, "inbox-phone.png")
    phone.close()

    # A key switch clears the view: nothing of sam's stays on screen for gil, and gil does not see the refund.
    page.fill("#api-key", keys["gil"])
    assert page.locator("#detail").is_hidden()
    assert page.locator("#queue tbody tr").count() == 0 and page.inner_text("#whoami") == ""
    _sign_in(page, inbox_server, "gil")
    assert _row(page, thread_id).count() == 0 and page.locator("#detail").is_hidden()

    # sam again: "a" approves every proposed action and sends; exactly the card's amount moves, approved by sam.
    _sign_in(page, inbox_server, "sam")
    _open(page, thread_id)
    refunded = _refunds(inbox_server.api.database_url, int(effect["order_id"]))
    page.locator("#detail-title").click()  # focus on the page, not in a field
    page.keyboard.press("a")
    page.wait_for_selector("#outcome:not([hidden]), #notice.error", timeout=TIMEOUT)
    assert page.locator("#notice.error").count() == 0, page.inner_text("#notice")
    _row(page, thread_id).wait_for(state="detached")
    after = _refunds(inbox_server.api.database_url, int(effect["order_id"]))
    assert after[: len(refunded)] == refunded
    assert after[len(refunded):] == [(round(float(effect["amount"]) * 100), "sam")], after
    page.wait_for_selector(f'#decided li[data-thread="{thread_id}"]', state="attached")  # in the folded list
    assert not problems, problems
    page.close()


def test_the_leads_dashboard(inbox_server: Inbox, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{inbox_server.url}dashboard")
    page.fill("#dash-key", inbox_server.api.keys["ops"])
    page.click("#dash-load")
    page.wait_for_selector("#dashboard:not([hidden])", timeout=TIMEOUT)
    for tile in ("fcr_rate", "handling_median_seconds", "csat_mean", "escalation_rate", "automation_rate", "savings"):
        assert page.locator(f'[data-tile="{tile}"] dd').inner_text().strip()
    assert page.locator("#dash-reliability svg").count() == 1 and page.locator("#dash-risk svg").count() == 1
    reasons = page.locator("#dash-reasons tbody tr[data-code]")
    assert reasons.count() >= 1 and "$#" not in page.inner_text("#dash-reasons tbody th")
    assert "Refund above the approval limit" in page.inner_text("#dash-reasons")
    _screenshot(page, "dashboard.png")
    # a reviewer sees the figures of its own queues only
    page.fill("#dash-key", inbox_server.api.keys["gil"])
    page.select_option("#dash-queue", "billing")
    page.click("#dash-load")
    page.wait_for_selector("#notice.error")
    assert "403" in page.inner_text("#notice")
    page.close()
