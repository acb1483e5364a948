"""A note a flow fills with the customer's own words (tools/common.py ``brief``): a long letter is cut, not
refused, so the refund or dispute it asks for is still made."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tools.common import MAX_MESSAGE_CHARS
from tools.kb.search_articles import SearchArticlesArgs
from tools.payments.open_billing_dispute import OpenBillingDisputeArgs
from tools.payments.refund_order import RefundOrderArgs

LETTER = "Hello, the scroll wheel of the mouse stopped working after two days of use. " * 12


def test_a_long_reason_is_cut_after_a_whole_word() -> None:
    args = RefundOrderArgs(order_id=40562, amount=29.99, reason=LETTER)
    assert len(LETTER) > 500 and len(args.reason) <= 500
    assert args.reason.endswith("…") and LETTER.startswith(args.reason[:-1])
    assert LETTER[len(args.reason) - 1] == " ", "cut at a word's end"


def test_other_notes_that_quote_the_customer_are_cut_too() -> None:
    assert len(OpenBillingDisputeArgs(invoice_id="INV-20415", reason=LETTER).reason) <= 500
    assert len(SearchArticlesArgs(query=LETTER).query) <= 500


def test_a_short_reason_is_kept_as_written() -> None:
    assert RefundOrderArgs(order_id=40562, reason="damaged in transit").reason == "damaged in transit"


def test_a_text_longer_than_any_message_is_still_refused() -> None:
    with pytest.raises(ValidationError):
        RefundOrderArgs(order_id=40562, reason="x" * (MAX_MESSAGE_CHARS + 1))
