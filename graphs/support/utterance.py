"""What a customer's message says, read as text: the vocabulary of dialogue acts (questions, hedges, thanks,
corrections, go-aheads, follow-ups) and the predicates built on it. ``dialogue`` reads a reply against the state
of the conversation with them.
"""

from __future__ import annotations

import re

# An information question ("how do I upgrade?"), not a polite request ("can you cancel it?").
# The question words also as typed without an apostrophe ("whats the diff", "hows that work").
QUESTION = re.compile(
    r"^\W*((?:how|what|why|when|where|which|who)(?:'?s|'?re|'?d)?|whether|is|are|does|did)\b", re.I)
# An elliptical follow-up on the request just finished: an opener and a noun phrase ("ok and the keyboard?",
# "what about my other order"), or "the other one / order".
# The noun phrase may name a month ("and January's as well?": another invoice or charge) or be "mine" ("what about
# mine then?" after someone else's order). An acknowledgement may come first, as a sentence of its own ("hm ok.
# and the speaker?", "fair enough. what about mine then?").
MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
ELLIPSIS = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|right|alright|cool|great|thanks?|cheers)\b[\s,.!]*)?(?:(?:and\s+)?(?:what|how) about|and)\s+"
    r"(?:the|my|mine|that|this|those|these|order|#?\d|" + MONTH + r")\b", re.I)
# "the same for the other order", "do the same with my February one": the last request again, about another record.
SAME_FOR = re.compile(r"^\W*(?:(?:and|can you|could you|please|pls|just)\s+)*(?:do\s+)?(?:the\s+)?same\s+"
                      r"(?:thing\s+|again\s+)?(?:for|with|on)\b", re.I)
# "and the March one too please": the same again, for something else. "Too" before the word it grades ("way too
# many", "too late") is a degree, not an addition: the additive one ends its phrase (a pause, "please", "and").
_PHRASE_OPENER = r"(?:please|pls|plz|thanks?|thank|thx|cheers|and|or|but|then|if|so|now|while|since|because|as)\b"
ADDITIVE = re.compile(r"\b(?:too(?!\s+(?!" + _PHRASE_OPENER + r")[a-z])|as well)\b", re.I)
# An acknowledgement before the follow-up: words of ACK_WORDS (and a few hums), then a pause.
_ACK_LEAD = re.compile(r"^\W*(?:(?:hm+|ah|oh|fair|enough|lol|haha|ok(?:ay)?|alright|right|fine|great|cool|nice|"
                       r"perfect|brilliant|lovely|thanks?|thank you|cheers|ta|got it|understood|noted|sure|"
                       r"then|so|well)\b[\s,]*)+[.!:;\-–—]+\s*", re.I)
# Yes, no and weighing: the one vocabulary of the readers of a reply. ``affirmation`` reads the rest of a yes
# with NEGATION and DEFERRAL, ``instruction`` what holds an action back with NEGATOR and DELIBERATING (their scope
# reaches the action's verb), ``directs`` a request still weighed with HEDGE. Change a word here, for all of them.
# Contracted negators, with or without the apostrophe: in every reading of a no.
_CONTRACTED = r"don'?t|doesn'?t|didn'?t|won'?t|wouldn'?t|shouldn'?t"
# Weighing words every reading of a hedge shares.
_WEIGHING = r"maybe|perhaps|wondering|shall i"
# After "just the ..." / "only the ...": the thing is the subject of what the words report ("just the charger box got
# torn", "only the outer box was dented"), which names what happened to it, not the part the customer narrows to.
REPORTED_SUBJECT = (r"(?!(?:\s+(?!(?:that|which|who|one)\b)[\w-]+){1,3}?\s+(?:got|gets|was|were|is|are|has|have|had|"
                    r"arrived|came|looks?|looked|seems?|seemed|broke|cracked|tore|ripped|dented)\b)")
# A clause's negators: "please don't cancel it", "no need to cancel", "I'd never switch", "without".
NEGATOR = rf"\b(?:{_CONTRACTED}|never|rather not|do not|did not|no need to|not|without|no)\b"
# A refusal or any negation after a yes word ("forget it", "don't bother", "not yet"); "no problem" and "not a
# problem" are thanks, not a no.
NEGATION = re.compile(
    rf"\b(?:{_CONTRACTED}|never|rather not|no(?! (?:problem|worries|rush|hurry)\b)|nope|nah|not(?! a problem\b)|"
    r"nevermind|none|forget|stop|cancel that|hold (?:on|off)|wait|skip|\w+n't|cant|wont|isnt|aint|didnt|doesnt|"
    r"wouldnt|shouldnt|couldnt)\b", re.I)
# A deferral: the customer will decide later ("I'll think about it", "let me check with my husband first").
DEFERRAL = re.compile(
    r"\b(?:think(?:ing)? (?:about|over|on|it)|let me (?:check|think|see|ask|talk|discuss|look|sleep)|"
    r"check (?:with|first)|first\W*$|later|get back|come back|sleep on|not yet|tomorrow|another time|decide|"
    r"consider\w*|mull)\b", re.I)
# Weighing or advice in a clause: a modal or an open choice ("not sure whether to cancel it", "I should cancel
# it"), not a modal of a state ("today might be the last day").
DELIBERATING = (rf"\b(?:{_WEIGHING}|should(?! be\b)|might(?! be\b)|possibly|probably|whether|unsure|"
                r"undecided|torn|i suppose|i guess|"
                r"considering|thinking (?:about|of)|think about|not (?:\w+ )?(?:sure|certain|decided)|"
                r"haven'?t decided|on the fence|in two minds|second thoughts)\b")
# Keeping things as they are instead of what the agent offers: "I'll remain as I am", "let's leave everything as
# it is", "stick with my current plan", "I'm fine as is". Said to an offer, it is a no.
STATUS_QUO = re.compile(
    r"\b(?:(?:stay|stick|remain)(?:ing)?\s+(?:where i am|put|as i am|as is|(?:on|with) (?:my|the) (?:current|same|"
    r"old|existing)\b|with (?:what|whatever) i(?:'ve| have)|how i am)|(?:keep|leave|keeping|leaving)\s+(?:it|things|"
    r"everything|that|my \w+)\s+(?:as|how|the way)\s+(?:it|they)\s*(?:is|are|'s|'re)|(?:keep|keeping)\s+(?:what|"
    r"whatever) i(?:'ve| have)|(?:i'?m|i am) (?:good|fine|ok(?:ay)?|happy) (?:as i am|as is|where i am|with (?:what|"
    r"whatever) i(?:'ve| have)))\b", re.I)
# A request the customer is still weighing: "thinking about", "not sure", "should I", "maybe", "might".
HEDGE = re.compile(
    rf"\b(?:{_WEIGHING}|(?:thinking (?:about|of)|considering) \w+ing|not (?:entirely |really |quite )?sure|"
    r"should i|tempted|would it|is it worth|if i)\b", re.I)
# Words that ask the agent to act: a polite request, or a verb of moving or changing something ("I thought I was
# still on the free one" names a plan without asking for it).
ACTING = re.compile(
    r"\b(?:please|pls|plz|can (?:you|u)|could (?:you|u)|would you|i'?d like|i want|i need|wanna|put|move|switch|"
    r"change|downgrade|upgrade|take|set|bump|step|drop|go|make)\b", re.I)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# A message's sentences, each with the punctuation that ends it (``requests_in_sentence``).
_SENTENCES = re.compile(r"[^.;!?\n]+[.;!?\n]*")
OTHER = re.compile(r"\b(?:the|my) other (?:one|order)\b", re.I)
# The customer's own record set against the one just discussed, as what a verb of looking or doing takes: "could you
# check mine?", "look at ours while you're at it": the last request again, about their record.
OWN = re.compile(r"\b(?:check|look (?:at|into|up)|looking at|track|trace|chase|find|pull up|see to|do)\s+"
                 r"(?:on\s+)?(?:mine|ours|my own|our own)\b", re.I)
# A remark about what was just discussed, its subject a pronoun for it: "it's for the speaker I sent back", "that
# was the blue one".
ABOUT_IT = re.compile(r"^\W*(?:it'?s|its|it is|it was|that'?s|that is|that was|this is|this was)\s+"
                       r"(?:for|about|regarding|the|my)\b", re.I)
# A pronoun for what was just discussed, in a question about it: "when's it meant to turn up?", "is that one paid?".
REFERS = re.compile(r"\b(?:it|it'?s|it'?ll|it'?d|its|that one|this one|them)\b", re.I)
# Entities that describe a record ("the keyboard", "the one from last week").
DESCRIBING = ("products", "dates", "amounts")
# Something added to what was named before ("the cable too", "and the mouse", "as well").
MORE = re.compile(r"\b(too|as well|and the|and my|plus|also|another|other|instead)\b", re.I)
CORRECTION = re.compile(
    r"\b(oops|whoops|sorry|typo|wrong|mistake|mistyped|i mean|i meant|meant|actually|no wait|wait|correction|"
    r"rather|instead|not that one|the other one|other one|scratch that|try)\b", re.I)
# The customer takes the request back before it is done: "never mind", "forget it", "no need for the refund after
# all", "all good then", "scratch that", "I'll keep it".
WITHDRAW = re.compile(
    r"\b(?:never ?mind|forget (?:it|that|about it|the \w+)"
    r"|no need(?: for (?:it|that|the \w+))?(?: after all| any ?more)?|don'?t worry about it"
    r"|(?:it'?s |we'?re |i'?m )?all good(?: now| then)?|scratch that|disregard (?:it|that|my)"
    r"|i'?ll keep (?:it|them))\b", re.I)
EXPLICIT_YES = re.compile(r"\b(yes|yeah|yep|yup|yea|ya|go ahead|do it|please do|proceed|confirm\w*)\b", re.I)
THANKS = re.compile(
    r"\b(thanks?|thank (you|u)|thx|ty|cheers|ta|bye|goodbye|appreciated?|gracias|merci|danke|shukran|grazie|"
    r"obrigad[oa]|much obliged)\b", re.I)
ACK_WORDS = frozenset(re.findall(r"\S+", (
    "ok okay k kk alright allright right fine great good perfect lovely cool nice noted understood got it sure "
    "thanks thank you u ty thx cheers ta bye goodbye appreciated appreciate that awesome brilliant super "
    "excellent wonderful sounds all set done then so ah oh well yes yeah yep will do makes sense")))
GO_AHEAD_WORDS = frozenset(("please", "do", "it", "go", "ahead", "proceed", "that", "sounds", "yes"))
# Words of thanks or an acknowledgement: "also" followed by nothing else ("thanks, and also for the quick
# reply!") adds no request.
ACK_ALTERNATIVES = "|".join(sorted(
    ("thanks", "thank", "you", "u", "so", "much", "for", "the", "your", "quick", "fast", "help", "reply", "answer",
     "response", "cheers", "a", "lot", "again", "appreciate", "appreciated", "it", "that", "great", "service", "ok",
     "all", "good", "have", "nice", "day", "very", "helpful", "really"), key=len, reverse=True))
REQUEST = re.compile(
    r"\?|\b(can|could|would|will|won't|can't|cannot|couldn't) (you|u|i|we|someone|somebody)\b|"
    r"\b(i|we) (want|need|would like|'d like|wanna|would love)\b|\bi'd like\b|\bplease\b|\bpls\b|\bplz\b|"
    r"\b(rather|prefer)\b|"
    r"\b(how|what|where|when|why|which|who)\b|"
    # an auxiliary before its subject asks ("did it arrive?"); after one it states ("that did it", "this is it")
    r"(?<!\bthat )(?<!\bthis )(?<!\bwhich )(?<!\bit )\b(is|are|do|does|did) (there|it|you|my|i)\b|"
    r"\b(also|another|one more thing|and then)\b(?!(?:[\s,.!]+(?:" + ACK_ALTERNATIVES + r"))*[\s,.!]*$)", re.I)
_WH_WORDS = frozenset(("how", "what", "where", "when", "why", "which", "who"))
GREETING = re.compile(
    r"^\W*(hi|hello|hey|hiya|howdy|good (morning|afternoon|evening|day)|hola|bonjour|salam|guten tag)\b[\W\w]{0,20}$",
    re.I)
# Words that only introduce a value ("my zip is", "card ending", "email:"): not evidence of a request.
VALUE_CUES = re.compile(
    r"\b(my|the|its|it's|it is|is|are|was|and|or|with|on|in|of|for|number|no|nr|id|customer|account|acct|email|"
    r"e-mail|mail|address|zip|zip code|postal|post|code|postcode|cep|cap|plz|card|visa|mastercard|amex|debit|"
    r"credit|last|four|4|digits|numbers|ending|ends|finishes|order|invoice|inv|here|there|that|this|then|"
    r"just|also|too)\b", re.I)
VALUE = re.compile(r"[\w.+-]+@[\w.-]+|#?\w*\d[\w-]*")
# Filler around what a reply says: a greeting or a discourse marker before it ("good morning!", "um,", "ok so"),
# politeness after it ("thanks", "many thanks for your help", "appreciate it"). A bare "ok" or "right" is kept:
# it is an answer of its own.
LEADING_FILLER = re.compile(
    r"^\W*(?:(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening|day))(?: (?:there|team|all)\b|"
    r"(?! (?:there|team|all)\b))|"
    r"(?:i )?hope (?:you(?:'re| are) well|all is well|you(?:'re| are) doing well)|um+|uh+|erm+|hmm+|so|well|"
    r"(?:ok(?:ay)?|alright|right) so|anyway)\b[\s,.!;:-]+(?=\S)", re.I)
TRAILING_FILLER = re.compile(
    r"[\s,.!;:-]+(?:(?:many |thanks? (?:you )?)?(?:thanks?|thank you|thx|ty|cheers)(?: (?:a lot|so much|in advance|"
    r"for (?:your|the) help))?|appreciate it|much appreciated|(?:kind |best )?regards)[\s.!]*$", re.I)


def core_of(text: str) -> str:
    """What a reply says without the filler around it (see ``LEADING_FILLER``); the text itself if nothing is
    left."""
    core = text.strip()
    for _ in range(3):
        stripped = TRAILING_FILLER.sub("", LEADING_FILLER.sub("", core)).strip()
        if stripped == core or not stripped:
            break
        core = stripped
    return core



def residual(text: str) -> str:
    """The message without its values (emails, numbers, ids) and the words that only introduce them."""
    kept = VALUE_CUES.sub(" ", VALUE.sub(" ", text))
    return " ".join(re.findall(r"[\w']+|\?", kept))


def requests(text: str) -> bool:
    """Does the message carry request words beyond its values ("please", "can you", "I need", a question)?"""
    return REQUEST.search(VALUE.sub(" ", text)) is not None


def requests_in_sentence(text: str) -> bool:
    """Does a sentence of the message ask or request something: a question (a question mark, a sentence opened by
    a question word) or request words ("please", "can you", "I need")? A question word inside a statement is no
    request ("I don't remember its password, if that's what you need next"; "..., which is why I wrote"), as
    ``requests`` reads it."""
    for sentence in _SENTENCES.findall(VALUE.sub(" ", text)):
        if sentence.rstrip().endswith("?") or QUESTION.search(sentence):
            return True
        if any(found.group(0).lower() not in _WH_WORDS for found in REQUEST.finditer(sentence)):
            return True
    return False


def asks(text: str) -> bool:
    """Is the message a question ("can I switch?", "how do I ...")?"""
    return "?" in text or QUESTION.search(text) is not None


def directs(text: str) -> bool:
    """Does the message tell the agent to act ("pls put me on plus", "can you move me to basic?"), rather than ask
    about it ("what's the difference between plus and pro?") or muse about it ("thinking of moving to plus")?"""
    return QUESTION.search(text) is None and HEDGE.search(text) is None


def says_yes(text: str) -> bool:
    """Does the text say yes outright ("go ahead", "yes please"), not an "ok" that may only acknowledge?"""
    return EXPLICIT_YES.search(text) is not None


def follows_up(text: str, additive: bool = True) -> bool:
    """An elliptical follow-up: "and the X?", "what about my Y", "the same for Z", "the other one", "check mine", or a
    remark about it ("this is the blender I returned") — the last request again, about the record it describes. An
    acknowledgement may open it ("fair enough. what about mine then?"). ``additive``: "could I have May's too?"
    counts as well."""
    rest = _ACK_LEAD.sub("", text, count=1)
    return bool(ELLIPSIS.search(text) or ELLIPSIS.search(rest) or SAME_FOR.search(rest) or OTHER.search(text)
                or OWN.search(text) or ABOUT_IT.search(text) or (additive and ADDITIVE.search(text)))
