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


def test_a_line_followed_by_a_table_brings_its_rows() -> None:
    body = ("You choose a delivery option at checkout.\n\n| Option | Time | Price |\n|---|---|---|\n"
            "| Standard | 3–5 days | **$5.99** |\n| Express | 1–2 days | $14.99 |\n\nOther text.\n\n"
            "| A | B |\n|---|---|\n| x | y |\n")
    text = snippet(body, set(tokens("delivery options")))
    assert text.splitlines() == ["You choose a delivery option at checkout.", "- Standard: 3–5 days, $5.99",
                                 "- Express: 1–2 days, $14.99"], text
