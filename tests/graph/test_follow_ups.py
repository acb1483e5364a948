"""What happens after a step finished, through the whole graph on each checkpointer: a request for what the agent
offered instead, a correction of a finished change, a refusal that declines without calling the tool."""

from __future__ import annotations

from service.conversations import SupportService
from tests.graph.conftest import order_status, tools_run

MAYA = "C0001"


def test_asking_for_what_the_agent_offered_instead_is_the_yes_to_it(service: SupportService,
                                                                    database_url: str) -> None:
    """Order 10001 holds one item: removing it is refused with cancelling offered instead; asking for that
    cancels at once, without a second "shall I?"."""
    first = service.send("offer", "please take the charger off order 10001", customer_id=MAYA)
    [modify] = [s for s in first.plan if s["tool"] == "modify_order"]
    assert modify["status"] == "failed" and "(cancel_order)" in (modify["error"] or ""), first.plan
    second = service.send("offer", "oh ok, cancel the whole order then", customer_id=MAYA)
    assert "cancel_order" in tools_run(second.plan), second.plan
    assert order_status(database_url, 10001) == "cancelled", second.replies


def test_a_correction_after_a_finished_change_amends_it(service: SupportService, database_url: str) -> None:
    """An address change is done; "oops, wrong zip" with the right one changes the finished request's address
    (only its ZIP) and the change runs again: no new topic, no question."""
    service.send("amend", "please send order 10001 to 12 Oak Street, Springfield 62704 instead", customer_id=MAYA)
    report = service.send("amend", "oops wrong zip, it's 62701", customer_id=MAYA)
    assert report.understanding is not None
    assert report.understanding["dialogue"].get("amends") == ["address"], report.understanding["rationale"]
    changes = [s for s in report.plan if s["tool"] == "change_shipping_address"]
    assert [c["status"] for c in changes] == ["done"] and changes[0]["args"]["zip_code"] == "62701", report.plan
    assert changes[0]["args"]["line1"] == "12 Oak Street", changes[0]["args"]
    assert "62701" in report.replies[-1], report.replies


def test_the_other_one_asks_the_finished_request_again_about_another_record(service: SupportService) -> None:
    """Order 10003 is tracked; "and the other one? the hdmi cable" tracks the order the cable is on (10004,
    delivered), found from the new description (never the order tracked last time)."""
    first = service.send("other", "where is my order 10003?", customer_id=MAYA)
    assert "1Z999AA10123456784" in first.replies[-1], first.replies
    report = service.send("other", "ok and the other one? the hdmi cable", customer_id=MAYA)
    assert report.understanding is not None
    assert report.understanding["dialogue"].get("amends") == ["order_id"], report.understanding["rationale"]
    [lookup] = [s for s in report.plan if s["tool"] == "get_order" and s["status"] == "done"]
    assert lookup["args"] == {"order_id": 10004}, report.plan
    assert "Order 10004 was delivered" in report.replies[-1], report.replies


def test_after_a_closing_thanks_the_other_one_still_follows_up_the_tracked_order(service: SupportService) -> None:
    """Order 10003 is tracked, the customer says thanks, then asks about "the other one, the headphones": the
    tracking request again, for the headphones' order (10002), not a new topic the router guesses."""
    service.send("thanks-then", "where is my order 10003?", customer_id=MAYA)
    service.send("thanks-then", "ok cool thanks", customer_id=MAYA)
    report = service.send("thanks-then", "and the other one? the headphones", customer_id=MAYA)
    assert report.understanding is not None
    assert report.understanding["intents"][0]["intent"] == "track_order", report.understanding["rationale"]
    [lookup] = [s for s in report.plan if s["tool"] == "get_order" and s["status"] == "done"]
    assert lookup["args"] == {"order_id": 10002}, report.plan


def test_a_follow_up_after_an_invoice_listing_lists_them_again(service: SupportService) -> None:
    """The invoices are listed; "great, thanks - and September's as well please" asks the same again."""
    first = service.send("invoices", "can I get a copy of my invoice?", customer_id=MAYA)
    assert "list_invoices" in tools_run(first.plan), first.plan
    report = service.send("invoices", "great, thanks - and September's as well please", customer_id=MAYA)
    assert report.understanding is not None
    assert report.understanding["dialogue"].get("again") == ["get_invoice"], report.understanding["rationale"]
    assert "list_invoices" in tools_run(report.plan), report.plan


def test_a_question_about_it_after_an_address_change_refused_tracks_that_order(service: SupportService) -> None:
    """Order 10003 has shipped, so its address cannot change; "hmm ok. when's it due to land then?" asks about that
    order: it is tracked and answered, though the router alone reads the few words as some other topic."""
    first = service.send("refers", "please send order 10003 to 12 Oak Street, Springfield 62704 instead",
                         customer_id=MAYA)
    assert "change_shipping_address" not in tools_run(first.plan), first.plan
    report = service.send("refers", "hmm ok, annoying. so when's it due to land then?", customer_id=MAYA)
    assert report.understanding is not None
    assert report.understanding["intents"][0]["intent"] == "track_order", report.understanding["rationale"]
    assert [(s["tool"], s["args"]) for s in report.plan if s["status"] == "done"] == [
        ("get_order", {"order_id": 10003})], report.plan
    # The dialogue decided the reading (the pronoun's record), so the router's doubt about the few words (another
    # topic, a low margin, nearest examples of other intents) is no evidence against it: the answer is sent.
    assessment = report.assessment
    assert assessment is not None
    assert assessment["signals"]["margin"] == 1.0 and assessment["signals"]["router_disagreement"] == 0.0, assessment
    assert assessment["confidence"] >= assessment["threshold"] and not assessment["clarify"], assessment
    assert "1Z999AA10123456784" in report.replies[-1], report.replies
