"""Negation scope: what a customer says they do not want, read so that no reader takes it as asked for.

Customers name what they refuse as plainly as what they want ("don't close the account, only stop the mails",
"no need to send anyone out", "I'm not after a manager"). A reader that finds requested actions by their words
(the intent router, the hand-off cues) must not count a word its clause refuses. A negator refuses a word when its
scope reaches it: the negator, then at most a verb of wanting or asking ("want", "need", "asking for", "looking
to", "interested in"), then only the words of the object's phrase ("me", "it", "the order", "anything else"), then
the word. The scope is tight on purpose: "I never got my refund" and "the order was not cancelled" report what did
not happen (a verb other than a wanting one stands between, or the word is a past form after a bare "not"), and
"if you don't refund me I'll go to my bank" refuses nothing the threat says.

``refused_at`` tells whether a word found at a position is refused; ``without_refused`` takes the refused clauses
out of a message for a reader of its requests ("don't cancel it, just move the date" reads "just move the date").
"""

from __future__ import annotations

import re

# The customer's own negators of a wish. "won't", "can't", "doesn't" report what something fails to do ("the
# site won't cancel it"), "no" names what is missing ("no refund yet"): neither refuses.
_NEGATOR = (r"\b(?:don'?t|do not|never|not|no need (?:to|for)|without|rather than|instead of|except(?: for)?|"
            r"apart from|other than)")
# A verb of bringing someone in or getting something done, after the wish ("no need to send anyone", "don't want to
# get a refund").
_BRINGING = r"(?:get|have|be|being|getting|having|make|do|see|send|put|bring|call|fetch)\b"
# Only a verb of bringing someone in when no wish stands before it: "I did not get a refund" reports.
_SENDING = r"(?:send|put|bring|call|fetch)\b"
# A verb of wanting or asking between the negator and what it refuses ("not asking for", "don't need").
_WANTING = (r"(?:(?:want|wanted|need|needed|wish|mean|meant|plan|planning|intend|intending|asking|asked|ask|looking|"
            r"trying|wanting|after|interested|going|gonna|wanna|like|care|bother|expecting|requesting)\b"
            rf"(?:\s+(?:to|for|in|about|on))?(?:\s+{_BRINGING})?)")
# The words of an object's phrase: pronouns, determiners, quantifiers, and a noun or two after a determiner.
_FILLER = r"(?:me|us|it|them|this|that|these|those|any|anyone|anybody|anything|else|to|for|on|over|through|up)"
_DETERMINED = r"(?:(?:a|an|the|my|our|your|this|that|any|some)(?:\s+[\w'-]+){0,2}?)"
_SCOPE = re.compile(rf"{_NEGATOR}(?:\s+(?:{_WANTING}|{_SENDING}))?(?:\s+(?:{_FILLER}|{_DETERMINED}))*\s+$", re.I)
_BARE_NOT = re.compile(r"\bnot\s+$", re.I)
# The words that name an action a reader may take as asked for, or a person to hand over to.
ACTIONS = re.compile(
    r"\b(?:cancel\w*|refund\w*|return\w*|send\w*\s+(?:it|them|\w+)\s+back|clos(?:e|ed|es|ing)|delet\w*|remov\w*|"
    r"unsubscrib\w*|chang\w*|switch\w*|exchang\w*|swap\w*|replac\w*|upgrad\w*|downgrad\w*|disput\w*|"
    r"escalat\w*|transfer\w*|pass\w*\s+(?:me|it|this)|hand\w*\s+(?:me|it|this)\s+(?:over|on)|"
    r"agent|agents|human|person|people|manager|supervisor|representative|rep|anyone|someone|anybody|somebody)\b",
    re.I)
# Where a refused clause ends: a pause, a dash set off by spaces, or a conjunction that opens the next clause.
_CLAUSE_END = re.compile(r"[,.;:!?\n]|\s[-\u2013\u2014]\s|\b(?:and|but|so|just|only|then|because|instead)\b", re.I)
# Words left of a message below which its refused clauses stay in: a message that only refuses is read whole.
LEAST_WORDS = 3


def refused_at(text: str, start: int, word: str = "") -> bool:
    """Is the word at ``start`` in ``text`` (``word``: what was found there) in a negator's scope?"""
    before = text[:start]
    scope = _SCOPE.search(before)
    if scope is None:
        return False
    # "the order was not cancelled": a bare "not" before a past form reports what did not happen
    return not (_BARE_NOT.search(before) and re.match(r"\w+ed\b", word, re.I))


def refuses(text: str) -> bool:
    """Does ``text`` refuse an action it names ("don't refund anything yet", "no need to cancel")?"""
    return any(refused_at(text, found.start(), found.group()) for found in ACTIONS.finditer(text))


def without_refused(text: str) -> str:
    """``text`` without the clauses whose negator refuses an action named in them (``ACTIONS``), from the clause's
    start to its end. The whole text when too little else is left (``LEAST_WORDS``)."""
    cuts: list[tuple[int, int]] = []
    for found in ACTIONS.finditer(text):
        scope = _SCOPE.search(text[:found.start()])
        if scope is None or not refused_at(text, found.start(), found.group()):
            continue
        end = _CLAUSE_END.search(text, found.end())
        # the clause from its start: its subject and a "please" alone read as a request of their own
        start = max((b.end() for b in _CLAUSE_END.finditer(text, 0, scope.start())), default=0)
        cuts.append((start, end.start() if end else len(text)))
    if not cuts:
        return text
    kept, at = [], 0
    for cut_from, cut_to in sorted(cuts):
        if cut_from >= at:
            kept.append(text[at:cut_from])
        at = max(at, cut_to)
    kept.append(text[at:])
    rest = " ".join("".join(kept).split())
    return rest if len(re.findall(r"\w+", rest)) >= LEAST_WORDS else text
