"""Is a request's clause an unhedged instruction to act, or does something in it hold the action back?

A step confirmed when ``asked`` (``flows.StepSpec.confirm``) runs on the customer's words only when they tell the
agent to do it. The words hold it back, and the step waits for a yes, when the clause

- negates the action: a negator whose scope (the rest of its clause, a few words on) reaches the action's verb
  ("please don't cancel it", "no need to cancel", "I'd never switch"); a negator in another clause ("I don't want
  it any more, cancel it") gives the reason for the instruction and does not hold it back;
- keeps what the action would take away ("I'd rather keep it", "hold on to the order"); a refund takes nothing
  away ("just the duplicate back, I'm keeping the speaker" asks for it);
- deliberates instead of deciding: a modal of weighing or advice ("should", "might", "maybe", "perhaps"), an
  open choice ("whether", "not sure", "undecided"), or someone else's advice reported ("my wife says to cancel");
- is contrasted after the action is named ("cancel it ... but", "... though"): the customer qualifies it.
"""

from __future__ import annotations

import re

# A character of the same clause: no punctuation, no conjunction opening the next clause.
_CLAUSE = r"(?:(?!\b(?:so|and|just|then|because|as)\b)[^,.;:!?])"
NEGATOR = (r"\b(?:don'?t|dont|do not|doesn'?t|didn'?t|did not|no need to|never|not|won'?t|wouldn'?t|shouldn'?t|"
           r"rather not|without|no)\b")
KEEPING = re.compile(r"\b(?:keep|keeping|hold on ?to|holding on ?to|hang on ?to|hanging on ?to|stick with|"
                     r"leave it|leave the order)\b", re.I)
# Weighing or advice: a modal or an open choice. It holds back the action whose verb is in its clause ("not sure
# whether to cancel it", "I should cancel it"), not one in another clause ("check whether it was charged twice, and
# if so refund it").
DELIBERATING = (r"\b(?:should|shall i|might|maybe|perhaps|possibly|probably|whether|unsure|undecided|torn|wondering|"
                r"considering|thinking (?:about|of)|think about|not (?:\w+ )?(?:sure|certain|decided)|"
                r"haven'?t decided|on the fence|in two minds|second thoughts)\b")
# A question asking the agent's opinion weighs whatever the message asks for.
OPINION = re.compile(r"\b(?:what do you think|what would you|do you think|would you recommend|hmm+)\b", re.I)
# Someone else's advice reported ("my wife says I should", "he told me to"), not the customer's own thought.
REPORTED = re.compile(
    r"(?<!\bi )(?<!\bwe )(?<!\byou )\b(?:says?|said|thinks?|wants?|told|tells|suggest\w*|reckons?|advised?)\b"
    rf"{_CLAUSE}{{0,15}}\b(?:i|we|me|us)\b", re.I)
# A contrast that qualifies what came before it ("cancel it ... but", "great, but"): also read by the yes/no
# readings (affirmation.py) and the dialogue.
CONTRAST = re.compile(r"\b(?:but|though|however|although)\b", re.I)
# Words for the action beside the tool's own verb ("cancel_order": cancel), and for any action.
SYNONYMS = {"change": ("switch", "move", "upgrade", "downgrade"), "refund": ("money back",)}
ANY_ACTION = ("go ahead", "do it", "do that", "proceed")
# Actions that take nothing away from the customer: keeping the goods does not hold them back.
TAKES_NOTHING = ("refund",)


def _verbs(verb: str) -> str:
    words = {verb, *SYNONYMS.get(verb, ()), *ANY_ACTION} if verb else set(ANY_ACTION)
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def hedges_action(text: str, verb: str = "") -> bool:
    """Does something in ``text`` hold back the action (verb ``verb``, e.g. "cancel") rather than instruct it: a
    negation or a deliberation whose clause holds the verb, keeping, an opinion asked, advice reported, or a
    contrast after the verb?"""
    verbs = _verbs(verb)
    negated = re.compile(rf"{NEGATOR}{_CLAUSE}{{0,25}}?\b(?:{verbs})", re.I)
    weighed = re.compile(rf"{DELIBERATING}{_CLAUSE}{{0,30}}?\b(?:{verbs})|\b(?:{verbs}){_CLAUSE}{{0,30}}?"
                         rf"{DELIBERATING}", re.I)
    keeping = verb not in TAKES_NOTHING and KEEPING.search(text) is not None
    if negated.search(text) or weighed.search(text) or keeping or OPINION.search(text):
        return True
    if REPORTED.search(text) and re.search(rf"\b(?:{verbs})", text, re.I):
        return True
    named = re.search(rf"\b(?:{verbs})", text, re.I)
    return named is not None and CONTRAST.search(text, named.end()) is not None
