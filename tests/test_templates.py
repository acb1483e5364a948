"""Every reply template only refers to steps that the flows using it actually have."""

from __future__ import annotations

import re
from pathlib import Path

from graphs.support.flows import load_flows
from prompts import reply_exists

REPLIES = Path(__file__).resolve().parents[1] / "prompts" / "replies"


def test_every_flow_reply_template_exists_and_names_only_its_steps() -> None:
    problems = []
    for flow in load_flows().values():
        if not reply_exists(flow.reply):
            problems.append(f"{flow.intent}: no template {flow.reply}.j2")
            continue
        text = (REPLIES / f"{flow.reply}.j2").read_text("utf-8")
        optional = set(re.findall(r'steps\.get\("(\w+)"\)', text))
        used = set(re.findall(r"steps\.(\w+)", text)) - {"get"} - optional
        missing = used - {s.id for s in flow.steps}
        if missing:
            problems.append(f"{flow.intent} ({flow.reply}.j2) refers to steps it does not have: {sorted(missing)}")
    assert not problems, "\n".join(problems)


def test_every_problem_the_llm_reasoner_sends_back_is_a_template() -> None:
    """The retry feedback is written in prompts/llm/problems.md: each kind the code names is a macro there."""
    import pytest

    from graphs.reasoners.llm.prompting import render_problem

    root = Path(__file__).resolve().parents[1]
    code = "".join(p.read_text("utf-8") for p in (root / "graphs" / "reasoners" / "llm").glob("*.py"))
    used = set(re.findall(r'render_problem\(\s*"([a-z_]+)"', code))
    defined = set(re.findall(r"\{% macro ([a-z_]+)\(", (root / "prompts" / "llm" / "problems.md").read_text("utf-8")))
    assert used and used == defined
    assert render_problem("text_answer", schema="SupportPlan") == (
        "you answered in text; answer only by calling SupportPlan with valid JSON arguments")
    with pytest.raises(KeyError):
        render_problem("no_such_problem")


def test_the_troubleshooting_reply_gives_each_guide_once() -> None:
    """Steps planned per product may each find the guide of the other's problem: it is shown once, under the
    product named; a product named in two steps is shown once too; the rest keep their order."""
    from prompts import render_reply

    def guide(product: str, article_id: str, title: str, **more: object) -> dict[str, object]:
        return {"product": product, "matched_product": more.pop("matched", product), "article_id": article_id,
                "title": title, "steps": [f"{title}: first step"], **more}

    plug = guide("Glow Smart Plug", "KB-133", "Smart plug not pairing")
    speaker = guide("Nimbus Smart Speaker", "KB-130", "Nimbus Smart Speaker offline")
    found_speaker = guide("Speaker", "KB-130", "Nimbus Smart Speaker offline", matched=None, from_problem=True)
    phone = guide("Phone", "KB-129", "Phone not charging", matched=None, from_problem=True)
    steps = {
        "plug": {"tool": "troubleshoot", "status": "done",
                 "result": {"data": {"guides": [phone, plug, found_speaker]}}},
        "speaker": {"tool": "troubleshoot", "status": "done",
                    "result": {"data": {"guides": [speaker, phone, plug]}}},
    }
    reply = render_reply("troubleshooting", steps=steps)
    headings = [line for line in reply.splitlines() if "(KB-" in line]
    assert headings == ['Phone — "Phone not charging" (KB-129):',
                        'Glow Smart Plug — "Smart plug not pairing" (KB-133):',
                        'Nimbus Smart Speaker — "Nimbus Smart Speaker offline" (KB-130):'], reply


def test_a_failed_membership_payment_says_what_is_owed() -> None:
    """payment_issue reads the membership's invoices when the failed payment is the membership's: the open one is
    what the customer owes; without them (a card payment, an unverified customer) only the help article answers."""
    from graphs.support.flows import get_flow
    from prompts import render_reply

    membership = get_flow("payment_issue").slots["membership"]
    assert membership.read_text("my membership payment didn't go through, how much do I owe?") is True
    assert membership.read_text("my card got declined buying a phone case") is None
    kb = {"tool": "search_articles", "status": "done", "result": {"data": {"articles": [
        {"id": "KB-111", "title": "Failed payments", "snippet": "Only your bank can tell you why."}]}}}
    invoices = {"tool": "list_invoices", "status": "done", "result": {"data": {"invoices": [
        {"invoice_id": "INV-2", "amount": 9.99, "status": "open", "issued_at": "2026-02-27T09:00:00+00:00"},
        {"invoice_id": "INV-1", "amount": 9.99, "status": "paid", "issued_at": "2026-01-27T09:00:00+00:00"}]}}}
    reply = render_reply("payment_issue", steps={"kb": kb, "invoices": invoices})
    assert "INV-2 of $9.99" in reply and "INV-1" not in reply and "Only your bank" in reply, reply
    assert "INV-" not in render_reply("payment_issue", steps={"kb": kb})


def test_a_question_about_ones_own_payment_methods_shows_them() -> None:
    """check_payment_methods reads a verified customer's saved methods when they ask about their own (a gift card's
    balance, "do I have PayPal on here?"); what the store accepts is answered either way."""
    from graphs.support.flows import get_flow
    from prompts import render_reply

    mine = get_flow("check_payment_methods").slots["mine"]
    assert mine.read_text("is there anything left on the gift card my sister gave me?") is True
    assert mine.read_text("do I have paypal on here?") is True
    assert mine.read_text("which payment methods do you accept?") is None
    kb = {"tool": "search_articles", "status": "done", "result": {"data": {"articles": [
        {"id": "KB-110", "title": "Accepted payment methods", "snippet": "Visa, Mastercard, PayPal."}]}}}
    methods = {"tool": "list_payment_methods", "status": "done", "result": {"data": {"payment_methods": [
        {"payment_method_id": "PM-1", "kind": "card", "default": True, "brand": "Visa", "last4": "3381"},
        {"payment_method_id": "PM-2", "kind": "gift_card", "default": False, "balance": 37.5}]}}}
    reply = render_reply("payment_methods", steps={"kb": kb, "methods": methods})
    assert "Visa ending 3381 (default)" in reply and "balance $37.50" in reply and "KB-110" in reply, reply
    assert "On your account" not in render_reply("payment_methods", steps={"kb": kb})


def test_the_identity_question_asks_only_for_the_half_not_given() -> None:
    """What the customer gave is never asked again: a card alone is followed by a question for the account's email
    (or number) only, an email alone by one for the secret only; with neither, or both after a failed check, the
    whole question."""
    from prompts import render_reply

    whole = render_reply("ask_information", asking=["identity"], flow={"slots": {}})
    assert "email address on your account and either your ZIP code" in whole, whole
    card = render_reply("ask_information", asking=["identity"], flow={"slots": {"card_last4": "7312"}})
    assert "card ending 7312" in card and "ZIP code or the last four" not in card and "email" in card, card
    email = render_reply("ask_information", asking=["identity"], flow={"slots": {"email": "li@x.io"}})
    assert "ZIP code or the last four digits" in email and "email address" not in email, email
    both = render_reply("ask_information", asking=["identity"],
                        flow={"slots": {"email": "li@x.io", "zip_code": "60614"}})
    assert "email address on your account and either" in both, both
