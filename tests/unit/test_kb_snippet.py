"""Snippets of help articles: the best line, and a list's items when the best line introduces one."""

from __future__ import annotations

from tools.kb.ranking import snippet, tokens

ARTICLE = """# Accepted payment methods

We accept the following payment methods online and in the app:

- **Visa** (credit and debit)
- **PayPal**

## What we don't accept

- Cash on delivery is **not** available.

## Store pickup

Pickup orders must be paid online when you order.
"""


def test_a_line_introducing_a_list_brings_its_items_and_stops_at_the_heading() -> None:
    text = snippet(ARTICLE, set(tokens("which payment methods do you accept")))
    assert text.splitlines() == ["We accept the following payment methods online and in the app:",
                                 "- Visa (credit and debit)", "- PayPal"], text


def test_an_ordinary_line_comes_alone() -> None:
    assert snippet(ARTICLE, set(tokens("pickup paid online"))) == "Pickup orders must be paid online when you order."
