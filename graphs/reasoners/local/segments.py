"""Which clauses of a message carry a request, and which only tell the story around it.

Customers wrap a request in backstory ("my grandson starts university in the autumn", "I bought it after a video
on YouTube"): a clause like that is often confidently some intent on its own, and read as a second request it
adds work nobody asked for. A clause carries a request when it asks (a question, "can you", "please"), wants or
needs something, names an action the customer wants done, or reports a problem (a negation, something broken,
missing, wrong, doubled). Only such clauses may add an intent beside the whole message's own
(``IntentModel.detect_many``). Measured on the first messages of the project's and the blind dev scenarios
(dev, dev3): intents nobody asked for 43 → 30 and 44 → 33, expected intents missed 22 → 22 and 17 → 18.

Of the clauses that carry a request, those that *ask* (``asks``: a question, "can you", "please", "I want / I'd
like / I need", an imperative at the clause's start) say what the customer wants done; a reported problem ("it
won't power on") or a pasted email, receipt or order page only explains it. ``ask_pieces`` cuts a message finer
than ``split_clauses`` (also at colons and "but", with no least length: "Cancel it.") and keeps the
asking pieces; ``IntentModel.detect_many`` lets them name the main intent when the whole message, diluted by the
story around the ask, is less sure of its own.

A conditional sentence is read by its parts (``conditional``): the *protasis* ("if I return it", "what if I sent
them back", "I'm thinking of cancelling the phone") and the *apodosis* that carries the sentence's speech act
("how long until I see the money back?", "just put it back on my card"). The whole question ("if I cancel order
N, is there a fee?") asks about policy; the protasis, when the customer is its subject and it acts on something
of theirs (not "a", "any", "something": a general policy question), names an action they contemplate
(``contemplated``), which ``IntentModel.detect_many`` adds as a second request beside the policy question, never
in its place. An apodosis that orders something ("if not, just put it back on my card") asks as an imperative
does (``asks``), and is read without its condition.
"""

from __future__ import annotations

import re

_REQUESTING = re.compile(
    r"\?|\b(can|could|would|will|won't|can't|cannot|couldn't) (you|u|i|we|someone|somebody)\b|"
    r"\b(please|pls|plz|kindly|rather|prefer|how|what|where|when|why|which|who|also|another)\b|"
    r"\b(is|are) there\b|\b(is|isn't|was) (that|this|it) (right|true|correct|so)\b|"
    r"\b(do|does|did) (you|it|i|we)\b|\b(have|has) to\b|\b(must|should|supposed|way to|any)\b|"
    r"\b(want|wanna|need|like to|help|fix|sort|refund|cancel|return|send|change|switch|stop|remove|track|"
    r"update|reset|close|delete|merge|move|swap|exchange|check|tell|give|take|get|subscribe|unsubscribe|sign|opt|"
    r"add|put|let|show|upgrade|downgrade|renew|activate|deactivate|apply|confirm|verify|redirect|replace|repair)\b|"
    r"n't\b|\b(not|no|never|nothing|broken|wrong|missing|twice|again|still|damaged|dented|crushed|cracked|"
    r"scratched|faulty|defective|late|lost|stolen|leaking|dead|offline|disconnect\w*)\b|"
    # a fault that keeps coming back: "keeps dropping out", "loses its connection", "stopped working"
    r"\b(keeps?|kept)\s+(dropping|disconnecting|crashing|freezing|restarting|rebooting|cutting|turning|switching|"
    r"losing|failing|beeping|flickering)\b|\b(los(es|ing)|lost)\s+(its|the|my|their)?\s*(connection|signal|pairing)\b|"
    r"\b(stopped|stops)\s+(working|charging|connecting|responding)\b",
    re.IGNORECASE,
)


# Where one request may end and another begin: a sentence end, a connective ("also", "plus", "oh and"), or "and"
# before anything but a noun phrase's determiner or number ("the keyboard and a mouse" is one request; "return the
# tablet and has 10877 shipped?" is two). A piece shorter than three words is no request of its own.
_CONNECTIVES = "and also|also|and then|oh and|another thing|besides that|on top of that|as well as"
_AND_NOT_NOUN = r",?\s+and\s+(?!(?:a|an|some|any|one|two|three|four|five|both|all|each|another|other|more|\d)\b)"
# "plus" joins two requests, unless it is a name ("move me to Plus", "the plus plan", "Plus is plenty"): after a
# preposition or determiner, or before a verb or the noun it names.
_PLUS = (r"(?<!\bto)(?<!\bon)(?<!\bonto)(?<!\binto)(?<!\bfrom)(?<!\bthe)(?<!\bmy)(?<!\bor)(?<!\band)(?<!\bwith)"
         r"\s*,?\s+plus\s+(?!(?:is|was|would|will|does|has|costs?|plan|membership|tier|subscription|member)\b)")
# A list written into a message: "(a) … (b) …", "1) … 2) …", "1. … 2. …", "• … • …".
# A number with a full stop is an item only after a sentence's end ("I need 2. Thanks" keeps its quantity).
_LIST_MARK = (r"(?:(?:\s+|(?<=\s)|^)(?:\(?(?:[1-9]|[a-eA-E])\)|[•*]+)|(?:(?<=[.!?:;]\s)|^)[1-9]\.(?=\s+[A-Za-z]))"
              r"\s+")
_CLAUSE_SPLIT = re.compile(rf"(?:{_LIST_MARK}|"
                           rf"[.!?;]+\s+|\s*\n+\s*|\s*,?\s+(?:{_CONNECTIVES})\s+|{_PLUS}|{_AND_NOT_NOUN})",
                           re.IGNORECASE)

# A sentence typed without the mark that ends the one before it ("…missing a keycap Rather than …", "…the
# laptop can I send it back"): a capitalised word that only starts sentences after a lower-case word, or a
# question's inverted start ("can I", "could you") after a word that does not lead into it ("how long can I",
# "so could you", "if you can"). A name or a product ("my Studio headphones", "the Volt laptop") is no start.
_STARTERS = ("what", "where", "where's", "when", "why", "how", "which", "who", "can", "could", "would", "will", "is",
             "are", "do", "does", "did", "please", "also", "but", "so", "rather", "anyway", "actually", "then",
             "if", "oh", "sorry", "thanks", "thank", "it", "it's", "this", "that", "they", "we", "you", "my", "the",
             "just", "not", "no", "yes", "never", "what's", "how's")
_CAPITAL_START = re.compile(r"(?<=[a-z0-9])[ \t]+(?=(?:" + "|".join(w.capitalize() for w in _STARTERS)
                            + r")(?![\w'’]))")
_INVERTED_START = re.compile(r"(?<=[a-z])[ \t]+(?=(?:can|could|would|will|may)\s+(?:i|you|u|we|someone|somebody)\b)",
                             re.IGNORECASE)
_LEADS_IN = frozenset(("what", "where", "when", "why", "how", "which", "who", "whom", "long", "much", "many", "soon",
                       "and", "or", "but", "so", "if", "that", "then", "whether", "else", "also", "please", "ok",
                       "okay", "hi", "hello", "hey", "well", "quickly", "fast", "far", "often", "as"))


def sentence_starts(text: str) -> str:
    """``text`` with a line break where a sentence starts that was typed without the mark ending the one before
    (see ``_STARTERS``): the clause split then cuts there as at a full stop."""
    text = _CAPITAL_START.sub("\n", text)

    def cut(match: re.Match[str]) -> str:
        before = text[:match.start()].split()
        return match.group() if before and before[-1].lower() in _LEADS_IN else "\n"

    return _INVERTED_START.sub(cut, text)


def bare(piece: str) -> str:
    """A clause or piece without its closing punctuation (a question keeps its mark): how the two are matched."""
    return piece.rstrip(".!;:, ")


def split_clauses(text: str) -> list[str]:
    """The clauses of a message that may each carry an intent; empty when it is a single clause."""
    clauses = [speech_act(c.strip()) for c in _CLAUSE_SPLIT.split(sentence_starts(text))
               if c and (len(c.split()) >= 3 or _ACTS_ON_RECORD.match(c.strip()))]
    return clauses if len(clauses) > 1 else []


# Two words that are a request of their own: an action and the record it is for ("cancel 13010", "track #18102").
_ACTS_ON_RECORD = re.compile(r"^[a-z]+\s+#?(?:\d{5,6}|[a-z]{2,4}-\d+)[.!?]*$", re.IGNORECASE)

# An imperative at the piece's start, after a word or two that only soften or frame it ("honestly just swap them",
# "only remove the mouse", "ok then cancel it").
_ORDERING = (r"^(?:(?:just|only|pls|please|now|then|so|ok|okay|tbh|instead|\w+ly)\s*,?\s+){0,2}"
             r"(cancel|refund|return|send|change|switch|move|put|take|give|stop|"
             r"remove|drop|track|update|reset|close|delete|merge|fix|sort|process|push|execute|issue|connect|get|make|tell|"
             r"show|find|check|swap|exchange|upgrade|downgrade|unsubscribe|subscribe|sign|let|help|transfer|credit|"
             r"void|undo|redirect|trade|replace)\b")
_ASKING = re.compile(
    r"\?|\b(can|could|would|will|may) (you|u|i|we|someone|somebody|it|they|this)\b|\b(please|pls|plz|kindly)\b|"
    r"\b(i|we|i'd|id|i'm|im|we'd)\s+(really\s+|just\s+|would\s+|only\s+|still\s+)?(want|wanted|wanna|need|needed|like|"
    r"would like|'d like|would love|wish|demand|expect|prefer|rather|am asking|asking|looking to|hoping|was hoping|"
    r"hope|was wondering|were wondering|were hoping|am wondering|wondered)\b|\bwondering (if|whether)\b|"
    r"\b(is it possible|is possible|any way|any chance|how do i|how can i|how long|how much|where is|where's|wheres|"
    r"when will|when is|what is|what's)\b|"
    # Indirect requests: "I must ask you to …", "I'd be grateful if …", "a refund would be nice".
    r"\b(ask|asking|beg|request|requesting) (you|that you)\b|\b(grateful|appreciate it|appreciated|thankful) if\b|"
    r"\bwould be (nice|great|good|lovely|ideal|appreciated|helpful|perfect|wonderful|brilliant|amazing)\b|"
    + _ORDERING,
    re.IGNORECASE,
)
# Finer than the router's clause split: after sentence ends and colons (a question keeps its mark), line breaks
# where a text keeps them (triage; a conversation's messages arrive with whitespace collapsed), "but" and the
# connectives; no least length. Not at a spaced dash: it cuts asides ("the TV - the big one - …") and conditions
# ("say I switched to Plus mid-month — is the rest refunded?") from what they belong to.
_PIECE_SPLIT = re.compile(rf"(?:{_LIST_MARK}|"
                          rf"(?<=[.!?;:])\s+|\s*\n+\s*|\s*,?\s+(?:{_CONNECTIVES}|but)\s+|{_PLUS}|{_AND_NOT_NOUN})",
                          re.IGNORECASE)


# A conditional sentence: the condition first ("if …, …", "what if …, …", "suppose …, …", "if not, …"), cut at
# its first comma; or the condition last ("…, if I send it back?").
_CONDITION_FIRST = re.compile(r"^(?:(?:and|so|but|ok|okay|also)\s+)?(?:what if|even if|if|suppose|supposing|say)\s+"
                              r"(?P<condition>[^,?]{1,120}?)\s*,\s*(?P<main>\S.*)$", re.IGNORECASE)
_CONDITION_LAST = re.compile(r"^(?P<main>.*\S)\s*,?\s+(?:if|once|when)\s+(?P<condition>(?:i|we)\b[^,?]{1,120}?)\?$",
                             re.IGNORECASE)
# The customer says the question is only a question: "hypothetically", "in theory", "just curious".
_ONLY_ASKING = re.compile(r"\b(hypothetically|hypothetical|in theory|theoretically|just curious|out of curiosity|"
                          r"for future reference|in general|generally)\b", re.IGNORECASE)
# An action the customer weighs: "I'm thinking of cancelling …", "considering returning …".
_WEIGHING = re.compile(r"\b(?:thinking|thought|think) (?:of|about)\s+(?P<action>\w+ing\b[^,.;?!]*)|"
                       r"\b(?:considering|debating|planning on)\s+(?P<action2>\w+ing\b[^,.;?!]*)", re.IGNORECASE)
# The customer as the subject of the condition ("I return it", "we cancelled the order") ...
_FIRST_PERSON = re.compile(r"^(?:i|we)\b", re.IGNORECASE)
# ... acting on something indefinite: a question about policy in general, not about their own order.
_INDEFINITE = re.compile(r"^(?:i|we)\s+(?:\w+\s+){1,3}?(?:a|an|any|some|something|anything|stuff|things)\b",
                         re.IGNORECASE)
_IMPERATIVE = re.compile(_ORDERING, re.IGNORECASE)


def conditional(piece: str) -> tuple[str, str] | None:
    """``(condition, main clause)`` of a conditional piece (see the module's docstring), else None."""
    found = _CONDITION_FIRST.match(piece.strip()) or _CONDITION_LAST.match(piece.strip())
    return (found["condition"].strip(), found["main"].strip()) if found else None


def contemplated(text: str) -> list[str]:
    """The actions a message weighs on the customer's own things: the conditions of its conditional pieces whose
    subject is the customer ("if I return it, …" → "I return it") and what they are thinking of doing; not a
    condition on something indefinite ("if I return something late, …": a policy question only), and none when
    the customer says they are only asking ("hypothetically, …")."""
    found: list[str] = []
    if _ONLY_ASKING.search(text):
        return found
    for piece in _PIECE_SPLIT.split(text):
        if not piece or not piece.strip():
            continue
        parts = conditional(piece)
        if parts and _FIRST_PERSON.match(parts[0]) and not _INDEFINITE.match(parts[0]):
            found.append(parts[0])
        for weighed in _WEIGHING.finditer(piece):
            found.append((weighed["action"] or weighed["action2"]).strip())
    return list(dict.fromkeys(found))


# An order with a threat after it ("sort it out today or I'm cancelling", "refund it, otherwise I'll call my bank"):
# the threatened action is what happens if the order is not met, not a second request.
_THREAT = re.compile(r"^(?P<order>.*\S)\s*,?\s+(?:or(?: else)?|otherwise|else)\s+(?:i|we)(?:'ll|'m|'d| will| am| are|"
                     r" shall| would)\b.*$", re.IGNORECASE)


def speech_act(piece: str) -> str:
    """The part of a piece that carries its request: a conditional's main clause when it orders something ("if
    not, just put it back on my card" → "just put it back on my card"), an order without the threat after it
    ("fix it today or I'm cancelling" → "fix it today"), else the piece."""
    parts = conditional(piece)
    if parts and _IMPERATIVE.search(parts[1]):
        return bare(parts[1]) if not piece.rstrip().endswith("?") else parts[1]
    threat = _THREAT.match(piece)
    if threat and _IMPERATIVE.search(threat["order"]):
        return bare(threat["order"])
    return piece


def orders_in(text: str) -> bool:
    """Whether a clause of ``text`` (cut at punctuation, or at a dash that sets it off: ``_ASIDE``) opens with an
    imperative, after a softening word or two: "still dead. honestly just trade it in for the other one", "no, the
    kettle stays, only remove the toaster", "no, keep the order - just drop the lamp from it"."""
    return any(_IMPERATIVE.search(c.strip()) for piece in re.split(r"[.,;:!?]+", text) for c in _ASIDE.split(piece))


def asks(piece: str) -> bool:
    """Whether a piece of a message asks for something (see the module's docstring)."""
    return _ASKING.search(speech_act(piece.strip())) is not None


# A dash that sets a request off the story before it: "my husband has an order 77120 - if it hasn't shipped, cancel it".
_ASIDE = re.compile(r"\s[-\u2013\u2014]+\s")


def asks_in(clause: str) -> bool:
    """Whether a clause asks for something, as a whole or in the part after a dash (``_ASIDE``)."""
    return any(asks(piece) for piece in [clause, *_ASIDE.split(clause)[1:]])


# A comma splice before the customer says what they want: "please look into my subscription, we need the family tier";
# and the reason a want follows from ("money is tight this month so I'd like the $40 back"): the story before "so"
# asks nothing, and read with the want it dilutes it.
_WANT = (r"(?:(?:i|we)\s+(?:really\s+|just\s+|only\s+)?(?:want|need|would like)\b|"
         r"(?:i'd|we'd|id)\s+(?:really\s+|just\s+)?(?:like|want)\b)")
_WANT_AFTER_COMMA = re.compile(rf"(?:,|,?\s+(?:and\s+)?so)\s+(?={_WANT})", re.IGNORECASE)


# A want or a need whose verb governs two objects joined by "and", the second with no verb of its own: "I need that
# stopped and the account closed", "we want the order cancelled and our money back". The second conjunct asks as the
# first does, though cut from the verb it reads as a bare noun phrase.
_GAPPED = re.compile(r"\b(?:i|we)(?:['’]d\s+like|\s+would\s+like|\s+(?:really\s+|just\s+|also\s+)?(?:need|want))"
                     r"\s+[^.?!;]{1,80}?,?\s+and\s+(?P<second>(?:the|my|our|her|his|their|this|that|your)\s+[^.?!;,]{1,60})",
                     re.IGNORECASE)
_FINITE = re.compile(r"\b(is|was|were|are|am|has|have|had|did|does|do|will|would|can|could|should|may|might|got|gets|"
                     r"keeps?|seems?|looks?|arrived|came|broke|works?|worked|said|says|told)\b|n't\b|'s\b",
                     re.IGNORECASE)


def gapped_asks(text: str) -> set[str]:
    """The conjuncts of a message that ask through a want or need stated before them (``_GAPPED``), bare."""
    return {bare(found["second"].strip()) for found in _GAPPED.finditer(text)
            if not _FINITE.search(found["second"])}


def ask_pieces(text: str) -> list[str]:
    """The pieces of a message that ask for something, each by the part that asks (``speech_act``); empty when
    the message is one piece."""
    pieces = [speech_act(q.strip()) for p in _PIECE_SPLIT.split(sentence_starts(text)) if p and p.strip()
              for q in _WANT_AFTER_COMMA.split(p) if q.strip()]
    gapped = gapped_asks(text)
    # A piece ends as the router's clauses do (a question keeps its mark), so a clause that asks is scored once.
    return [bare(p) for p in pieces if asks(p) or bare(p) in gapped] if len(pieces) > 1 else []


def carries_request(clause: str) -> bool:
    """Whether the clause asks for something or reports a problem (see the module's docstring)."""
    return _REQUESTING.search(clause) is not None


# A yes/no question about the shop itself ("are you …?", "do you …?", "is your …?", "is there …?"): its subject is
# the shop or what is to be found there, with nothing of the customer's own ("I", "my") and nothing that points back
# at the rest of the message ("it", "this", "they"). Such a question stands on its own beside a request; a question
# that leans on the message ("what do I do?", "is that normal?", "any ideas?") only elaborates on it, whatever a
# router makes of its few words alone.
_ABOUT_THE_SHOP = re.compile(r"^(?:(?:also|and|oh|but|so|btw|by the way|random(?:ly)?|one more thing|another thing|"
                             r"last thing|unrelated|separately)\s*[,:-]?\s+)*(?:are|is|do|does|have|has)\s+"
                             r"(?:you|u|y'all|your|there)\b[^?]*\?$", re.IGNORECASE)
ASIDE_WORDS = 4  # "are you serious?" is no question about the shop
_LEANS_ELSEWHERE = re.compile(r"\b(?:i|i'm|im|i've|i'd|i'll|me|my|mine|we|we're|our|us|it|its|it's|this|that|these|"
                              r"those|they|them|their|he|she|him|her|his|one|ones)\b", re.IGNORECASE)


def about_the_shop(piece: str) -> bool:
    """Whether a piece is a yes/no question about the shop itself that stands on its own (see ``_ABOUT_THE_SHOP``)."""
    piece = piece.strip()
    return (len(piece.split()) >= ASIDE_WORDS and _ABOUT_THE_SHOP.match(piece) is not None
            and _LEANS_ELSEWHERE.search(piece) is None)

