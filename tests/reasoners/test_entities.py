"""Entity extraction of the local reasoner, against a fixed clock and a small catalogue."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graphs.reasoners.local.entities import extract_entities
from tools.store.demo_catalogue import PRODUCTS

NOW = datetime(2025, 6, 5, 12, 0, tzinfo=UTC)  # a Thursday
CATALOGUE = ("Aurora ANC Headphones", "HDMI Cable 2m", "Nimbus Smart Speaker", "USB-C Charger 65W")


def _extract(text: str) -> dict:
    return dict(extract_entities(text, now=NOW, catalogue=CATALOGUE))


@pytest.mark.parametrize(("text", "order_ids"), [
    ("Where is order #10234?", [10234]),
    ("it's order 10003", [10003]),
    ("order number: 10003.", [10003]),
    ("please cancel order 10001 and order no. 10002", [10001, 10002]),
])
def test_order_ids(text: str, order_ids: list[int]) -> None:
    found = _extract(text)
    assert found.get("order_ids") == order_ids, f"{text!r} -> {found}"


def test_emails_are_lower_cased_and_their_digits_are_not_order_ids() -> None:
    found = _extract("my email is Maya.Chen10001@Example.com")
    assert found == {"emails": ["maya.chen10001@example.com"]}, found


@pytest.mark.parametrize(("text", "amount"), [
    ("I was charged $59.99 twice", {"value": 59.99, "currency": "USD"}),
    ("they took 20 euros too much", {"value": 20.0, "currency": "EUR"}),
    ("a refund of £12,50 please", {"value": 12.5, "currency": "GBP"}),
    ("it cost 1299.99 dollars", {"value": 1299.99, "currency": "USD"}),
])
def test_amounts_with_currency(text: str, amount: dict) -> None:
    found = _extract(text)
    assert found.get("amounts") == [amount], f"{text!r} -> {found}"


@pytest.mark.parametrize(("text", "value"), [
    ("could you refund 3 x $24.99 for the plugs?", 74.97),
    ("refund $12.50 x 2 please", 25.0),
    ("could I have 2 x $14.99 back?", 29.98),
    ("I want 2 x $59.99 refunded", 119.98),
    ("order 10001 was $24.99", 24.99),  # a number that counts nothing
    ("I paid $30 for 2 of them", 30.0),  # the whole amount, not a price per unit
    ("you charged me 2 times $59.99", 59.99),  # a count of charges: each is the price
])
def test_a_price_times_a_count_is_the_amount_meant(text: str, value: float) -> None:
    assert [a["value"] for a in _extract(text).get("amounts", [])] == [value]


@pytest.mark.parametrize("text", [
    "I bought 3 x $14.99 cables on order 71001 and one is broken, please refund it",
    "that's two × 19.99 dollars I paid for nothing",
    "I was charged for 4 at $9.99 each",
])
def test_a_line_described_by_its_price_and_count_is_no_amount_asked_for(text: str) -> None:
    """The units asked for are priced from the order (graphs/support/units.py), not the line the words describe."""
    assert _extract(text).get("amounts") is None


def test_amount_with_a_thousands_separator() -> None:
    found = _extract("the TV was $1,299.99")
    assert found.get("amounts") == [{"value": 1299.99, "currency": "USD"}], found


@pytest.mark.parametrize(("text", "date"), [
    ("I ordered it last Tuesday", "2025-06-03"),
    ("it arrived 3 days ago", "2025-06-02"),
    ("it came yesterday", "2025-06-04"),
    ("two weeks ago", "2025-05-22"),
    ("it was a few days ago", "2025-06-02"),
    ("a couple of days back", "2025-06-03"),
    ("saw it the other day", "2025-06-02"),
])
def test_relative_dates_resolve_against_now(text: str, date: str) -> None:
    found = _extract(text)
    assert found.get("dates") == [date], f"{text!r} at {NOW:%A %Y-%m-%d} -> {found}"


def test_zip_code_after_zip_is_not_an_order_id() -> None:
    found = _extract("my email is jonas.weber@example.com and my zip is 10115")
    assert found.get("zip_code") == "10115", found
    assert "order_ids" not in found, f"the zip code was read as an order id: {found}"
    both = _extract("ZIP: 10115, order 10005")
    assert (both.get("zip_code"), both.get("order_ids")) == ("10115", [10005]), both


@pytest.mark.parametrize("text", ["card ending in 4242", "the card ends in 4242", "last four digits 4242"])
def test_card_last4(text: str) -> None:
    found = _extract(text)
    assert found.get("card_last4") == "4242", f"{text!r} -> {found}"
    assert "order_ids" not in found and "amounts" not in found, found


@pytest.mark.parametrize(("text", "product"), [
    ("the aurora anc headphnes are broken", "Aurora ANC Headphones"),
    ("the HDMI cabel 2m does not work", "HDMI Cable 2m"),
    ("my usb c charger 65 w is hot", "USB-C Charger 65W"),
])
def test_product_names_with_typos(text: str, product: str) -> None:
    found = _extract(text)
    assert found.get("products") == [product], f"{text!r} -> {found}"


def test_a_single_shared_word_is_not_a_product() -> None:
    found = _extract("my headphones are broken")
    assert "products" not in found, found
    assert _extract("where is my order?") == {}, "a message without entities must give none"


DEMO_CATALOGUE = tuple(sorted(name for name, _family, _price in PRODUCTS))


@pytest.mark.parametrize(("text", "products"), [
    # Many names share a word with the text ("headphones", "tv", "hdmi"): none may crowd out the ones named.
    ("My Lumen 4K TV 55in shows no signal from the HDMI input, and my Aurora ANC Headphones won't pair",
     ["Lumen 4K TV 55in", "Aurora ANC Headphones"]),
    # A full name leaves no room for a sibling sharing some of its words ("Nimbus Mini Speaker").
    ("my phone won't charge, the Nimbus Smart Speaker is offline", ["Nimbus Smart Speaker"]),
    ("the Nimbus Mini Speaker is fine but the nimbus smart speaker is offline",
     ["Nimbus Mini Speaker", "Nimbus Smart Speaker"]),
    ("my Volt Laptop 16 Pro won't boot", ["Volt Laptop 16 Pro"]),
    # A name the sizes share is that product line, once: the text does not say which size.
    ("my Lumen 4K TV shows no signal", ["Lumen 4K TV"]),
    # A word inside another product's word ("buds" of "earbuds") names no product with a part of it ("the case"):
    # the case is the earbuds' own. Named in full, or its word said on its own ("phone"), it is that product.
    ("my aurora lite earbuds keep cutting out and the left one won't sit in the case properly",
     ["Aurora Lite Earbuds"]),
    ("refund the aurora lite earbuds and the pixel buds case please", ["Aurora Lite Earbuds", "Pixel Buds Case"]),
    ("the studio over-ear headphones hiss and the phone case clear I got with them has cracked",
     ["Studio Over-Ear Headphones", "Phone Case Clear"]),
])
def test_products_named_in_a_message_about_several(text: str, products: list[str]) -> None:
    found = extract_entities(text, now=NOW, catalogue=DEMO_CATALOGUE)
    assert found.get("products") == products, f"{text!r} -> {found}"


def test_a_model_number_inside_a_longer_number_names_no_product() -> None:
    # "14" of "97214" (a ZIP code) is not the Volt Laptop 14's model number; said as a number of its own, it is
    text = "the laptop I ordered will go to my previous address. Can you send it to 41 Birch Lane, Eugene OR 97314?"
    assert "products" not in extract_entities(text, now=NOW, catalogue=DEMO_CATALOGUE)
    assert extract_entities("my laptop 14 won't boot", now=NOW, catalogue=DEMO_CATALOGUE)["products"] == [
        "Volt Laptop 14"]


def _typed(text: str, *expecting: str) -> dict:
    return dict(extract_entities(text, now=NOW, catalogue=CATALOGUE, expecting=expecting))


@pytest.mark.parametrize(("text", "order_ids"), [
    ("ref #20456", [20456]),
    ("order no. 30921", [30921]),
    ("O-30921 please", [30921]),
    ("ord#30921", [30921]),
])
def test_order_ids_in_their_common_forms(text: str, order_ids: list[int]) -> None:
    assert _typed(text).get("order_ids") == order_ids, _typed(text)


@pytest.mark.parametrize("text", ["INV 20314", "inv-20314", "INV20314", "invoice no. 20314", "invoice #20314"])
def test_invoice_ids_in_their_common_forms_are_not_order_ids(text: str) -> None:
    found = _typed(text, "order_ids")
    assert found.get("invoice_ids") == ["INV-20314"] and "order_ids" not in found, found


@pytest.mark.parametrize("text", ["visa 7712", "the card's last digits are 7712", "mastercard ending 7712",
                                  "card finishes on 7712", "debit card is 7712"])
def test_card_digits_after_card_words(text: str) -> None:
    found = _typed(text)
    assert found.get("card_last4") == "7712" and "order_ids" not in found, found


def test_a_bare_four_digit_number_is_the_card_only_when_the_card_was_asked() -> None:
    assert _typed("3390").get("card_last4") is None
    assert _typed("3390", "zip_code", "card_last4").get("card_last4") == "3390"
    assert "card_last4" not in _typed("my card expired in 2025", "card_last4")
    assert "card_last4" not in _typed("it's 1200 Elm Street now", "card_last4")


def test_a_bare_five_digit_number_is_typed_by_what_was_asked() -> None:
    assert _typed("30309") == {}
    assert _typed("30309", "zip_code", "card_last4") == {"zip_code": "30309"}
    assert _typed("30309", "order_ids") == {"order_ids": [30309]}
    # Both asked: with the account or the order named in the message, the bare number is the zip.
    assert _typed("ella@corp.io 30309", "zip_code", "order_ids").get("zip_code") == "30309"
    assert _typed("order 41234, 30309", "zip_code", "order_ids") == {"order_ids": [41234], "zip_code": "30309"}


def test_postal_code_words_in_other_languages_and_an_address_zip() -> None:
    assert _typed("PLZ 80331").get("zip_code") == "80331"
    assert _typed("CEP 04538").get("zip_code") == "04538"
    found = _typed("please send it to 77 Birch Road, Austin TX 73301", "zip_code", "order_ids", "card_last4")
    assert "zip_code" not in found and "order_ids" not in found and "card_last4" not in found, found


def test_customer_ids_in_any_case_identify_the_account() -> None:
    assert _typed("c0042 and zip 30309") == {"customer_ids": ["C0042"], "zip_code": "30309"}


@pytest.mark.parametrize(("text", "expected"), [
    # the tools' customer ids have four to eight digits (tools/common.py CUSTOMER_ID)
    ("C61207, last four 5581", {"customer_ids": ["C61207"], "card_last4": "5581"}),
    ("my customer number: C702215, card ends 0923", {"customer_ids": ["C702215"], "card_last4": "0923"}),
    ("customer no is C 45519, zip 60614", {"customer_ids": ["C45519"], "zip_code": "60614"}),
])
def test_customer_ids_of_more_than_four_digits(text: str, expected: dict) -> None:
    assert _typed(text, "zip_code", "card_last4") == expected


def test_a_corrected_secret_is_the_last_one_given() -> None:
    assert _typed("card 1111, no wait, card 2222").get("card_last4") == "2222"


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("m.okafor@example.org zip 30306 \u2014 no wait, 30307", "zip_code", "30307"),
    ("m.okafor@example.org, zip 30306 - oops, it's 30307", "zip_code", "30307"),
    ("card ending 4411, I mean 4417", "card_last4", "4417"),
])
def test_a_secret_taken_back_in_the_same_breath_is_the_bare_number_after_it(text: str, kind: str, value: str) -> None:
    assert extract_entities(text, now=NOW, expecting=("zip_code", "card_last4")).get(kind) == value


@pytest.mark.parametrize("text", ["a@b.com zip 60614 - it's order 44817", "zip 60614, no, order 44817"])
def test_a_number_named_as_something_else_after_a_secret_corrects_nothing(text: str) -> None:
    found = extract_entities(text, now=NOW, expecting=("zip_code",))
    assert found.get("zip_code") == "60614" and found.get("order_ids") == [44817], found


@pytest.mark.parametrize(("text", "orders"), [
    ("please stop order 31207, no, 31208", [31208]),
    ("call off 31207 — oops, my mistake, I meant order 31208 with the lamp", [31208]),
    ("return 31207 then, actually no, 31208", [31208]),
    ("hold 31207 or rather 31208", [31208]),
    # listed, not taken back: a number's abbreviation, a plain list, a "not" that names what is not meant
    ("stop order 31207 and no. 31208", [31207, 31208]),
    ("stop 31207, 31208 too", [31207, 31208]),
    ("stop 31207 but not 31208", [31207, 31208]),
])
def test_an_order_id_taken_back_in_the_same_breath_leaves_the_one_after_it(text: str, orders: list[int]) -> None:
    assert sorted(extract_entities(text, now=NOW, expecting=("order_ids",)).get("order_ids") or []) == orders


def test_two_accounts_keep_their_own_credentials() -> None:
    found = _typed("mine is ella@corp.io with zip 30309; merge in ella.old@corp.io (card 8080)")
    assert found["accounts"] == [{"email": "ella@corp.io", "zip_code": "30309"},
                                 {"email": "ella.old@corp.io", "card_last4": "8080"}], found


def test_secrets_told_in_the_clause_of_an_account_are_its_own_and_described_ones_are_none() -> None:
    """Two accounts named far apart, cards of both described in a clause of their own, and the account written
    from given with its zip: the zip is that account's, the described card no one's (it was the first one's)."""
    found = _typed("Long ago I shopped as pat.old@mail.test and bought a kettle on it. These days I use another "
                   "login for everything, paid with the card ending 7001 now. Please fold the old one into it. "
                   "I am on pat.new@mail.test, zip 40210.", "zip_code", "card_last4")
    assert found["accounts"] == [{"email": "pat.old@mail.test"},
                                 {"email": "pat.new@mail.test", "zip_code": "40210"}], found
    # no account's clause holds a secret: each belongs to the account written before it, as before
    found = _typed("fold ann.a@mail.test into ann.b@mail.test. Zip 40210, card 7001.", "zip_code", "card_last4")
    assert found["accounts"] == [{"email": "ann.a@mail.test"},
                                 {"email": "ann.b@mail.test", "zip_code": "40210", "card_last4": "7001"}], found


def test_a_bare_number_away_from_the_login_given_is_the_order_not_its_zip() -> None:
    """With an order id and a zip both expected, a login and a bare five-digit number are a zip only when the
    number stands beside the login; told elsewhere it is the order the request names."""
    found = _typed("the lamp I bought yesterday (47310) arrived scratched, please refund it. lee@mail.test, "
                   "visa ending 2290", "zip_code", "card_last4", "order_ids")
    assert "zip_code" not in found and found.get("order_ids") == [47310], found
    found = _typed("please stop 47310. lee@mail.test 30318", "zip_code", "card_last4", "order_ids")
    assert found.get("zip_code") == "30318" and found.get("order_ids") == [47310], found


def test_a_bare_zip_plus_four_is_the_zip_asked_and_its_four_digits_no_card() -> None:
    found = _typed("sure: kim.h@mail.test / 60614-2207", "zip_code", "card_last4")
    assert found.get("zip_code") == "60614" and "card_last4" not in found, found


def test_a_bare_number_below_the_order_id_form_is_no_order_id() -> None:
    assert "order_ids" not in _typed("the limit is now 10000", "order_ids")


def test_a_number_after_the_end_of_a_sentence_naming_a_place_is_no_address_zip() -> None:
    """"the old place. 78751" when the zip was asked: the sentence ended, the number is the zip of the reply."""
    found = extract_entities("ugh sorry, the card's probably still billed to the old place. 78751", now=NOW,
                             expecting=["emails", "customer_ids", "zip_code", "card_last4"])
    assert found.get("zip_code") == "78751", found
    address = extract_entities("it goes to 12 Oak St. Springfield 62704", now=NOW)["addresses"]
    assert address[0]["zip_code"] == "62704", address


def test_a_place_without_a_house_number_is_no_address_and_its_number_is_the_zip_asked() -> None:
    """"the old place on it then, 98115": no house number before "place", so no street: the zip asked for."""
    found = extract_entities("hmm maybe it's still got the old place on it then, 98115", now=NOW,
                             expecting=["emails", "customer_ids", "zip_code", "card_last4"])
    assert found.get("zip_code") == "98115", found
    found = extract_entities("it goes to 12 Oak Place, Madison 53703", now=NOW, expecting=["zip_code"])
    assert "zip_code" not in found and found["addresses"][0]["zip_code"] == "53703", found


def test_a_unit_word_without_its_number_is_no_address_and_the_number_after_it_is_the_zip_asked() -> None:
    """"the zip of the flat I lived in before" names no unit ("Apt 4B" does): the number is the zip asked for."""
    found = extract_entities("oops, that one was from my previous apartment - 30309", now=NOW,
                             expecting=["emails", "customer_ids", "zip_code", "card_last4"])
    assert found.get("zip_code") == "30309", found
    found = extract_entities("send it to 8 Birch Road Apt 12, Athens 30601", now=NOW, expecting=["zip_code"])
    assert "zip_code" not in found and found["addresses"][0]["zip_code"] == "30601", found


def test_an_email_given_as_the_new_value_of_a_change_names_no_account() -> None:
    found = extract_entities("I want to move from my work address to colm.b.home@example.com.", now=NOW)
    assert "emails" not in found and found["new_emails"] == ["colm.b.home@example.com"], found
    found = extract_entities("my new email would be x@y.com, the account is a@b.com zip 12345", now=NOW)
    assert found["emails"] == ["a@b.com"] and found["new_emails"] == ["x@y.com"], found
    assert "accounts" not in found, found
    assert extract_entities("it's registered to a@b.com", now=NOW)["emails"] == ["a@b.com"]


def test_money_already_given_back_is_not_an_amount_asked_for() -> None:
    found = extract_entities("one bulb was dead and you gave 15 dollars back. Now I want the full $59.99 refund",
                             now=NOW)
    assert found["amounts"] == [{"value": 59.99, "currency": "USD"}], found
    assert found["refunded_amounts"] == [{"value": 15.0, "currency": "USD"}], found
    assert extract_entities("please refund $20", now=NOW)["amounts"] == [{"value": 20.0, "currency": "USD"}]


def test_card_digits_after_a_card_word_in_other_languages() -> None:
    for text in ("Karte endet auf 6603", "tarjeta termina en 6603", "carte finit par 6603"):
        assert extract_entities(text, now=NOW).get("card_last4") == "6603", text


def test_a_number_after_an_order_word_in_another_language_is_the_order_not_the_zip() -> None:
    found = extract_entities("Wo bleibt meine Bestellung 91820? E-Mail j.h@example.com, Karte endet auf 6603.",
                             now=NOW, expecting=["order_ids", "emails", "customer_ids", "zip_code", "card_last4"])
    assert found["order_ids"] == [91820] and "zip_code" not in found and found["card_last4"] == "6603", found


def test_an_amount_with_its_currency_sign_after_it() -> None:
    found = extract_entities("die ActionCam (Bestellung 90877), 299,00 $ — when do I see it?", now=NOW)
    assert found["amounts"] == [{"value": 299.0, "currency": "USD"}] and found["order_ids"] == [90877], found


def test_a_bare_five_digit_number_is_the_secret_of_an_account_named_earlier() -> None:
    """An order id and the zip both wanted: a bare number is the zip when the account was named in the message, or
    earlier in the conversation (``account_named``), as when the customer retries a zip after a failed check."""
    both = ("zip_code", "card_last4", "order_ids")
    unnamed = extract_entities("we moved last year, perhaps 60622?", now=NOW, expecting=both)
    assert unnamed.get("order_ids") == [60622] and "zip_code" not in unnamed, unnamed
    named = extract_entities("we moved last year, perhaps 60622?", now=NOW, expecting=both, account_named=True)
    assert named.get("zip_code") == "60622" and "order_ids" not in named, named


def test_money_given_back_in_cents_is_history_too() -> None:
    found = extract_entities("you put $7.49 back on my card on monday for the strap. the watch is scratched, refund "
                             "that as well", now=NOW)
    assert "amounts" not in found and found["refunded_amounts"] == [{"value": 7.49, "currency": "USD"}], found
    found = extract_entities("last week I got $5.25 refunded for the strap, so refund the watch now", now=NOW)
    assert "amounts" not in found and found["refunded_amounts"] == [{"value": 5.25, "currency": "USD"}], found
