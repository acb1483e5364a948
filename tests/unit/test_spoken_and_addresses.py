"""Dictated values, postal addresses, backstory clauses and typos (graphs/reasoners/local: spoken, addresses,
segments, typos)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graphs.reasoners.local.addresses import find_addresses
from graphs.reasoners.local.entities import extract_entities
from graphs.reasoners.local.segments import ask_pieces, carries_request
from graphs.reasoners.local.spoken import spoken_values
from graphs.reasoners.local.typos import mend_typos

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "typed"), [
    ("my order is number four two oh one seven", "my order is number 42017"),
    ("customer K nine one two two", "customer K9122"),
    ("it's sam dot reyes at mailbox dot org", "it's sam.reyes@mailbox.org"),
    ("ana lopez 77 at webmail dot com, all one word", "analopez77@webmail.com"),
    ("one or two things, oh and thanks", "one or two things, oh and thanks"),
    # an address typed with spaces around its "@" (a phone's keyboard); an "@" that joins no address stays
    ("login is dee.hart @ fastmail.net and 02139", "login is dee.hart@fastmail.net and 02139"),
    ("it's kofi_a@ proton.me", "it's kofi_a@proton.me"),
    ("meet @ noon. Then call", "meet @ noon. Then call"),
])
def test_dictated_values_are_typed(text: str, typed: str) -> None:
    assert spoken_values(text) == typed


def test_dictated_values_are_entities() -> None:
    found = extract_entities("zip is nine oh two one oh and the order one two three four five", now=NOW)
    assert found["zip_code"] == "90210" and found["order_ids"] == [12345], found


@pytest.mark.parametrize(("text", "line1", "line2", "city", "zip_code"), [
    ("please send it to 14 Harbor Road, Unit 5, Salem, MA 01970 instead", "14 Harbor Road", "Unit 5", "Salem",
     "01970"),
    ("new place: 902 W Grand Ave Boise ID 83702", "902 W Grand Ave", None, "Boise", "83702"),
    ("ship to 3 maple lane springfield 62704 pls", "3 maple lane", None, "springfield", "62704"),
    # a floor written with its ordinal before the word
    ("Kessler & Sons, 51 Dock Street, 3rd floor, Austin TX 78701, ask at the desk", "51 Dock Street", "3rd floor",
     "Austin", "78701"),
])
def test_postal_addresses(text: str, line1: str, line2: str | None, city: str, zip_code: str) -> None:
    [(_, address)] = find_addresses(text)
    assert (address["line1"], address.get("line2"), address["city"], address["zip_code"]) == (
        line1, line2, city, zip_code)


@pytest.mark.parametrize("text", ["new address is 77 Via Roma, Apt 4, West Haven CT 06516",
                                  "77 Via Roma Apt 4 West Haven CT 06516"])
def test_an_asked_address_needs_no_street_type(text: str) -> None:
    """A street named without "Street" or "Ave" is read when the agent asked for the address, and only then."""
    assert "addresses" not in extract_entities(text, now=NOW)
    [address] = extract_entities(text, now=NOW, expecting=["addresses"])["addresses"]
    assert (address["line1"], address.get("line2"), address["city"], address.get("state"), address["zip_code"]) == (
        "77 Via Roma", "Apt 4", "West Haven", "CT", "06516")


def test_an_address_holds_no_order_id_zip_or_card() -> None:
    found = extract_entities("order 18102 should go to 12345 Ocean Drive, Miami FL 33139", now=NOW,
                             expecting=["zip_code", "card_last4"])
    assert found["order_ids"] == [18102], found
    assert "zip_code" not in found and "card_last4" not in found, found
    assert found["addresses"][0]["zip_code"] == "33139"


@pytest.mark.parametrize(("clause", "asks"), [
    ("my sister got married in June and we had a lovely time", False),
    ("I bought the speaker after reading a review", False),
    ("could you take the mouse off the order", True),
    ("the screen arrived cracked", True),
    ("the screen doesn't turn on", True),
    ("is there a way to save my address", True),
    # a claim told to be checked asks whether it holds, the question mark cut off with the clause
    ("a friend told me the Plus plan covers overnight shipping, is that so", True),
    ("my cousin reckons members pay less for shipping, is that true", True),
])
def test_backstory_carries_no_request(clause: str, asks: bool) -> None:
    assert carries_request(clause) is asks


@pytest.mark.parametrize(("text", "pieces"), [
    ("Your order is on its way! Order: 34455 Carrier: DHL. Found it cheaper elsewhere. Cancel it.", ["Cancel it"]),
    ("I wanted to see where my order got to, but I can't get into the account.",
     ["I wanted to see where my order got to"]),
    ("The laptop will not power on. I tried a different outlet. I want a full refund.", ["I want a full refund"]),
    ("The screen arrived cracked. It was a gift.", []),  # a reported problem explains; it does not ask
    ("please cancel order 10234", []),  # one piece: the whole message is the ask
])
def test_the_pieces_that_ask(text: str, pieces: list[str]) -> None:
    assert ask_pieces(text) == pieces


@pytest.mark.parametrize(("text", "mended"), [
    ("Camcel order 12001 please", "Cancel order 12001 please"),
    ("Unsubscrieb me from the newsletter", "Unsubscribe me from the newsletter"),
    ("the kyboard is broken", "the keyboard is broken"),
    ("I havent had a lovely time with Marguerite", "I havent had a lovely time with Marguerite"),
    ("mail sam.reyes@mailbox.org about order 12345", "mail sam.reyes@mailbox.org about order 12345"),
])
def test_typos_are_mended_and_words_we_know_kept(text: str, mended: str) -> None:
    assert mend_typos(text) == mended


def test_an_order_number_before_the_address_is_not_its_house_number() -> None:
    [(_, address)] = find_addresses("please send order 18201 to 40 Birch Lane, Apt 7, Denver, CO 80203 instead")
    assert address["line1"] == "40 Birch Lane", address


@pytest.mark.parametrize("clause", [
    "the thermostat keeps dropping off the wifi every night",
    "my earbuds lost their pairing again",
    "the doorbell camera goes offline at random",
    "the tablet stopped charging on Sunday",
])
def test_a_recurring_fault_is_a_reported_problem(clause: str) -> None:
    assert carries_request(clause)
