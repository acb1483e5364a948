"""Which records a customer's words point at (graphs/support/mentions.py) and the lookups that use them."""

from __future__ import annotations

from typing import Any

from graphs.support.descriptions import described_in, matches
from graphs.support.flow_spec import Lookup
from graphs.support.mentions import UNWANTED, WANTED, by_words, ruled_out, word_polarity
from graphs.support.requests import add_description

ORDERS = [
    {"order_id": 20001, "products": ["Studio Over-Ear Headphones"], "placed_at": "2026-05-10T10:00:00"},
    {"order_id": 20002, "products": ["Nimbus Mini Speaker"], "placed_at": "2026-05-12T10:00:00"},
]
ITEMS = [{"name": "Wireless Mouse"}, {"name": "Mechanical Keyboard"}, {"name": "HDMI Cable 2m"}]
ORDER_LOOKUP = Lookup(step="orders", items="orders", value="order_id", match={"products": "products",
                                                                              "dates": "placed_at"})


def test_a_word_counts_by_its_last_mention() -> None:
    words = word_polarity("send back the mouse - hang on, that's the keyboard. yes the keyboard, not the mouse")
    assert "keyboard" in words[WANTED] and "keyboard" not in words[UNWANTED]
    assert "mouse" in words[UNWANTED] and "mouse" not in words[WANTED]


def test_a_negated_state_rules_nothing_out() -> None:
    words = word_polarity("the cable wasn't in the box, refund it please")
    assert "cable" in words[WANTED], words


def test_the_word_that_tells_a_record_from_the_others_finds_it() -> None:
    described = described_in("the headphones one. not fussed about the little speaker", {})
    assert [o["order_id"] for o in by_words(ORDERS, "products", described)] == [20001]
    assert [o["order_id"] for o in matches(ORDERS, ORDER_LOOKUP, described)] == [20001]


def test_a_typo_still_tells_the_record() -> None:
    described = described_in("where are my hedphones", {})
    assert [o["order_id"] for o in matches(ORDERS, ORDER_LOOKUP, described)] == [20001]


def test_words_that_fit_no_record_keep_them_all() -> None:
    described = described_in("where is my order?", {})
    assert matches(ORDERS, ORDER_LOOKUP, described) == ORDERS


def test_a_product_only_ruled_out_is_not_described() -> None:
    text = "I'd like to return the keyboard, the mouse is fine"
    described = described_in(text, {"products": ["Wireless Mouse", "Mechanical Keyboard"]})
    assert described["products"] == ["Mechanical Keyboard"]
    assert ruled_out(["Wireless Mouse", "Mechanical Keyboard"], text) == ["Wireless Mouse"]
    item_lookup = Lookup(step="order", items="items", match={"products": "name"})
    assert matches(ITEMS, item_lookup, described) == [{"name": "Mechanical Keyboard"}]


def test_a_product_listed_then_ruled_out_is_not_described() -> None:
    text = ("Order 40562 came - a wireless mouse and a 14\" laptop sleeve. The sleeve is lovely, but the mouse's "
            "scroll wheel stopped working. I'd like my money back for the mouse please")
    names = ["Wireless Mouse", "Laptop Sleeve 14in"]
    assert ruled_out(names, text) == ["Laptop Sleeve 14in"]
    assert described_in(text, {"products": names})["products"] == ["Wireless Mouse"]


def test_keep_doing_something_rules_nothing_out() -> None:
    text = "The Aurora Sport Earbuds keep cutting out in my left ear. I think today is my last day to send them back"
    assert ruled_out(["Aurora Sport Earbuds", "HDMI Cable 2m"], text) == []
    assert ruled_out(["Aurora Sport Earbuds", "HDMI Cable 2m"], text + ", I'm keeping the HDMI cable") == [
        "HDMI Cable 2m"]


def test_praise_and_holding_on_rule_an_item_out_but_wanting_it_does_not() -> None:
    names = ["Wireless Mouse", "Laptop Sleeve 14in"]
    assert ruled_out(names, "I'm very pleased with the sleeve, however the mouse stopped working") == [
        "Laptop Sleeve 14in"]
    assert ruled_out(names, "send back only the mouse - the sleeve I'll hang on to") == ["Laptop Sleeve 14in"]
    assert ruled_out(names, "I would like the mouse refunded, the sleeve is fine") == ["Laptop Sleeve 14in"]


def test_a_later_message_rules_out_a_product_named_before() -> None:
    request = {"text": "", "slots": {}, "choices": {},
               "described": {"products": ["Aurora Sport Earbuds", "Phone Case Clear"]}}
    flow: Any = {"intents": ["get_refund"], "requests": {"get_refund": request}}
    add_description(flow, "oh and scratch the earbuds bit, they work fine. so just the case", {})
    assert request["described"]["products"] == ["Phone Case Clear"]


def test_a_record_named_by_its_place_in_time_is_that_one_of_those_that_fit() -> None:
    """"the second one", "the earlier order": of the records that fit, that one in date order (however a tool
    listed them); nothing of the kind keeps them all."""
    newest_first = list(reversed(ORDERS))
    later = matches(newest_first, ORDER_LOOKUP, described_in("ok scrap the second one pls", {}))
    assert [o["order_id"] for o in later] == [20002], later
    earlier = matches(newest_first, ORDER_LOOKUP, described_in("can you keep the earlier order and drop the rest", {}))
    assert [o["order_id"] for o in earlier] == [20001], earlier
    that = matches(newest_first, ORDER_LOOKUP, described_in("right, get rid of that second order", {}))
    assert [o["order_id"] for o in that] == [20002], that
    assert len(matches(newest_first, ORDER_LOOKUP, described_in("cancel one of them", {}))) == 2


def test_the_place_in_a_list_the_agent_showed_is_that_lists_order() -> None:
    """A reply to "which order do you mean?" listing records names one by its place in that list."""
    from graphs.support.flows import get_flow
    from graphs.support.lookups import _picked

    spec = get_flow("cancel_order")
    name = next(n for n, s in spec.slots.items() if s.resolve is not None and s.resolve.items == "orders")
    offered = [{"order_id": o["order_id"], "_candidate": o} for o in reversed(ORDERS)]
    assert _picked(spec, name, offered, "the second one", {}, None) == 20001
    assert _picked(spec, name, offered, "uh the first one i think", {}, None) == 20002


def test_what_stays_at_a_clauses_end_is_kept_and_a_state_it_stays_in_is_not() -> None:
    words = word_polarity("the blender and the jug stay, only take off the toaster")
    assert {"blender", "jug"} <= set(words[UNWANTED]) and "toaster" in words[WANTED], words
    words = word_polarity("the speaker won't stay paired, I'd like to send it back")
    assert "speaker" in words[WANTED], words
