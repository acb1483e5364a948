"""Entity extraction: order ids, emails, amounts, dates (relative ones too), products, verification data.

Regular expressions for the shaped values, fuzzy matching against the store's catalogue for product names
(graphs/reasoners/local/products.py), and dateparser for dates such as "last Tuesday" resolved against the run's
clock (graphs/reasoners/local/dates.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Literal, TypedDict

from graphs.reasoners.local.addresses import Address, find_addresses
from graphs.reasoners.local.corrections import ORDER_ID_MIN, SELF_CORRECTION, taken_back
from graphs.reasoners.local.dates import may_name_a_day, parse_dates
from graphs.reasoners.local.order_roles import rank_orders
from graphs.reasoners.local.products import match_products
from graphs.reasoners.local.spoken import spoken_values

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
# Money the customer says was already given back: history, not the amount they ask for.
_GIVEN_BACK = re.compile(
    r"\b(?:gave|given|got|get|received|sent|paid|put)\b[^.!?;\n]{0,30}\bback\b|"
    r"\b(?:got|gotten|had)\b[^.!?;\n]{0,30}\b(?:refunded|credited|reimbursed)\b|"
    r"\b(?:you|they|already|was|were|have|has|had)\s+(?:already\s+)?(?:refunded|credited|reimbursed)\b",
    re.IGNORECASE)
_DECIMAL_POINT = re.compile(r"(?<=\d)[.,](?=\d)")
_ASKS_FOR = re.compile(r"\b(?:want|need|would like|please|pls|can you|could you|give me|i'd like)\b|\?",
                       re.IGNORECASE)
# An email the customer wants the account to have ("move it from my work address to x@y.com", "my new email would
# be x@y.com") is the value of a change, not the account's: it names no account and verifies nothing.
_CHANGE_TO = re.compile(
    r"(?:\b(?:change|changing|move|moving|switch|switching|update|updating|set|setting)\b[^.!?\n]{0,60}?\bto|"
    r"\bnew (?:e-?mail|email address|address)(?: (?:is|would be|will be|should be|=))?)\s*:?\s*$", re.IGNORECASE)
_ORDER = re.compile(
    r"(?:\b(?:order|bestellung|bestellnummer|auftrag|pedido|commande|ordine|encomenda|bestelling)\b[^0-9\n]{0,12}|"
    r"#\s*|\bno\.?\s*|\bnumber\s*|\bord(?:er)?\.?\s*#?\s*|\bO-)(\d{5,6})\b", re.IGNORECASE)
_BARE_ORDER = re.compile(r"(?<![\d.$€£])\b(1\d{4})\b(?![.,]\d)")
# A number in brackets after what the customer bought ("I bought one keyboard (62407)", "got the bulbs (41876)") is
# that purchase's order id, whatever its first digit.
_BOUGHT_BRACKETED = re.compile(r"\b(?:bought|ordered|purchased|got|placed)\b[^.!?;\n()]{0,60}\(\s*#?(\d{5,6})\s*[,;)]",
                               re.IGNORECASE)
# A number right after a verb that acts on an order ("could you cancel 71145", "trying to catch 70312 while it is
# still packed") is the order's id, whatever its first digit.
_ACTED_ON = re.compile(r"\b(?:cancel|refund|track|catch|stop|modify|amend|hold)\s+#?(\d{5,6})\b(?![.,/:-]?\d)",
                       re.IGNORECASE)
# A bare number right after the noun of another kind of number ("asset tag 10442", "serial no. 12345", "flight
# 10235") is that number, not an order id.
_OTHER_NUMBER = re.compile(r"\b(?:tag|serial|model|part|sku|ref|reference|flight|room|ext|extension|employee|"
                           r"badge|policy|membership|member|ticket|case|claim|tracking|phone|tel)"
                           r"(?:\s*(?:no|nr|number|id|#)\.?)?\s*[:#]?\s*$", re.IGNORECASE)
_ZIP = re.compile(
    r"\b(?:zip|zip code|zipcode|postal code|postcode|post code|postal|cep|cap|plz)\b\D{0,12}(\d{5})\b", re.IGNORECASE)
# The card's last four: after "last four", "ending"... or after the card's own name ("card 4417", "visa 4411").
_LAST4 = re.compile(
    r"\b(?:last (?:four|4)(?: digits| numbers)?|ending(?: in| with| on)?|ends(?: in| with| on)?|"
    r"finish(?:es|ing)?(?: in| with| on)?|last digits|card|visa|mastercard|amex|debit|credit|"
    r"karte|tarjeta|carte|cart[aã]o|carta|endet auf|termina(?: en| em| in| con)?|finit par)"
    r"(?P<gap>\D{0,20}?)(?<![\d.$€£,])(\d{4})\b(?![.,/:]?\d)", re.IGNORECASE
)
_NOT_A_CARD_GAP = re.compile(r"expir|\bexp\b|valid|since|year|\$|€|£", re.IGNORECASE)
# Bare numbers, typed by what the conversation expects (see ``extract_entities``'s ``expecting``).
_BARE5 = re.compile(r"(?<![\d.$€£#/:-])\b(\d{5})\b(?![.,/:-]?\d)")
# A ZIP+4 code ("30318-1234") is its five-digit zip code where a zip is expected; its four digits are no card's.
_BARE_ZIP4 = re.compile(r"(?<![\d.$€£#/:-])\b(\d{5})-\d{4}\b(?![.,/:-]?\d)")
_BARE4 = re.compile(r"(?<![\d.$€£#/:-])\b(\d{4})\b(?![.,/:-]?\d)")
# A five-digit number that ends a postal address ("Chicago IL 60651", "12 Oak Street, Madison 53703") is the
# address's zip code: neither an order id nor the verification zip. A street type counts only after a house number
# ("12 Oak Street"), a unit word only with the unit's number ("Apt 4B"): "the old place on it then, 98115" and "the
# zip of my last apartment - 98115" name no address. A sentence's end comes between an address word and a number of
# the next sentence ("billed to 4 Elm Way. 78751").
_ADDRESS_ZIP = re.compile(
    r"(?:\b[A-Z]{2},?\s+|(?:\b\d{1,6}[A-Za-z]?\s+(?:[A-Za-z][\w.'-]*\s+){0,4}?(?:street|st|avenue|ave|road|rd|"
    r"drive|dr|lane|ln|blvd|boulevard|way|court|ct|place|pl)\b|\b(?:apt|apartment|suite|unit|floor|office)\.?\s*#?\s*"
    r"[\w-]{1,6}\b)"
    r"(?:[^\n.!?]|[.!?](?=\S)){0,60}?)(\d{5})\b")
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d{1,7}(?:[.,]\d{1,2})?)"
_AMOUNT = re.compile(
    rf"(?P<cur1>[$€£])\s?(?P<num1>{_NUMBER})"
    rf"|(?P<num2>{_NUMBER})\s?(?:(?P<cur2>usd|eur|gbp|dollars?|euros?|pounds?)\b|(?P<cur3>[$€£])(?!\s?\d))",
    re.IGNORECASE,
)
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?")
# A count of units at a price: "2 x $59.99", "two × 14.99 dollars", "$59.99 x 2", "3 at $9.99 each". Asked for
# ("refund 2 x $59.99", "could I get $12.50 x 2 back") the amount meant is the product; told ("I bought 3 x $14.99
# cables") it describes an order line, and the amount meant is the price of the units asked for (graphs/support/
# units.py), not this. "Charged 2 times $59.99" counts charges: each is the price.
_COUNTS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10}
_COUNT = r"(\d{1,2}|" + "|".join(_COUNTS) + r")"
_TIMES_BEFORE = re.compile(rf"(?<![\d.,$€£])\b{_COUNT}\s*(?:x|×|\*|times|@)\s*$", re.IGNORECASE)
_AT_EACH = re.compile(rf"(?<![\d.,$€£])\b{_COUNT}\s+(?:\w+\s+){{0,2}}?at\s*$", re.IGNORECASE)
_EACH = re.compile(r"^\s*(?:each|apiece|a piece|per (?:unit|item|piece))\b", re.IGNORECASE)
_TIMES_AFTER = re.compile(rf"^\s*(?:x|×|\*)\s*{_COUNT}\b(?![.,]\d)", re.IGNORECASE)
# The words of a request right before the count or price it asks for ("refund", "could I get", "I want ... back").
_ASKS_LINE = re.compile(r"\b(?:refund|reimburse|return|credit|get|give|put|want|need|like|send|pay|have)\w*\s+"
                        r"(?:(?:me|us|back|for|just|only|all|of)\s+)*$", re.IGNORECASE)
_ASKS_LINE_AFTER = re.compile(r"^\s*(?:\w+\s+){0,3}?(?:back|refunded|returned|reimbursed|credited)\b", re.IGNORECASE)
_INVOICE = re.compile(r"\b(?:INV|invoice)(?:\s*(?:no\.?|number|nr\.?))?[\s#:.-]{0,3}(\d{5})\b", re.IGNORECASE)
_TICKET = re.compile(r"\bT-(\d{4,6})\b")
# The tools' customer id (tools/common.py CUSTOMER_ID): "C" and four to eight digits ("C0412", "C38852").
_CUSTOMER = re.compile(r"\bC-?(\d{4,8})\b", re.IGNORECASE)
# A customer id typed with a space ("customer no is C 6627", "C 6627 is my account number"), read as one only beside
# words that name it: alone, "c 1234" may be anything.
_SPACED_CUSTOMER = re.compile(r"(\b(?:customer|account|acct|client)\s+(?:(?:no|nr|number|id|#)\.?\s*)?"
                              r"(?:(?:is|was|:)\s*)?C)\s(\d{4,8})\b|"
                              r"\b(C)\s(\d{4,8})(?=\s+(?:is|was|=)\s+(?:my|the|our)\s+(?:customer|account|acct|client)\b)",
                              re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP", "usd": "USD", "eur": "EUR", "gbp": "GBP", "dollar": "USD",
             "dollars": "USD", "euro": "EUR", "euros": "EUR", "pound": "GBP", "pounds": "GBP"}


class Amount(TypedDict):
    value: float
    currency: str


class Account(TypedDict, total=False):
    """The credentials one account was named with: its email or customer id, and the secrets given with it."""

    email: str
    customer_id: str
    zip_code: str
    card_last4: str


class Entities(TypedDict, total=False):
    order_ids: list[int]
    emails: list[str]
    amounts: list[Amount]
    dates: list[str]
    products: list[str]
    zip_code: str
    card_last4: str
    invoice_ids: list[str]
    ticket_ids: list[str]
    customer_ids: list[str]
    # Two or more accounts named in one message (a merge): each with the secrets written next to it.
    accounts: list[Account]
    addresses: list[Address]  # postal addresses (graphs/reasoners/local/addresses.py)
    refunded_amounts: list[Amount]  # money already given back ("you gave 15 dollars back"): not the amount asked
    new_emails: list[str]  # an email the customer wants the account to have (``_CHANGE_TO``): not an identifier


# What a bare number may be, when the conversation expects it (the slot the agent asked for, or one the
# customer's request needs): ``extract_entities``'s ``expecting``.
Expectable = Literal["zip_code", "card_last4", "order_ids"]


def extract_entities(text: str, *, now: datetime, catalogue: Sequence[str] = (),
                     expecting: Collection[str] = (), account_named: bool = False) -> Entities:
    """Every entity found in ``text``; keys are present only when something was found.

    Shaped values (emails, "order 10234", "#10234", "O-10234", "INV 20001", "zip 60614", "card ending 4411",
    "visa 4411") are read anywhere. A bare number is typed by context: ``expecting`` names what the
    conversation waits for, so a bare five-digit number is the zip code when the zip was asked (unless an order
    id was asked too and the message names no account), else an order id when one was asked; a bare four-digit
    number is the card's last four when the card was asked. A number that ends a postal address is neither.
    ``account_named``: the conversation already named the account whose secret was asked (an email or customer id
    given earlier), which types a bare five-digit number as the message naming the account would.
    """
    found: Entities = {}
    text = spoken_values(text)  # "one three seven oh two", "leah dot whitman at hotmail dot com"
    # "customer no is C 6627": C-6627, the same length
    text = _SPACED_CUSTOMER.sub(lambda m: f"{m[1] or m[3]}-{m[2] or m[4]}", text)
    # Every pattern but the email's and the worded dates' needs a digit (the same \d): without one, they are skipped.
    digits = _DIGIT.search(text) is not None
    emails, new_emails = _account_emails(text) if "@" in text else ([], [])
    # Remove emails first so their digits are not read as order numbers (same length: spans stay valid).
    rest = _EMAIL.sub(lambda m: " " * len(m.group(0)), text) if emails or new_emails else text
    invoices = [f"INV-{m}" for m in _INVOICE.findall(rest)] if digits else []
    tickets = [f"T-{m}" for m in _TICKET.findall(rest)] if digits else []
    customers = [f"C{m}" for m in _CUSTOMER.findall(rest)] if digits else []
    if digits:
        for pattern in (_INVOICE, _TICKET, _CUSTOMER):
            rest = pattern.sub(lambda m: " " * len(m.group(0)), rest)
    addresses = find_addresses(rest, expected="addresses" in expecting) if digits else []
    for (start, end), _ in addresses:  # a house number or an address's zip is no order id, zip or card
        rest = _blank(rest, start, end)
    secrets: list[tuple[int, str, str]] = []  # (position, kind, value) of every zip code and card digits
    if digits:
        named_at = [m.span() for m in _EMAIL.finditer(text) if m.group(0) in emails] + \
                   [m.span() for m in _CUSTOMER.finditer(text)]
        rest = _typed_numbers(rest, set(expecting), secrets, has_account=bool(emails or customers) or account_named,
                              named_at=named_at)
    orders: list[int] = []
    if digits:
        named: dict[int, int] = {}  # an order id named by its noun or its purchase or action: where it first is
        for pattern in (_ORDER, _BOUGHT_BRACKETED, _ACTED_ON):
            for m in pattern.finditer(rest):
                if pattern is _ORDER or int(m[1]) >= ORDER_ID_MIN:
                    named[int(m[1])] = min(named.get(int(m[1]), m.start(1)), m.start(1))
        orders = sorted(named, key=named.__getitem__)
        orders += [int(m[1]) for m in _BARE_ORDER.finditer(rest) if int(m[1]) not in orders
                   and int(m[1]) >= ORDER_ID_MIN and not _OTHER_NUMBER.search(rest, max(0, m.start() - 30), m.start())]
        if "order_ids" in expecting and not _ORDER.search(rest) and not _BARE_ORDER.search(rest):
            orders = list(dict.fromkeys([*orders, *(int(m) for m in _BARE5.findall(rest)
                                                    if not _in_address(rest, m) and int(m) >= ORDER_ID_MIN)]))
    amounts: list[Amount] = []
    refunded: list[Amount] = []
    for m in _AMOUNT.finditer(rest) if digits else ():
        raw = m.group("num1") or m.group("num2")
        # "1,299.99" groups thousands; "12,50" is a decimal comma.
        num = raw.replace(",", "") if _THOUSANDS.fullmatch(raw) else raw.replace(",", ".")
        cur = _CURRENCY[(m.group("cur1") or m.group("cur2") or m.group("cur3")).lower()]
        times = _times(rest, m.start(), m.end())
        if times is None:
            continue  # an order line described, not an amount asked for
        (refunded if _given_back(rest, m.start(), m.end()) else amounts).append(
            {"value": round(float(num) * times, 2), "currency": cur})
    for kind in ("zip_code", "card_last4"):
        values = [value for _, k, value in secrets if k == kind]
        if values:
            found[kind] = values[-1]  # type: ignore[literal-required,unused-ignore]  # a correction comes last
    if emails:
        found["emails"] = list(dict.fromkeys(e.lower() for e in emails))
    if new_emails:
        found["new_emails"] = list(dict.fromkeys(e.lower() for e in new_emails))
    if orders:
        found["order_ids"] = rank_orders(rest, list(dict.fromkeys(taken_back(rest, orders))))
    if amounts:
        found["amounts"] = amounts
    if refunded:
        found["refunded_amounts"] = refunded
    dates = parse_dates(rest, now) if digits or may_name_a_day(text) else []
    if dates:
        found["dates"] = dates
    products = match_products(text, catalogue)
    if products:
        found["products"] = products
    if invoices:
        found["invoice_ids"] = list(dict.fromkeys(invoices))
    if tickets:
        found["ticket_ids"] = list(dict.fromkeys(tickets))
    if customers:
        found["customer_ids"] = list(dict.fromkeys(c.upper() for c in customers))
    accounts = _accounts(text, secrets)
    if len(accounts) > 1:
        found["accounts"] = accounts
    if addresses:
        found["addresses"] = [address for _, address in addresses]
    return found


def _times(text: str, start: int, end: int) -> int | None:
    """How many units the price at ``text[start:end]`` is asked for at ("refund 2 x $59.99", "$59.99 x 2 back");
    1 for a price alone and for a count of charges ("charged 2 times $59.99"); None for the price of an order
    line described ("I bought 3 x $14.99 cables"): it is not the amount the customer asks for."""
    before, after = text[max(start - 40, 0):start], text[end:end + 40]
    found = _TIMES_BEFORE.search(before) or (_AT_EACH.search(before) if _EACH.match(after) else None)
    lead = text[max(start - 80, 0):start - len(before) + found.start()] if found else text[max(start - 80, 0):start]
    found = found or _TIMES_AFTER.match(after)
    if found is None:
        return 1
    tail = after[found.end():] if found.re is _TIMES_AFTER else after
    if not (_ASKS_LINE.search(lead) or _ASKS_LINE_AFTER.match(tail)):
        return 1 if re.search(r"\btimes\s*$", before, re.IGNORECASE) else None
    word = found.group(1).lower()
    return int(word) if word.isdigit() else _COUNTS[word]


def _given_back(text: str, start: int, end: int) -> bool:
    """Is the amount at ``text[start:end]`` money already given back ("you gave 15 dollars back", "you refunded
    $15 last week"), told in a sentence that asks for nothing?"""
    text = _DECIMAL_POINT.sub(" ", text)  # "$19.99" ends no sentence, and is no gap the words cannot cross
    before = max(text.rfind(c, 0, start) for c in ".!?;\n")
    after = min((i for c in ".!?;\n" if (i := text.find(c, end)) >= 0), default=len(text))
    sentence = text[before + 1:after]
    return _GIVEN_BACK.search(sentence) is not None and _ASKS_FOR.search(sentence) is None


def _account_emails(text: str) -> tuple[list[str], list[str]]:
    """The emails that may name the customer's account, and those given as the new value of a change."""
    own: list[str] = []
    new: list[str] = []
    for m in _EMAIL.finditer(text):
        (new if _CHANGE_TO.search(text, 0, m.start()) else own).append(m.group(0))
    return own, new


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _in_address(text: str, number: str) -> bool:
    return any(m.group(1) == number for m in _ADDRESS_ZIP.finditer(text))


def _typed_numbers(rest: str, expecting: set[str], secrets: list[tuple[int, str, str]], *,
                   has_account: bool, named_at: Sequence[tuple[int, int]] = ()) -> str:
    """Find zip codes and card digits (cued, or bare where expected) into ``secrets``; blank them out of the text.

    ``named_at``: the spans of the account names (emails, customer ids) the text gives."""
    for m in _ZIP.finditer(rest):
        if not _in_address(rest, m.group(1)) or re.search(r"zip|postal|post ?code", m.group(0), re.IGNORECASE):
            secrets.append((m.start(1), "zip_code", m.group(1)))
            rest = _blank(rest, m.start(1), m.end(1))
    for m in _LAST4.finditer(rest):
        if not _NOT_A_CARD_GAP.search(m.group("gap")):
            secrets.append((m.start(2), "card_last4", m.group(2)))
            rest = _blank(rest, m.start(2), m.end(2))
    order_cued = {m.group(1) for m in _ORDER.finditer(rest)}
    # A bare five-digit number is the zip when only the zip is expected, or when both are and the message names
    # the account (an email or customer id with a number is a login, not an order) or its order id ("order
    # 36677, 77005").
    zip_wanted = "zip_code" in expecting and ("order_ids" not in expecting or has_account or bool(order_cued))
    # Typed as a login's zip by the account named in the text alone, the number is written beside that name ("a@b.com
    # 30318"); one told elsewhere with an order id expected is the order's ("the lamp I ordered (51230) ... a@b.com").
    by_name = "order_ids" in expecting and not order_cued and bool(named_at)
    if zip_wanted and not any(k == "zip_code" for _, k, _ in secrets):
        for m in sorted([*_BARE5.finditer(rest), *_BARE_ZIP4.finditer(rest)], key=lambda m: m.start()):
            if by_name and not any(_beside(rest, span, m.span(1)) for span in named_at):
                continue
            if m.group(1) not in order_cued and not _in_address(rest, m.group(1)):
                secrets.append((m.start(1), "zip_code", m.group(1)))
                rest = _blank(rest, m.start(1), m.end(0))
    if "card_last4" in expecting and not any(k == "card_last4" for _, k, _ in secrets):
        for m in _BARE4.finditer(rest):
            before, after = rest[max(0, m.start() - 12):m.start()], rest[m.end():m.end() + 30]
            if not _YEAR_CONTEXT.search(before) and not _STREET.search(after):
                secrets.append((m.start(1), "card_last4", m.group(1)))
                rest = _blank(rest, m.start(1), m.end(1))
    # A secret corrected in the same breath ("zip 78705 - no sorry, 78704", "ending 4411, I mean 4417"): a bare
    # number of its shape right after it and a correction cue replaces it (a correction comes last).
    for kind, bare in (("zip_code", _BARE5), ("card_last4", _BARE4)):
        given = max((end for end, k, _ in _ends(secrets) if k == kind), default=None)
        gap = SELF_CORRECTION.match(rest, given) if given is not None else None
        fix = bare.match(rest, gap.end()) if gap is not None else None
        if fix is not None and not _in_address(rest, fix.group(1)):
            secrets.append((fix.start(1), kind, fix.group(1)))
            rest = _blank(rest, fix.start(1), fix.end(1))
    secrets.sort()
    return rest


# How far a value stands from the account name it is given with, in one clause ("a@b.com, card 4411, 30318").
_BESIDE = 30


def _beside(text: str, name: tuple[int, int], value: tuple[int, int]) -> bool:
    """Is the value at ``value`` written beside the account name at ``name``: in its clause, at most ``_BESIDE``
    characters away?"""
    gap = text[name[1]:value[0]] if name[1] <= value[0] else text[value[1]:name[0]]
    return len(gap) <= _BESIDE and _CLAUSE_END.search(gap) is None


def _ends(secrets: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    """The secrets found so far with the position where each ends instead of where it starts."""
    return [(at + len(value), kind, value) for at, kind, value in secrets]


_STREET = re.compile(r"\b(?:street|st|avenue|ave|road|rd|drive|dr|lane|ln|blvd|boulevard|way|court|ct|place|pl)\b",
                     re.IGNORECASE)  # after a house number
_YEAR_CONTEXT = re.compile(r"\b(?:in|since|of|from|year|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|"
                           r"sep\w*|oct\w*|nov\w*|dec\w*)\W*$", re.IGNORECASE)


# Where a clause ends: a sentence's end or a semicolon before a space, or a line's end (not the dots of an email).
_CLAUSE_END = re.compile(r"[.!?;](?=\s|$)|\n")


def _accounts(text: str, secrets: list[tuple[int, str, str]]) -> list[Account]:
    """The accounts the message names, in its order, each with the secrets written with it.

    A secret given in the clause of an account's name is that account's ("I'm writing from b@x.com, zip 92101"):
    when any is, a secret told in a clause naming no account (the cards of both, described) is none's. Otherwise
    each secret belongs to the account written before it (before the next account), and secrets before the first
    account to the first."""
    names: list[tuple[int, str, str]] = [(m.start(), "email", m.group(0).lower()) for m in _EMAIL.finditer(text)
                                         if not _CHANGE_TO.search(text, 0, m.start())]
    names += [(m.start(), "customer_id", f"C{m.group(1)}") for m in _CUSTOMER.finditer(text)]
    names.sort()
    ends = [m.start() for m in _CLAUSE_END.finditer(text)]

    def clause(at: int) -> int:
        return sum(end < at for end in ends)

    beside: list[tuple[int, str, str, int]] = []  # (position, kind, value, owner) of secrets in an account's clause
    for at, kind, value in secrets:
        same = [i for i, (start, _, _) in enumerate(names) if clause(start) == clause(at)]
        if same:
            beside.append((at, kind, value, max((i for i in same if names[i][0] < at), default=same[0])))
    owned = beside or [(at, kind, value, max((i for i, (start, _, _) in enumerate(names) if start < at), default=0))
                       for at, kind, value in secrets]
    accounts: list[Account] = [{kind: value} for _, kind, value in names]  # type: ignore[misc]
    for _, kind, value, owner in owned:
        if accounts and kind not in accounts[owner]:
            accounts[owner][kind] = value  # type: ignore[literal-required]
    return accounts
