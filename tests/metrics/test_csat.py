"""CSAT: the rating question at resolution, the customer's answer stored and acknowledged (not routed as a new
request), anything else carrying on as usual; and the explicit API. Graph tests run on SQLite and Postgres."""

from __future__ import annotations

import pytest

from foundation.audit import open_audit_log
from graphs.support.csat import Rating, check_score, rating_of
from service.conversations import SupportError, SupportService, UnknownThread


@pytest.mark.parametrize(("text", "expected"), [
    ("5", Rating(5, None)),
    ("4/5", Rating(4, None)),
    ("4 / 5", Rating(4, None)),
    ("five stars", Rating(5, None)),
    ("great, 5", Rating(5, "great")),
    ("3 out of 5 - it was slow", Rating(3, "it was slow")),
    ("1. terrible", Rating(1, "terrible")),
    ("★★★★", Rating(4, None)),
    ("Two stars, the courier was late", Rating(2, "the courier was late")),
])
def test_ratings_are_read_off_short_answers(text: str, expected: Rating) -> None:
    assert rating_of(text) == expected


@pytest.mark.parametrize("text", [
    "where is my order 10003?",  # a number, but an order id
    "I have 2 more questions about my invoice",  # a bare number inside a sentence
    "5 items from order 10005 are missing",  # other numbers beside the score
    "7",  # off the scale
    "4/5 or 5/5",  # two scores
    "thanks!",
    "can I get a refund of 5 dollars",
    "",
])
def test_other_messages_are_not_ratings(text: str) -> None:
    assert rating_of(text) is None


def test_api_scores_are_checked() -> None:
    assert check_score(4) == 4 and check_score(" 2 ") == 2
    for bad in (0, 6, "five", "4.5", True, None):
        with pytest.raises(ValueError, match="whole number from 1 to 5"):
            check_score(bad)


def _csat_events(database_url: str, thread: str) -> list[dict[str, object]]:
    return [e["payload"] for e in open_audit_log(database_url).events(thread) if e["kind"] == "csat"]


def test_csat_asked_at_resolution_stored_from_the_answer_or_the_api(
    service: SupportService, database_url: str
) -> None:
    done = service.send("rated", "where is my order 10003?", customer_id="C0001")
    assert done.status == "resolved", done.replies
    assert "rating from 1" in done.replies[-1], f"no rating question in {done.replies!r}"

    rated = service.send("rated", "great, 5")
    assert _csat_events(database_url, "rated") == [{"score": 5, "comment": "great", "source": "conversation"}]
    assert rated.replies == ["Thank you for rating us 5/5, that's good to hear!"], rated.replies
    assert rated.status == "resolved", rated.status
    kinds = [e["kind"] for e in open_audit_log(database_url).events("rated") if e["turn"] == rated.turn]
    assert kinds == ["csat", "respond"], f"a rating must not be understood or planned: {kinds}"
    asked = [e["payload"]["csat_asked"] for e in open_audit_log(database_url).events("rated") if e["kind"] == "respond"]
    assert asked == [True, False], "the resolving reply asks (and says so in the log); the thanks does not"
    assert rated.plan == done.plan, "the rating ran no new steps"

    # Anything else after the resolution is a request like any other, and asks for no rating until resolved.
    again = service.send("rated", "and could I cancel order 10001?")
    assert again.understanding is not None
    assert again.understanding["intents"][0]["intent"] == "cancel_order", again.understanding
    assert again.status == "awaiting_customer" and "rating" not in again.replies[-1], again.replies
    assert len(_csat_events(database_url, "rated")) == 1

    # In a conversation that is not resolved, a bare number is a message like any other.
    fresh = service.send("survey", "5", customer_id="C0001")
    assert _csat_events(database_url, "survey") == []
    assert fresh.understanding is not None, "a bare number in an open conversation goes to the agent"

    # The API stores a rating given elsewhere.
    service.rate("survey", 2, "my email is maya.chen@example.com and it took long")
    assert _csat_events(database_url, "survey") == [
        {"score": 2, "comment": "my email is <email> and it took long", "source": "api"}]
    with pytest.raises(UnknownThread):
        service.rate("no-such-thread", 5)
    with pytest.raises(SupportError, match="1 to 5"):
        service.rate("survey", 9)
    assert len(_csat_events(database_url, "survey")) == 1, "a refused rating must not be stored"
