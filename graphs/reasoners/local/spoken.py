"""Values said the way they are dictated: digits as words, emails with "at" and "dot".

Customers on a phone's voice input, or reading a number out, write "one three seven oh two", "zip six oh six one
four", "C three oh five seven", "leah dot whitman at hotmail dot com", or type an address with spaces around its
"@" ("leah.whitman @ hotmail.com", as some keyboards and autocorrect leave it). Entity extraction reads such values
as the digits and the address they stand for. A run of three or more digit words is a number (fewer are ordinary
words: "one or two", "oh no"); a single capital letter right before it is the id's prefix ("C 3057" → "C3057").
"""

from __future__ import annotations

import re

_DIGITS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
           "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_DIGIT_WORD = r"(?:zero|oh|o|one|two|three|four|five|six|seven|eight|nine|\d)"
_RUN = re.compile(rf"\b(?:(?P<prefix>[A-Z])[\s-]+)?(?P<run>{_DIGIT_WORD}(?:[\s-]+{_DIGIT_WORD}){{2,}})\b",
                  re.IGNORECASE)
_EMAIL_WORDS = re.compile(
    r"\b(?P<local>[a-z0-9_]+(?:\s+(?:dot|underscore|dash)\s+[a-z0-9_]+)*)\s+at\s+"
    r"(?P<domain>[a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)+)\b", re.IGNORECASE)
# "mariah jensen 88 at gmail dot com, all one word": the words before "at" (after a cue such as "it's") joined.
_EMAIL_ONE_WORD = re.compile(
    r"\b(?:(?:email|e-mail|address|it'?s|is)\s+)?(?P<local>(?:[a-z0-9]+\s+){0,3}[a-z0-9]+)\s+at\s+"
    r"(?P<domain>[a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)+)\s*,?\s*(?:all\s+)?(?:one word|no spaces)", re.IGNORECASE)
_JOINERS = {"dot": ".", "underscore": "_", "dash": "-"}
# An address typed with spaces around its "@": the parts on either side are an address's local part and domain.
_SPACED_AT = re.compile(r"(?<![\w.%+-])(?P<local>[A-Za-z0-9._%+-]*[A-Za-z0-9_%+-])(?:\s+@\s*|\s*@\s+)"
                        r"(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b")


def _number(m: re.Match[str]) -> str:
    words = re.split(r"[\s-]+", m.group("run"))
    if not any(w.lower() in _DIGITS for w in words):
        return m.group(0)  # digits already
    digits = "".join(_DIGITS.get(w.lower(), w) for w in words)
    prefix = m.group("prefix")
    if prefix and not prefix.isupper():
        return m.group(0)[: m.start("run") - m.start()] + digits
    return f"{prefix.upper()}{digits}" if prefix else digits


def _email(m: re.Match[str]) -> str:
    def join(part: str) -> str:
        return re.sub(r"\s+(dot|underscore|dash)\s+", lambda j: _JOINERS[j.group(1).lower()], part).lower()

    if " dot " not in m.group(0).lower():
        return m.group(0)
    return f"{join(m.group('local'))}@{join(m.group('domain'))}"


def _email_one_word(m: re.Match[str]) -> str:
    domain = re.sub(r"\s+dot\s+", ".", m.group("domain"))
    return f"{''.join(m.group('local').split())}@{domain}".lower()


def spoken_values(text: str) -> str:
    """``text`` with dictated digits and email addresses written as they are typed."""
    text = _RUN.sub(_number, text)
    if "@" in text:
        text = _SPACED_AT.sub(r"\g<local>@\g<domain>", text)
    if " at " not in text.lower():
        return text
    return _EMAIL_WORDS.sub(_email, _EMAIL_ONE_WORD.sub(_email_one_word, text))
