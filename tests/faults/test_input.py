"""Control characters are refused before anything is recorded, for customers and reviewers alike."""

from __future__ import annotations

from typing import Any

import pytest

from foundation.audit import open_audit_log
from graphs.support.messages import InvalidMessage, check_message
from graphs.support.review import InvalidDecision
from service.conversations import SupportService
from tests.graph.conftest import refunds_of

REFUND_TEXT = "I want a refund for order 10002, the headphones arrived broken"
CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f", "\r"]


@pytest.mark.parametrize("char", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_a_control_character_in_a_message_is_refused(char: str) -> None:
    with pytest.raises(InvalidMessage, match=f"U\\+{ord(char):04X}"):
        check_message(f"where is my order{char} 10003?")


def test_tabs_line_ends_and_the_replacement_character_are_text() -> None:
    assert check_message("where is\tmy order\r\n10003?\n") == "where is my order 10003?"
    assert check_message("the label says \ufffd\ufffd instead of my name") == (
        "the label says \ufffd\ufffd instead of my name")


def test_undecodable_bytes_are_refused() -> None:
    with pytest.raises(InvalidMessage, match="not valid UTF-8"):
        check_message(b"caf\xe9 order".decode("utf-8", errors="surrogateescape"))


def test_a_message_with_nul_is_refused_before_the_thread_exists(service: SupportService) -> None:
    with pytest.raises(InvalidMessage, match="U\\+0000"):
        service.send("nul", "refund order 10004\x00 please", customer_id="C0001")
    assert not service.exists("nul")


@pytest.mark.parametrize("decision", [
    {"type": "reject", "message": "not\x00eligible"},
    {"type": "respond", "message": "We refunded\x1b[31m you"},
    {"type": "edit", "edited_action": {"name": "refund_order", "args": {"order_id": 10002, "amount": 20,
                                                                       "reason": "broken\x00"}}},
], ids=["reject-reason", "respond-message", "edit-args"])
def test_a_control_character_in_a_decision_is_refused_and_the_review_stays_open(
        service: SupportService, database_url: str, decision: dict[str, Any]) -> None:
    service.send("nul-review", REFUND_TEXT, customer_id="C0001")
    with pytest.raises(InvalidDecision, match="control character"):
        service.resume("nul-review", {"decisions": [decision], "reviewer": "ana"})
    assert service.pending_review("nul-review") is not None
    [item] = open_audit_log(database_url).review_items()
    assert item.status == "open", item
    report = service.resume("nul-review", {"decisions": [{"type": "approve"}], "reviewer": "ana"})
    assert "349.99" in report.replies[-1] and len(refunds_of(database_url, 10002)) == 1


def test_a_reviewer_name_with_control_characters_is_refused(service: SupportService) -> None:
    service.send("nul-name", REFUND_TEXT, customer_id="C0001")
    with pytest.raises(InvalidDecision, match="reviewer"):
        service.resume("nul-name", {"decisions": [{"type": "approve"}], "reviewer": "ana\x00"})


def test_deeply_nested_edit_arguments_are_refused(service: SupportService) -> None:
    service.send("deep", REFUND_TEXT, customer_id="C0001")
    deep: Any = "x"
    for _ in range(5000):
        deep = {"a": deep}
    edit = {"type": "edit", "edited_action": {"name": "refund_order", "args": {"order_id": 10002, "x": deep}}}
    with pytest.raises(InvalidDecision, match="nest"):
        service.resume("deep", {"decisions": [edit], "reviewer": "ana"})
    assert service.pending_review("deep") is not None


def test_an_internal_error_answers_a_request_id_and_no_sql() -> None:
    import asyncio
    import json

    from starlette.requests import Request

    from supportgraph.server.errors import internal_error

    failure = RuntimeError('invalid byte sequence\n[SQL: INSERT INTO thread VALUES (%(a)s)]\n[parameters: {"a": 1}]')
    request = Request({"type": "http", "method": "POST", "path": "/threads/x/runs", "headers": [],
                       "query_string": b""})
    response = asyncio.run(internal_error(request, failure))
    body = json.loads(bytes(response.body))
    assert response.status_code == 500 and body["details"]["request_id"] in body["message"], body
    assert "SQL" not in bytes(response.body).decode() and "parameters" not in bytes(response.body).decode()
