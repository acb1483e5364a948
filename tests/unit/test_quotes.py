"""The customer's words quoted into a tool's argument fit what the argument takes (graphs/support/quotes.py)."""

from __future__ import annotations

from graphs.support.quotes import CUT, clip, fitted
from tools.payments.open_billing_dispute import OpenBillingDisputeArgs


def test_a_long_letter_quoted_as_a_dispute_reason_fits_the_reason() -> None:
    """A customer who writes at length is not refused: open_billing_dispute's reason takes 500 characters, the
    quote keeps the letter's beginning, cut at a word, and the call validates."""
    letter = "Dear team, I would like to dispute the membership charge of last month. " * 12
    args = fitted("open_billing_dispute", {"invoice_id": "INV-20001", "reason": letter}, letter)
    assert len(args["reason"]) <= 500 and args["reason"].endswith(CUT)
    assert letter.startswith(args["reason"][:-len(CUT)])
    OpenBillingDisputeArgs.model_validate(args)


def test_short_quotes_and_other_arguments_are_left_alone() -> None:
    args = {"invoice_id": "INV-20001", "reason": "never asked for Pro"}
    assert fitted("open_billing_dispute", args, "never asked for Pro") == args
    long_id = "x" * 600
    assert fitted("open_billing_dispute", {"invoice_id": long_id, "reason": "ok then"}, "ok then")["invoice_id"] \
        == long_id  # only the customer's words are cut, never an id


def test_clip_cuts_at_a_word() -> None:
    assert clip("alpha beta gamma delta", 14) == "alpha beta" + CUT
