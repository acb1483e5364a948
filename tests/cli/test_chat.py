"""``supportgraph chat``: a conversation over stdin, continued later in another process on the same thread."""

from __future__ import annotations

import pytest

from tests.cli.helpers import RunCli, assert_ok, assert_refused, thread_id_of_chat, thread_state

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('chat') / 'supportgraph.db'}"


def test_chat_cancels_an_order_and_a_later_chat_continues_the_thread(run_cli: RunCli, url: str) -> None:
    # `--thread` continues an existing thread only, so the first session starts a new one and announces its id
    first = run_cli("chat", "--customer", "C0001", database_url=url,
                    stdin="can I still cancel order 10001?\nyes go ahead\n")
    assert_ok(first)
    thread = thread_id_of_chat(first)
    assert "Customer: can I still cancel order 10001?" in first.stdout
    assert "cancel_order waits for the customer's yes" in first.stdout
    assert "Shall I go ahead and cancel it?" in first.stdout
    assert "✓ cancel_order(order_id=10001" in first.stdout, first.describe()
    assert "order 10001 is cancelled" in first.stdout, first.describe()
    assert "status resolved" in first.stdout

    second = run_cli("chat", "--thread", thread, database_url=url, stdin="where is order 10003?\n")
    assert_ok(second)
    assert thread_id_of_chat(second) == thread
    assert "✓ get_order(order_id=10003)" in second.stdout, second.describe()
    assert "Order 10003 is on its way" in second.stdout, second.describe()
    # still signed in as C0001 from the first session: no identity check
    assert "verify_identity" not in second.stdout
    assert "confirm it's you" not in second.stdout
    assert "Missing: identity" not in second.stdout

    state = thread_state(url, thread)
    assert state is not None
    humans = [text for kind, text in state["messages"] if kind == "human"]
    assert humans == ["can I still cancel order 10001?", "yes go ahead", "where is order 10003?"]


def test_chat_on_an_unknown_thread_is_refused(call_cli: RunCli, url: str) -> None:
    result = call_cli("chat", "--thread", "does-not-exist", database_url=url, stdin="hello\n")
    assert_refused(result, contains="does-not-exist")
    assert "Agent:" not in result.stdout
    assert thread_state(url, "does-not-exist") is None


def test_customers_lists_the_demo_customers(call_cli: RunCli, url: str) -> None:
    result = call_cli("customers", "--limit", "3", database_url=url)
    assert_ok(result)
    rows = [line.split("\t") for line in result.stdout.splitlines()]  # tab-separated, for cut and awk
    assert [r[0] for r in rows] == ["C0001", "C0002", "C0003"], result.describe()
    assert rows[0][1:] == ["Maya Chen", "maya.chen@example.com"], result.describe()
    assert all("@" in r[2] for r in rows), result.describe()
