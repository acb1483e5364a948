"""Replies read against what the agent asked, through the whole graph on each checkpointer: bare answers,
corrections after a failed check (a new attempt each), customer ids, closings that open no intent, slots on
record not asked for twice, and a request that replaces the flow in progress."""

from __future__ import annotations

from service.conversations import SupportService
from tests.graph.conftest import tools_run

MAYA_EMAIL = "maya.chen@example.com"


def _intents(report: object) -> list[str]:
    understanding = getattr(report, "understanding", None) or {}
    return [i["intent"] for i in understanding.get("intents", [])]


def _act(report: object) -> str:
    understanding = getattr(report, "understanding", None) or {}
    return str(understanding.get("dialogue", {}).get("act"))


def test_a_bare_zip_after_the_identity_question_verifies(service: SupportService) -> None:
    service.send("bare-zip", "where is my order 10003?")
    service.send("bare-zip", MAYA_EMAIL)
    report = service.send("bare-zip", "94107")
    assert _act(report) == "answer", report.understanding
    assert tools_run(report.plan) == ["verify_identity", "get_order"], report.plan
    assert "1Z999AA10123456784" in report.replies[-1], report.replies


def test_customer_id_and_bare_card_digits_verify(service: SupportService) -> None:
    service.send("cid", "please track my order 10003")
    service.send("cid", "customer number c0001")
    report = service.send("cid", "4242")
    assert report.customer is not None and report.customer["customer_id"] == "C0001", report.plan
    assert tools_run(report.plan) == ["verify_identity", "get_order"], report.plan


def test_a_correction_after_a_failed_check_is_a_new_attempt_with_the_new_secret_only(service: SupportService) -> None:
    service.send("retry", "where is my order 10003?")
    failed = service.send("retry", f"{MAYA_EMAIL}, card 1111")
    assert failed.values["verification_failures"] == 1, failed.plan
    second = service.send("retry", "oops, 94107")
    assert _act(second) == "correct", second.understanding
    [verify] = [s for s in second.plan if s["tool"] == "verify_identity"]
    assert verify["args"] == {"email": MAYA_EMAIL, "zip_code": "94107"}, verify["args"]
    assert second.customer is not None and second.customer["verified"], second.plan


def test_a_reply_without_new_details_after_a_failed_check_is_not_another_attempt(service: SupportService) -> None:
    service.send("no-repeat-check", "track order 10003 please")
    service.send("no-repeat-check", f"{MAYA_EMAIL} zip 11111")
    again = service.send("no-repeat-check", "what do you mean it doesn't match??")
    assert again.values["verification_failures"] == 1, [s["tool"] for s in again.plan]
    assert "verify_identity" not in tools_run(again.plan), again.plan


def test_thanks_after_a_resolved_request_open_no_intent(service: SupportService) -> None:
    service.send("thanks", "I can't sign in, how do I reset my password?", customer_id="C0001")
    bye = service.send("thanks", "ok that reset worked, cheers")
    assert _act(bye) == "close" and _intents(bye) == ["out_of_scope"], bye.understanding
    assert tools_run(bye.plan) == [], bye.plan
    assert bye.status == "resolved", bye.status


def test_an_order_number_on_record_is_not_asked_for_again(service: SupportService) -> None:
    first = service.send("carry", "can you cancel order 10002?", customer_id="C0001")
    assert any(s["tool"] == "get_order" for s in first.plan), first.plan
    follow = service.send("carry", "ok then where is that order right now?")
    assert _intents(follow)[0] == "track_order", follow.understanding
    assert "order_id" not in (follow.values["flow"] or {}).get("asking", []), follow.values["flow"]
    assert [s["args"] for s in follow.plan if s["tool"] == "get_order"] == [{"order_id": 10002}], follow.plan


def test_a_bare_number_is_the_order_id_when_the_request_needs_one(service: SupportService) -> None:
    report = service.send("bare-order", "please cancel 10001", customer_id="C0001")
    assert [s["args"] for s in report.plan if s["tool"] == "get_order"] == [{"order_id": 10001}], report.plan


def test_a_new_request_with_identity_details_replaces_the_flow_in_progress(service: SupportService) -> None:
    service.send("switch-topic", "I want to delete my account")
    report = service.send("switch-topic", f"{MAYA_EMAIL} zip 94107. Where is my order 10003?")
    assert _act(report) == "new_request" and _intents(report)[0] == "track_order", report.understanding
    assert tools_run(report.plan) == ["verify_identity", "get_order"], report.plan


def test_a_merge_keeps_each_account_s_credentials_with_its_own_email(service: SupportService) -> None:
    report = service.send("merge", "please merge my old account amara.o@example.net into this one. "
                                   "I'm amara.okafor@example.com, zip 60601")
    [verify] = [s for s in report.plan if s["tool"] == "verify_identity"]
    assert verify["args"] == {"email": "amara.okafor@example.com", "zip_code": "60601"}, verify["args"]
    assert report.customer is not None and report.customer["customer_id"] == "C0003", report.customer
    [other] = [s for s in report.plan if s["tool"] == "find_customer"]
    assert other["args"] == {"email": "amara.o@example.net"}, other["args"]


def test_retyping_the_wrong_part_of_the_email_after_a_failed_check_verifies(service: SupportService) -> None:
    """"*example" after "maya.chen@exmaple.com 94107" failed: the email corrected, a new attempt with the zip."""
    service.send("email-typo", "where is my order 10003?")
    failed = service.send("email-typo", "maya.chen@exmaple.com 94107")
    assert failed.values["verification_failures"] == 1, failed.plan
    fixed = service.send("email-typo", "*example sorry")
    [verify] = [s for s in fixed.plan if s["tool"] == "verify_identity"]
    assert verify["args"] == {"email": MAYA_EMAIL, "zip_code": "94107"}, verify["args"]
    assert fixed.customer is not None and fixed.customer["verified"], fixed.plan
    assert "1Z999AA10123456784" in fixed.replies[-1], fixed.replies


def test_deciding_on_a_request_asked_about_is_progress_not_a_repeat(service: SupportService) -> None:
    """A question about plans, then "ok switch me to pro then": identity is asked again, and nobody is called."""
    service.send("decide", "what's the difference between plus and pro?")
    decided = service.send("decide", "ok switch me to pro then")
    assert decided.understanding is not None and decided.understanding["dialogue"].get("decides"), \
        decided.understanding
    assert decided.status == "awaiting_customer" and decided.review_request is None, decided.status
    verified = service.send("decide", f"{MAYA_EMAIL} zip 94107")
    assert verified.customer is not None and verified.customer["verified"], verified.plan
    # The go-ahead came with the decision: the switch runs once verified, without another yes.
    assert "change_plan" in tools_run(verified.plan), verified.plan


def test_an_email_to_change_to_is_not_used_to_verify(service: SupportService) -> None:
    service.send("new-email", "can I change my email? I want to move it to maya.new@example.com")
    report = service.send("new-email", "C0001 zip 94107")
    [verify] = [s for s in report.plan if s["tool"] == "verify_identity"]
    assert verify["args"] == {"customer_id": "C0001", "zip_code": "94107"}, verify["args"]
    assert report.customer is not None and report.customer["verified"], report.plan


def test_a_plan_asked_for_outright_is_switched_and_a_retold_plan_replaces_the_offer(service: SupportService) -> None:
    """Maya (Plus, signed in) asks whether Pro is worth it: the switch waits for her yes. "ok then just put me
    on the free one" is that request again with another plan, and an instruction: Basic, without another yes."""
    offered = service.send("retell", "would it be worth it to move to pro?", customer_id="C0001")
    [change] = [s for s in offered.plan if s["tool"] == "change_plan"]
    assert change["status"] == "awaiting_confirmation" and change["args"] == {"plan": "pro"}, offered.plan
    retold = service.send("retell", "hmm no, too pricey. ok then just put me on the free one", customer_id="C0001")
    assert retold.understanding is not None and retold.understanding["dialogue"]["act"] == "correct", \
        retold.understanding
    [change] = [s for s in retold.plan if s["tool"] == "change_plan"]
    assert change["status"] == "done" and change["args"] == {"plan": "basic"}, retold.plan


def test_who_the_customer_said_they_are_before_asking_anything_is_not_asked_again(service: SupportService) -> None:
    """An email, then a bare ZIP code, sent before any request: the request that follows verifies with them."""
    service.send("said-before", "hi")
    service.send("said-before", MAYA_EMAIL)
    service.send("said-before", "94107")
    report = service.send("said-before", "where is my order 10003?")
    assert "verify_identity" in tools_run(report.plan), (report.plan, report.replies)
    assert report.customer is not None and report.customer["verified"], report.plan
    assert "1Z999AA10123456784" in report.replies[-1], report.replies


def test_a_secret_carried_from_before_never_checks_another_identifier(service: SupportService) -> None:
    """The ZIP code went with Maya's email: an order said to be under another email does not check that email
    with Maya's ZIP code (a household shares one); the other account's own secret is asked for."""
    service.send("other-id", MAYA_EMAIL)
    service.send("other-id", "94107")
    report = service.send("other-id", "where is my order 10005? it's under jordan.lee@example.com")
    checks = [s["args"] for s in report.plan if s["tool"] == "verify_identity"]
    assert not any(a.get("email") == "jordan.lee@example.com" and a.get("zip_code") for a in checks), report.plan
