"""Yes and no: how a reply answers "shall I go ahead?". The words of a yes and of a no, the openers a reply may
start with (an acknowledgement, delight at the offer, a decision after weighing it) and the one guard that reads
the rest of the reply after such an opener: a no, a negation, a deferral or a question there keeps the offer
pending; the opener alone (with thanks), or a rest that orders the offered action, is the customer's yes.

Consent comes in shades. A reluctant yes ("ugh, fine, go ahead") is a yes. A yes that narrows the offer ("yes but
only the cable", ``narrows``) or puts a condition on it ("ok if it goes back to my card") is no yes to what was
offered: the offer stays pending, and a condition holds only when the request's own values say it does
(``condition_of``; dialogue.condition_holds). A yes taken back ("go ahead. actually wait, don't", "actually hold
off") is a no: nothing is done.

The words of a negation and a deferral are utterance's (NEGATION, DEFERRAL), shared with instruction's reading
of what holds an action back.
"""

from __future__ import annotations

import re
from typing import Literal

from graphs.support.instruction import CONTRAST, KEEPING, names_action, tells
from graphs.support.state import Step
from graphs.support.utterance import (
    ACK_WORDS,
    DEFERRAL,
    DELIBERATING,
    EXPLICIT_YES,
    NEGATION,
    REPORTED_SUBJECT,
    SENTENCE_END,
    STATUS_QUO,
    THANKS,
    asks,
    core_of,
    says_yes,
)
from tools.registry import get_tool

YES = re.compile(
    r"^\W*(yes|yeah|yea|ya|yah|yep|yup|yh|sure|ok|okay|please do|go ahead|do it|confirm(ed)?|correct|that'?s right|"
    r"absolutely|of course|please|si|sí|sim|oui|ja|claro|certo|d'accord|va bene)\b", re.I)
# "stop" alone is a no; with what is to stop ("stop charging my card") it is an order.
NO = re.compile(r"^\W*(no(?! (problem|worries|rush|hurry)\b)|nope|nah|naw|don'?t|do not|stop(?!\s+\w+ing\b)|"
                r"cancel that|never ?mind|forget (it|that)|not now|wait|non|nein|não|nao)\b", re.I)
# An acknowledgement a reply may open with ("alright sure, go ahead", "right, yes please", "ok, then ...").
ACK_OPENER = re.compile(r"^\W*(ok(ay)?|alright|all right|fine|right|cool|great|sure|got it|understood|i see|ah|oh)\b",
                        re.I)
HESITATION = re.compile(r"^\W*hm+\b", re.I)  # "hmm, yes go ahead"
# Reluctance before a yes ("ugh, ok", "fine, I guess, go ahead"): still a yes.
RELUCTANT = re.compile(r"^\W*(ugh+|meh|sigh|whatever|i guess|i suppose|if (i|we|you) must)\b", re.I)
# A condition on the yes ("ok if it goes back to my card", "sure, as long as ...") and a yes to less than offered
# ("yes but only the cable", "ok, just the charger"): no yes to the offer as made.
CONDITION = re.compile(r"^\W*(?:but\s+)?(?:only\s+)?(?:if|as long as|so long as|provided|providing|on condition|"
                       r"assuming)\b", re.I)
NARROWING = re.compile(r"^\W*(?:but\s+)?(?:only|just)\s+(?:the|my|that|this|those|these|one|\d|a|an)\b"
                       + REPORTED_SUBJECT, re.I)
# A yes to something else than what was offered: "yes, cancel the other order instead".
OTHER_THAN_OFFERED = re.compile(r"\b(?:instead|rather|the other|another one)\b", re.I)
# A yes taken back, or a hold put on it, in its last words: "ok go ahead. actually wait, don't", "actually hold off".
WITHDRAWN = re.compile(
    r"(?:\b(?:actually|wait|hang on|hold on|on second thoughts?)\b[\s,.!;:-]*(?:no\b|not (?:yet|now)\b|don'?t\b|"
    r"do not\b|hold (?:off|on|it)\b|wait\b|leave it\b|stop\b|never ?mind\b|forget it\b|scratch that\b)|"
    r"\b(?:hold off|hold fire|not yet|on second thoughts?)\b)[^.!?]*[.!?\s]*$", re.I)
# Delight at what the agent offers to do ("amazing.", "yay!", "perfect, thank you"), also said of the offer ("that'd
# be wonderful", "it would be really great"): a yes, like the word alone.
GLAD = re.compile(r"^\W*(?:(?:that|this|it)(?:'d|'ll|'s| would| will| is)?\s+(?:be\s+)?"
                  r"(?:(?:just|really|so|very)\s+)?)?(great|perfect|amazing|awesome|brilliant|lovely|excellent|wonderful|fantastic|fab|yay+|"
                  r"sounds (good|great|perfect)|that'?s (great|perfect|amazing|brilliant|wonderful))\b", re.I)
# A decision after weighing the offer: "ok, then refund whatever's left", "fine then, do that".
SETTLING = re.compile(r"^\W*(ok(ay)?|alright|all right|fine|right)[\s,]+then\b", re.I)
# A rest that orders the offered action: "go ahead", "do that", "refund whatever's left", "just cancel it".
ORDERS = re.compile(
    r"^\W*(?:(?:then|so|just|please|pls|yes|yeah|sure)\b[\s,.!]*)*(?:go|do|refund|cancel|proceed|process|send|switch|"
    r"move|change|apply|issue|ship|book|return|exchange|swap|merge|update|put|make|sort|take|set|confirm|submit|"
    r"arrange|reset|subscribe|unsubscribe|sign|credit|reship|replace|upgrade|downgrade)\b", re.I)

# A sentence that takes what the offer left ("fine. whatever's left then", "ok, just the rest then", "ok, the
# remaining $49.99 then"): the customer settles for the remainder offered (an amount named with it is one the
# offer told: understand's ``unheard``).
REMAINDER = re.compile(
    r"^\W*(?:(?:just|only|so)\s+)?(?:(?:(?:whatever|what)(?:'?s| is) (?:left|remaining)|the (?:rest|remainder))"
    r"(?:\s+(?:of it|then))*\b"
    r"|the remaining\s+(?:\$?\d+(?:[.,]\d+)*|amount|balance|sum|money)(?:\s+then)?\s*(?:[,.!](?!\d)|$))", re.I)


def holds_back(rest: str) -> bool:
    """Does what follows an opener keep the offer pending: a no, a negation, a deferral, a "but" or a question?"""
    return bool(NEGATION.search(rest) or DEFERRAL.search(rest) or CONTRAST.search(rest) or asks(rest)
                or STATUS_QUO.search(rest))


def told_offered(plan: list[Step], text: str) -> list[Step]:
    """The offered steps the reply tells the agent to take, each in its action's own words ("I want to dispute it"
    to "shall I open the dispute?"), unqualified ("... the other one instead", "only if ..."): the customer's yes to
    those steps, and to no other ("cancel it, I'll think about the refund" says yes to the cancellation alone). A
    word that names more than one action ("switch": a plan or an exchange) tells none of them. A step offered as
    part of a told one (it depends on it: the dispute's decision after its opening) goes with it, unless the reply
    names its own action untold ("I'll think about the refund")."""
    if qualifies(text):
        return []
    waiting = [step for step in plan if step["status"] == "awaiting_confirmation"]
    told = [step for step in waiting if tells(text, get_tool(step["tool"]).action, own=True)]
    for step in waiting:
        if (step not in told and told and {s["id"] for s in told} & set(step["depends_on"])
                and not names_action(text, get_tool(step["tool"]).action)):
            told.append(step)
    return told


def qualifies(rest: str) -> bool:
    """Does what follows a yes word narrow the offer, put a condition on it or contrast it ("but only the cable",
    "if it goes back to my card", "but to the gift card")?"""
    return bool(CONDITION.search(rest) or OTHER_THAN_OFFERED.search(rest)
                or re.match(r"^\W*(?:but|though|however)\b", rest, re.I))


def narrows(text: str) -> bool:
    """Does a yes give its consent to less than was offered ("yes but only the cable", "ok, just the charger")? A
    yes to an offer pending is then no yes to all of it (dialogue_acts.read_act); after the request was done, the same
    words describe what was done again."""
    core = core_of(text)
    for said in (core, *_unacknowledged(core)):
        rest = _after_opener(said, YES)
        if rest is not None and NARROWING.search(rest):
            return True
    return False


def condition_of(text: str) -> str | None:
    """The condition of a conditional yes ("ok, as long as it goes back on my card": "as long as it goes back on my
    card"), None when the reply is no such yes."""
    core = core_of(text)
    stages = _unacknowledged(core)
    # after a yes word, or after an acknowledgement alone: "fine, but only if it goes back on my card"
    for rest in [_after_opener(said, YES) for said in (core, *stages)] + stages:
        if rest is not None and CONDITION.search(rest) and not WITHDRAWN.search(rest):
            return re.sub(r"^\W*but\s+", "", rest)
    return None


def _unacknowledged(core: str) -> list[str]:
    """The reply after each of the acknowledgements, hesitation and reluctance it opens with ("ugh, fine, I guess,
    go ahead": "fine, I guess, go ahead", "I guess, go ahead", "go ahead"); none when it opens with none."""
    stages: list[str] = []
    for _ in range(3):
        said = stages[-1] if stages else core
        found = next((r for r in (_after_opener(said, o) for o in (ACK_OPENER, HESITATION, RELUCTANT)) if r), None)
        if found is None:
            break
        stages.append(found)
    return stages


def _after_opener(text: str, opener: re.Pattern[str]) -> str | None:
    """The reply after the opener it starts with (and a "then" after that), or None when it has no such opener."""
    found = opener.search(text)
    if found is None:
        return None
    return re.sub(r"^[\s,.!;:-]*(then\b)?[\s,.!;:-]*", "", text[found.end():])


def affirmation_of(text: str) -> Literal["yes", "no"] | None:
    """A yes or a no at the start of a short reply ("yes, go ahead", "no thanks"), after an acknowledgement too
    ("alright sure, go ahead", "right, no thanks"); after a remark, an explicit go-ahead that ends it ("oh, that one
    was you? I thought it was my bank. ok so just the rest then, go ahead"). A yes word whose rest refuses or
    defers ("ok, I'll think about it", "sure, but not yet") is no yes."""
    if len(text.split()) > 25:
        # A long reply (an explanation) answers the offer only in an explicit go-ahead that ends it ("... so the
        # second charge was the mistake. Yes, go ahead and put that one back."): its last sentence, short, a yes
        # followed by an order to act now, decides; only when nothing before it doubts, weighs, keeps or defers
        # ("... we'll probably keep it, so I'm not sure. Yes, I know it can be refunded" is no yes).
        sentences = SENTENCE_END.split(core_of(text).strip())
        last, before = sentences[-1], " ".join(sentences[:-1])
        rest = _after_opener(last, YES)
        return "yes" if (len(last.split()) <= 12 and rest is not None and says_yes(last) and not NO.search(last)
                         and not asks(last) and not holds_back(rest) and not qualifies(rest)
                         and ORDERS.search(rest) is not None and not DEFERRAL.search(rest)
                         and not re.search(r"\b(?:after|once|when|until|tonight)\b", rest, re.I)
                         and not (DEFERRAL.search(before) or re.search(DELIBERATING, before, re.I)
                                  or KEEPING.search(before))) else None
    core = core_of(text)  # "good morning! yes, please do it. thanks"
    stages = _unacknowledged(core)
    unacknowledged = stages[0] if stages else None
    if NO.search(core) or (unacknowledged is not None and NO.search(unacknowledged)) or WITHDRAWN.search(core):
        return "no"
    if any(STATUS_QUO.search(said) and not asks(said) and not says_yes(said) for said in SENTENCE_END.split(core)):
        return "no"  # "hm, that's a lot. I'll stay as I am for now": things stay as they are, whatever opens it
    for said in (core, *stages):
        rest = _after_opener(said, YES)
        if rest is not None and not (NEGATION.search(rest) or DEFERRAL.search(rest) or qualifies(rest)):
            return "yes"
    last = SENTENCE_END.split(core.strip())[-1]
    if last != core.strip() and says_yes(last) and not NO.search(last) and not asks(last) and not holds_back(last):
        return "yes"
    return None


def acceptance(text: str) -> str | None:
    """Does a reply that opens with delight ("amazing.", "perfect, thank you") or with a decision ("ok, then refund
    whatever's left", "fine then, do that") say yes to the offer? The rest decides: nothing but thanks, or an order
    to do it, is a yes; a no, a negation, a deferral or a question keeps the offer pending ("fine then, forget it",
    "great, I'll think about it and get back to you", "amazing. and will it ship to the same place?"). A sentence
    that takes the remainder offered ("fine. the rest then") is a yes too. The words that say it (the reply, or
    its last sentence after a remark), else None."""
    core = core_of(text).strip()
    last = SENTENCE_END.split(core)[-1]  # "Oh, so only what's left? ok, then refund whatever's left."
    for said in dict.fromkeys((core, last)):
        for opener in (GLAD, SETTLING):
            rest = _after_opener(said, opener)
            if rest is None or holds_back(rest):
                continue
            words = re.findall(r"[\w']+", rest.lower())
            if (all(w in ACK_WORDS for w in words) or THANKS.fullmatch(rest.strip(" .!")) is not None
                    or ORDERS.search(rest) or EXPLICIT_YES.search(rest)):
                return said
        rest = _after_opener(said, ACK_OPENER)
        if any(part and REMAINDER.search(part) and not holds_back(part) for part in (said, rest)):
            return said
    return None


def accepts(text: str) -> bool:
    """Does the reply say yes to the offer (``acceptance``)?"""
    return acceptance(text) is not None
