"""Anger at us read from the customer's words (policy §5a): shown several ways, as an ultimatum, a ranking, a
broken promise of ours, contempt or dishonesty laid at our door; and what is no anger at us."""

from __future__ import annotations

import pytest

from graphs.support.escalation import decide
from graphs.support.handoff import cues_in
from tests.unit.escalation_states import on_read_only as _on_read_only
from tests.unit.escalation_states import read_only as _read_only
from tests.unit.escalation_states import state as _state


def test_anger_at_us_shown_several_ways_needs_less_negative_wording() -> None:
    """VADER scores idiom mildly: contempt for our service plus an ultimatum is anger at us at -0.6, where one
    sign alone at that score (a mild "ridiculous") is only annoyance (policy §5a)."""
    fed_up = _state(sentiment=-0.6, message="Your courier service is a complete joke and I'm sick of being fobbed "
                                            "off. Fix it this week or I'm done ordering from you.")
    assert decide(fed_up, confidence=0.95, threshold=0.7, max_verification_attempts=3).route == "human_review"
    one_sign = _state(sentiment=-0.6, message="That's ridiculous, the page said otherwise. Fine, go ahead.")
    assert decide(one_sign, confidence=0.95, threshold=0.7, max_verification_attempts=3).route == "respond"


def test_anger_at_us_shown_three_ways_hands_over_whatever_the_lexicon_says() -> None:
    """VADER reads sarcasm as praise ("your support team is a joke" scores positive): outrage, contempt for our
    service and an ultimatum together are strong anger at us (policy §5a) at any sentiment; two at a neutral
    score are not."""
    three = _state(sentiment=0.05, message="Absolutely outrageous. Your support team is a joke, the worst company "
                                          "I have dealt with, and I'll be done with you after this.")
    decision = decide(three, confidence=0.95, threshold=0.7, max_verification_attempts=3)
    assert decision.route == "human_review" and any("angry with us" in r for r in decision.reasons), decision
    two = _state(sentiment=0.05, message="Honestly ridiculous. Your website is a joke, but fine, please go ahead.")
    assert decide(two, confidence=0.95, threshold=0.7, max_verification_attempts=3).route == "respond"
    # "your so-called priority shipping" quotes our own name for it in scorn: one more sign, none said alone
    scorn = _state(sentiment=0.1, message="Late again. Your so-called priority shipping took nine days, your "
                                          "couriers are hopeless and I'm done ordering from this shop.")
    assert decide(scorn, confidence=0.95, threshold=0.7, max_verification_attempts=3).route == "human_review"
    alone = _state(sentiment=0.1, message="What does your so-called Plus plan include these days?")
    assert decide(alone, confidence=0.95, threshold=0.7, max_verification_attempts=3).route == "respond"


@pytest.mark.parametrize("text", [
    "Not one shop has ever treated me like this. Sort it out this week or we're done, and I'll be telling "
    "everyone at work exactly why.",
    "Never had a retailer messed me around so much. Refund it by Friday or that's it, and expect one-star reviews "
    "everywhere.",
])
def test_anger_at_us_as_an_ultimatum_a_ranking_or_a_public_threat(text: str) -> None:
    """Anger at us takes more forms than insults: the company ranked below every other, an ultimatum, a threat to
    tell everyone. Three of them hand over at a sentiment VADER reads mildly (policy §5a)."""
    decision = decide(_state(sentiment=-0.3, message=text), confidence=0.95, threshold=0.7,
                      max_verification_attempts=3)
    assert decision.route == "human_review" and any("angry with us" in r for r in decision.reasons), decision


@pytest.mark.parametrize("text", [
    "Fourth message about this. The fitter you sent swore somebody would phone me the next morning and not a word "
    "since. Totally pointless. Sort this out by Friday or you've lost me for good.",
    "Your driver left the parcel in a puddle and the lady on the phone said I'd get an email back, still waiting. "
    "Utterly incompetent. Fixes this today or I will never order here again.",
])
def test_anger_at_us_as_a_broken_promise_contempt_and_an_ultimatum(text: str) -> None:
    """A promise of ours broken, contempt said outright ("utterly incompetent" with no "you" beside it) and an
    ultimatum in its other forms ("or you've lost me", "or I will never ...") are anger at us (policy §5a), three
    signs at a sentiment the lexicon reads as mild."""
    test_anger_at_us_as_an_ultimatum_a_ranking_or_a_public_threat(text)


def test_a_promise_or_a_poor_result_told_calmly_is_no_anger() -> None:
    calm = _state(sentiment=-0.2, message="The courier said he would ring before coming and nobody did, but the "
                                          "parcel is here now. Can I get the invoice?")
    assert decide(calm, confidence=0.95, threshold=0.7, max_verification_attempts=3).route == "respond"


@pytest.mark.parametrize("text", [
    "the tracking page said they would email me but nothing came, where is order 55120?",
    "my husband said he would call you but never did, so I'm writing myself",
    "the courier company said they would ring before coming and never did",
])
def test_a_promise_of_someone_not_ours_broken_is_no_anger_at_us(text: str) -> None:
    assert "anger_at_us" not in [c.name for c in cues_in(text)]


@pytest.mark.parametrize("text", [
    "your agent on Saturday promised someone would call me back within a day, and nobody has",
    "the rep I spoke to on Saturday swore I'd get a callback by the next day, and I've heard nothing",
    "you said you would email me and nothing came",
])
def test_a_promise_of_ours_broken_is_anger_at_us(text: str) -> None:
    assert "anger_at_us" in [c.name for c in cues_in(text)]


@pytest.mark.parametrize("text", [
    "Seriously? Fourth parcel in a row you've left at the wrong house. Your courier is a shambles and I'm finished "
    "with you lot.",
    "Once again your app has logged me out mid-checkout. Your website is a joke and I'm done with you.",
    "I've emailed you twice already about the dented fridge. Your company is rubbish. I'm done buying from you.",
])
def test_anger_at_us_for_being_let_down_again_counts_as_one_more_sign(text: str) -> None:
    """A failure of ours counted as happening again, or the customer's chasing of it, is blame (policy §5a): with
    contempt and an ultimatum it is strong anger at us whatever the lexicon reads ("joke" scores positive)."""
    decision = decide(_state(sentiment=0.4, message=text), confidence=0.95, threshold=0.7,
                      max_verification_attempts=3)
    assert decision.route == "human_review" and any("angry with us" in r for r in decision.reasons), decision


@pytest.mark.parametrize("text", [
    "This is the third time I've asked: please take me off the mailing list.",
    "Second time writing about this, could you tell me where order 10003 is?",
    "you took the payment two times on the same day, can you refund one?",
    "this is my fourth order with you and the mouse is great, where is the keyboard?",
    "I restarted the speaker three times now and it still drops out.",
])
def test_asking_again_calmly_or_a_count_of_charges_is_no_anger(text: str) -> None:
    """Asking again without anger is helped, not handed over (policy §5a: annoyance is not strong anger); a count
    of charges or of the customer's own tries is no failure of ours happening again."""
    decision = decide(_state(intents=("track_order",), sentiment=-0.3, message=text, plan=_read_only()),
                      confidence=0.95, threshold=0.7, max_verification_attempts=3)
    assert decision.route == "respond", decision


# Contempt for our conduct or service, whatever the customer calls it, with dishonesty laid at our door.
CONTEMPT_AND_DISHONESTY = (
    "Delayed for the third time. Your dispatch estimates are a farce and a joke, and I was misled by your chat "
    "about the date. Had enough of your excuses.",
    "Four more days?! Your couriers are utterly useless, you lied about the slot and nobody will tell me the truth.",
)


@pytest.mark.parametrize("text", CONTEMPT_AND_DISHONESTY)
def test_contempt_for_our_conduct_and_dishonesty_laid_at_our_door_are_anger_at_us(text: str) -> None:
    """Contempt for our conduct or service ("your dispatch estimates", "your couriers"), and being lied to or
    misled, blames us: three signs hand over at a mild lexicon score (§5a)."""
    test_anger_at_us_as_an_ultimatum_a_ranking_or_a_public_threat(text)


@pytest.mark.parametrize("text", [
    "Your tracking page says it's out for delivery, is that right? Thanks for your help.",
    "I was told by the courier it was left at the door, but it wasn't there. Could you check?",
])
def test_a_thing_of_ours_named_calmly_is_no_anger(text: str) -> None:
    assert _on_read_only(text, "track_order").route == "respond"


@pytest.mark.parametrize("text", [
    "Three weeks waiting for a kettle. What a circus of a company. Resolve this by Monday or I'm never shopping with "
    "you again.",
    "A total farce of a helpline, honestly. Deal with it this week or I'm never using you guys again.",
])
def test_contempt_as_a_noun_of_us_and_never_coming_back_are_anger_at_us(text: str) -> None:
    """Contempt for the company put as a noun of it ("a farce of a helpline"), an ultimatum whose alternative is
    "or I'm never …" and the customer never using us again are three signs of anger at us (policy §5a), however
    mildly the lexicon reads them."""
    assert next(c for c in cues_in(text) if c.name == "anger_at_us").strength(text) == 3
    test_anger_at_us_as_an_ultimatum_a_ranking_or_a_public_threat(text)


def test_a_joke_of_a_thing_not_ours_is_no_contempt_for_us() -> None:
    """The noun form names the company or its service: a film or a match called "a joke of a …" is no anger at us."""
    text = "The film last night was a joke of a sequel, anyway could you check my order?"
    assert not any(c.name == "anger_at_us" for c in cues_in(text))


@pytest.mark.parametrize("text", [
    "Send me my money for order 10004 today or we're through, I'm finished with your clueless shop.",
    "Cancel my order this minute or I'm done with you. Honestly, this hopeless excuse for a business.",
])
def test_an_ultimatum_on_the_request_itself_and_contempt_before_the_noun_are_anger_at_us(text: str) -> None:
    """An ultimatum whose demand is the request itself ("cancel my order ... or I'm done"), contempt put before
    the noun ("your clueless shop") and leaving us are three signs: handed over whatever the lexicon says (§5a)."""
    assert next(c for c in cues_in(text) if c.name == "anger_at_us").strength(text) == 3
    test_anger_at_us_as_an_ultimatum_a_ranking_or_a_public_threat(text)


def test_a_request_with_a_deadline_calmly_put_is_no_anger() -> None:
    text = "Please refund order 10004 this week or let me know if you need anything else from me."
    assert "anger_at_us" not in [c.name for c in cues_in(text)], text
