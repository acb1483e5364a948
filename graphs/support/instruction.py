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

A request may also ask whether rather than say what to do (``asks_whether``): that is read off the grammar of
its clauses, not a list of phrases. A clause asks when it is interrogative — it opens with an auxiliary ("is",
"can", "could", "would", "do", ... after any opener: "hi, so could ...") or a question word, or it ends with a
question mark — and its subject is the customer or impersonal ("could I ...", "is it still possible ...", "would
there be ...", "does my order ..."), not the agent: "can you cancel it?" and "could someone refund it?" are polite
instructions. A question whose subject is the agent still asks when it embeds one ("can you tell me if I can
still cancel?"), and so does an indirect question ("I was wondering whether ...").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graphs.support.utterance import ACTING, DEFERRAL, DELIBERATING, NEGATOR, SENTENCE_END, directs

# A character of the same clause: no punctuation (a dash, or a hyphen between spaces, opens another clause too), no
# conjunction opening the next clause.
_CLAUSE = r"(?:(?!\b(?:so|and|just|then|because|as)\b|\s-\s)[^,.;:!?\u2014\u2013])"
# Keeping what the action would take away: the order, the plan, "it". Keeping another item ("return the earbuds,
# I'm keeping the cable") says what the action leaves alone, and holds nothing back.
KEEPING = re.compile(r"\b(?:keep|keeping|hold on ?to|holding on ?to|hang on ?to|hanging on ?to|stick with|"
                     r"sticking with)\s+(?:it|them|that|this|everything|all of it|the lot|order\b|"
                     r"(?:the|my|our|this|that) (?:order|plan|subscription|membership))\b|\bleave (?:it|the order)\b",
                     re.I)
# A question asking the agent's opinion weighs whatever the message asks for.
OPINION = re.compile(r"\b(?:what do you think|what would you|do you think|would you recommend|hmm+)\b", re.I)
# Someone else's advice reported ("my wife says I should", "he told me to"), not the customer's own thought.
REPORTED = re.compile(
    r"(?<!\bi )(?<!\bwe )(?<!\byou )\b(?:says?|said|thinks?|wants?|told|tells|suggest\w*|reckons?|advised?)\b"
    rf"{_CLAUSE}{{0,15}}\b(?:i|we|me|us)\b", re.I)
# A contrast that qualifies what came before it ("cancel it ... but", "great, but"): also read by the yes/no
# readings (affirmation.py) and the dialogue.
CONTRAST = re.compile(r"\b(?:but|though|however|although)\b", re.I)
# "but" after a whole that it takes some of ("all but two", "everything but the case"): an exception, no contrast.
_EXCEPTING = re.compile(r"\b(?:all|every(?:thing| one)?|any(?:thing| one)?|none|nothing)\s+$", re.I)
# Interrogative clauses (``asks_whether``). A clause opens after punctuation or a line break; its openers are
# greetings, discourse markers and conjunctions ("hi, so could I", "and is it").
# An amount's decimal point ends no sentence ("how come $24.95 left my account two times?" is one question, not a
# statement and a rising "95 left my account two times?").
_SENTENCES = re.compile(r"(?:[^.;!?\n]|\.(?=\d))+[.;!?\n]*")
_CLAUSE_BREAK = re.compile(r"(?<=[,;:])\s*|\s(?=(?:and|but|or|so|then)\b)", re.I)
# Beside an instruction, a question still asks when it offers an alternative or a condition.
_ALTERNATIVE = re.compile(r"^\W*(?:or|otherwise)\b|\b(?:or (?:could|can|should|would|shall) (?:i|we)|if|unless)\b",
                          re.I)
_OPENERS = (r"(?:(?:(?:hi|hello|hey) there|good (?:morning|afternoon|evening)|hi|hello|hey|ok(?:ay)?|"
            r"alright|right|so|and|also|but|or|then|well|oh|ah|um+|uh+|hm+|just|btw|"
            r"sorry|quick question|one more thing|actually|anyway|tbh|honestly|frankly|to be honest|look|listen|"
            r"in that case|fine|whatever)\b[\s,!:-]*)*")
# An auxiliary opening a yes/no question. "do" and "have" open one only before a personal pronoun ("do I get my
# money back?"); before anything else they are the verb of an instruction ("do the swap", "have it sent back").
AUXILIARY = r"(?:is|are|am|was|were|can|could|may|might|would|will|shall|should|does|did|has|had)(?:n'?t)?"
_DO = r"(?:do|have)(?:n'?t)?"
QUESTION_WORD = r"(?:how|what|when|where|why|which|who)(?:'?s|'?re|'?d|'?ll)?"
# Who the agent is: a question whose subject this is asks the agent to act.
AGENT = r"(?:you|u|ya|y'all|someone|somebody|anyone|anybody|one of you|your (?:team|colleagues|staff|people))"
# A subject of the customer's or an impersonal one: a pronoun, or a noun phrase opened by a determiner.
_SUBJECT = r"(?:i|we|it|there|this|that|these|those|they|he|she|one|my|our|the|his|her|their|a|an|any|me)"
_PERSON = r"(?:i|we|they|he|she)"
_INTERROGATIVE = re.compile(
    rf"^\W*{_OPENERS}(?:{QUESTION_WORD}(?! about\b)\s+(?:\w+\s+){{0,3}}?)?"
    rf"(?:{AUXILIARY}\s+(?:not\s+)?(?P<subject>{AGENT}|{_SUBJECT})|{_DO}\s+(?:not\s+)?(?P<person>{AGENT}|{_PERSON}))\b",
    re.I)
# A question opened by "what" or "how" needs no question mark ("what happens if I cancel", "how long does it
# take"); "when", "where" and the rest also open clauses that are none ("when you get a chance, refund it").
_WH_OPENING = re.compile(rf"^\W*{_OPENERS}(?:what|how)(?:'?s)?\b(?! about\b)", re.I)
_AGENT_ASKED = re.compile(rf"\b(?:{AUXILIARY}|{_DO})\s+(?:not\s+)?{AGENT}\b|^\W*{_OPENERS}{AGENT}\b|"
                          r"\b(?:please|pls|plz)\b", re.I)
# A question asking to be given something names the agent as the one who acts without saying "you": "could I get
# a refund for the cable?", "may I have my money back?", "can I get it refunded?", "can the second charge be
# refunded?", "could I get the other payment back?". It asks whether
# only with a condition or an open possibility in it ("can I get a refund if ...?", "can it still be refunded?").
_GIVEN = re.compile(
    rf"^\W*{_OPENERS}(?:can|could|may)\s+(?:(?:i|we)\s+(?:please\s+|just\s+|now\s+|(?!still\b)\w+ly\s+)?(?:get|have|receive)\s+(?:a|my|our|the|some)\s+"
    r"(?:\w+\s+)?(?:refund|money|credit)\b|(?:i|we)\s+(?:just\s+)?(?:get|have)\s+(?:it|that|this|them|those|these|"
    r"(?:the|my|our)\s+(?:\w+\s+){0,2}?\w+)\s+(?:\w+ed|back)\b|(?:the|this|that|my|our)\s+(?:\w+\s+){0,3}?be\s+\w+ed\b)"
    r"(?![^.?!]*\b(?:if|whether|unless|still|possible|in case)\b)", re.I)
# A question embedded in another clause: "I was wondering whether", "can you tell me if", "I'd like to know if".
_EMBEDDED = re.compile(r"\b(?:wonder(?:ing|ed)?|know|tell me|asking|curious|clarify|find out|any (?:chance|way))\b"
                       r"[^.?!]{0,25}?\b(?:if|whether)\s+(?:i|we|my|our|it|there|this|that|the|a|an)\b", re.I)
# A clause that tells the agent to act: an imperative, or the customer's want ("cancel it", "please refund the
# cable", "I'd like my money back"). Beside one, a question for information ("how long will it take?") asks
# about the instruction, not whether to give it.
_INSTRUCTS = re.compile(
    rf"^\W*{_OPENERS}(?:please\s+|pls\s+|just\s+)*(?:cancel|refund|return|send|ship|switch|move|change|put|take|"
    r"make|give|process|issue|credit|swap|exchange|trade|replace|go ahead|proceed|sort|update|remove|drop|add|book)\b|"
    # (the progressive "I'm wanting to return it" wants as much as "I want to")
    r"\b(?:please|pls|plz|(?:i|we)(?:'?m|'?re| am| are)? (?:want|need)(?:ing)?|i'?d like|i would like|we'?d like)\b|"
    # the customer's own act declared ("I'm disputing it", "we are formally disputing this charge")
    r"\b(?:i'?m|i am|we'?re|we are)\s+(?:hereby\s+|formally\s+|officially\s+)?(?:disputing|cancelling|canceling)\s+"
    r"(?:it|this|that|them|the|my|our)\b", re.I)
# Weighing the action rather than deciding it (kept from the phrases read before this grammar).
_WEIGHING = re.compile(r"\b(?:what if|worth it|thinking (?:of|about)|considering)\b", re.I)


def asks_whether(text: str, verb: str = "", context: str = "") -> bool:
    """Does the customer ask whether something can be done, or weigh it ("could I move to pro?", "is it still
    possible to cancel it if ...?", "what happens if I cancel?"), rather than ask for it ("move me to pro", "can
    you put me on the free one?")? Read per sentence and clause (see the module's docstring). Beside an instruction
    ("I'd like to return them. today's my last day?") — one naming the action (``verb``, e.g. "return"), in the
    text or the message around it (``context``) — only a question offering an alternative or a condition still
    asks ("cancel it, or could I just return it?")."""
    if _EMBEDDED.search(text) or _WEIGHING.search(text):
        return True
    sentences = _sentences(text)
    action = re.compile(rf"\b(?:{_verbs(verb)})", re.I) if verb else None
    every = sentences + (_sentences(context) if context else [])
    instructed = any((_INSTRUCTS.search(c) or _agent_asked(c)) and (action is None or action.search(c))
                     for clauses in every for c in clauses) or (
        action is not None and any(performs(c, verb) for clauses in every for c in clauses)
        and not any(_asks_about(clauses, action) for clauses in sentences))
    for clauses in sentences:
        whole = " ".join(clauses)
        if instructed and not _ALTERNATIVE.search(whole):
            continue
        addressed = any(_agent_asked(c) for c in clauses)  # "can you check ..., and if so, refund it?"
        own = [c for c in clauses if _own_question(c)]  # "could I still cancel it?", "what happens if I cancel?"
        rising = not addressed and not any(_INTERROGATIVE.search(c) for c in clauses) and (
            whole.endswith("?") or any(_WH_OPENING.search(c) for c in clauses))  # "today's my last day?"
        if own or rising:
            return True
    return False


# The customer takes the action by saying so (a performative): "I'm disputing this", "we dispute the charge", "I
# hereby contest it". Only an objection is taken so (PERFORMED: saying "I cancel" or "I return it" does nothing),
# its verb right after the customer opening the clause, in the present: not a question ("could I
# dispute it?"), a condition ("if I dispute it"), a report of the past ("I disputed it last month") nor a denial
# ("I'm not disputing it"). Its object is the charge itself (_DISPUTED): a pronoun or a noun of money ("this", "the
# second one", "that charge", "INV-..."), not a claim ("I dispute that I ever agreed"), an open choice ("contesting
# whether ...") or nothing ("we contest nothing"). And no sentence of the message asks about the action or weighs
# another (``_asks_about``): "I dispute this. Could I open a dispute, or is it better to ...?" still asks.
PERFORMED = ("dispute", "contest", "challenge")
_PERFORMER = rf"^\W*{_OPENERS}(?:i|we)(?:'m|'re| am| are)?\s+(?:hereby\s+|formally\s+|officially\s+|now\s+)?"
_DISPUTED = re.compile(
    r"\s+(?:(?:it|this|them|these|those|that)\b(?!\s+(?:i|we|you|he|she|they|it|there|the|my|our|was|is|were|are|"
    r"had|have|did|would|should|could)\b)|(?:(?:the|this|that|these|those|my|our|your)\s+(?:\w+\s+){0,2}?)?"
    r"(?:charges?|invoices?|payments?|bills?|fees?|transactions?|renewals?|debits?|amounts?|one|ones)\b|inv-?\d+)",
    re.I)


def performs(clause: str, verb: str) -> bool:
    """Does the customer take the action ``verb`` (opening a dispute) by saying so in the clause (``PERFORMED``),
    naming the charge as what they dispute (``_DISPUTED``)?"""
    if not any(re.fullmatch(_verbs(verb, own=True), w) for w in PERFORMED):
        return False
    verbs = "|".join(_inflected(w) for w in PERFORMED)
    found = re.search(rf"{_PERFORMER}(?P<verb>{verbs})\w*", clause, re.I)
    if found is None or found.group().lower().endswith("ed"):
        return False
    return _DISPUTED.match(clause, found.end()) is not None


def _asks_about(clauses: list[str], action: re.Pattern[str]) -> bool:
    """Does the sentence ask about the action (a question naming it: "could I open a dispute?", "how do I dispute
    it?") or weigh another beside it (a question offering an alternative: "..., or is it better to ...?")?"""
    whole = " ".join(clauses)
    question = whole.rstrip().endswith("?") or any(_INTERROGATIVE.search(c) or _WH_OPENING.search(c) for c in clauses)
    return question and (action.search(whole) is not None or _ALTERNATIVE.search(whole) is not None
                         or any(re.match(r"\W*(?:or|otherwise)\b", c, re.I) for c in clauses[1:]))


def _sentences(text: str) -> list[list[str]]:
    """The text's sentences, each as its clauses (split at punctuation and before a conjunction, which stays with
    the clause it opens: "cancel it, or could I ...", "return the hub and could I ...")."""
    return [[c.strip() for c in _CLAUSE_BREAK.split(s.group(0)) if c.strip()] for s in _SENTENCES.finditer(text)]


def _own_question(clause: str) -> bool:
    """Is the clause a question whose subject is the customer or impersonal, not one asking to be given
    something ("could I get a refund for it?")?"""
    found = _INTERROGATIVE.search(clause)
    return found is not None and _GIVEN.search(clause) is None and not re.fullmatch(
        AGENT, found["subject"] or found["person"], re.I)


def _agent_asked(clause: str) -> bool:
    """Does the clause ask the agent to act ("can you cancel it?", "could someone refund it", "... please?"), or
    ask to be given something ("could I get a refund for the cable?", "can the extra charge be refunded?")?"""
    found = _INTERROGATIVE.search(clause)
    return _AGENT_ASKED.search(clause) is not None or _GIVEN.search(clause) is not None or (
        found is not None and re.fullmatch(AGENT, found["subject"] or found["person"], re.I) is not None)


# Words for the action beside the tool's own verb (tools.base.SupportTool.action: "cancel_order": cancel,
# open_billing_dispute: dispute), and for any action.
# A refund is also the money wanted back, named or as a pronoun: "I want it back", "give me the 49.00 back", "put
# the second charge back" (dev13: a refund told so was read as naming no action, and a "might" in a question beside
# it held it back).
SYNONYMS = {"change": ("switch", "move", "upgrade", "downgrade"),
            "refund": ("money back", r"(?:want|need|get|give|have|pay|put)(?: me| us)? (?:it|that|this|them|those|"
                                     r"(?:my|the|our|this|that) (?:\S+ ){0,2}?\S+) back\b"),
            "exchange": ("swap", "trade", "switch", "replace"),
            "return": (r"(?:send|ship|post|mail|take) (?:\w+ ){0,3}?back",)}
ANY_ACTION = ("go ahead", "do it", "do that", "proceed")
# Actions that take nothing away from the customer: keeping the goods does not hold them back (a refund of money
# taken, a dispute of a charge: "the case I'm keeping; I dispute the $59.99").
TAKES_NOTHING = ("refund", "dispute")


def _verbs(verb: str, own: bool = False) -> str:
    """The words for the action ``verb`` as a pattern; ``own``: only the words that name no other action of
    SYNONYMS ("switch" names a plan change and an exchange alike, so it tells neither apart)."""
    synonyms = SYNONYMS.get(verb, ())
    if own:
        others = {w for key, words in SYNONYMS.items() if key != verb for w in (key, *words)}
        synonyms = tuple(w for w in synonyms if w not in others)
    words = {re.escape(verb), *synonyms, *ANY_ACTION} if verb else set(ANY_ACTION)
    return "|".join(_inflected(w) for w in sorted(words, key=len, reverse=True))


def _inflected(word: str) -> str:
    """A verb with its inflections: "dispute" matches disputes, disputed and disputing (the pattern is open at its
    end, so "cancel" already takes cancelled and cancels; a final e drops before -ing)."""
    return f"{word[:-1]}(?:e|ing)" if re.fullmatch(r"[a-z]+e", word) else word


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
    if any(re.match(rf"{_CLAUSE}{{0,30}}?\b(?:{verbs})", text[found.end():], re.I)
           for found in REPORTED.finditer(text)):
        return True  # "my son told me to cancel it", not "I did all your replies told me to do. refund it"
    named = _asked_action(text, verbs)
    if named is None and verb:
        # Weighing a request that names no action at all weighs all of it: "not sure Pro is worth it, I suppose
        # Plus would do me" asks nothing to be done yet.
        return re.search(DELIBERATING, text, re.I) is not None
    # "all but one" names what the action leaves out, it does not qualify it
    return named is not None and any(_EXCEPTING.search(text, 0, found.start()) is None
                                     for found in CONTRAST.finditer(text, named.end()))


# Who did the action before, right before its past form ("you already refunded the doorbell", "I returned one in
# May", "it was cancelled"): the words report it done; they do not ask for it.
_DONE_BY = re.compile(r"\b(?:you|we|they|i|he|she|was|were|been|have|has|had)\s+(?:(?:already|just|recently|"
                      r"previously|kindly|also)\s+)?$", re.I)


def _asked_action(text: str, verbs: str) -> re.Match[str] | None:
    """The first naming of the action that is not a report of it done before ("You already refunded the doorbell,
    thank you ... but the camera is useless. Please refund the camera": the second; the "but" after the first
    qualifies nothing asked)."""
    for found in re.finditer(rf"\b(?:{verbs})", text, re.I):
        tail = re.match(r"\w*", text[found.end():])
        word = found.group() + (tail.group() if tail else "")
        if not (word.lower().endswith("ed") and _DONE_BY.search(text[:found.start()])):
            return found
    return None


def names_action(text: str, verb: str) -> bool:
    """Does the text name the action (verb ``verb``) in its own words, whatever it says of it?"""
    return re.search(rf"\b(?:{_verbs(verb, own=True)})", text, re.I) is not None and verb != ""


def tells(text: str, verb: str, own: bool = False) -> bool:
    """Does the text tell the agent to take the action (verb ``verb``, e.g. "dispute"): a clause that
    instructs or asks for it names it ("I want to dispute it", "please open the dispute"), and nothing asks whether
    or holds it back?"""
    action = re.compile(rf"\b(?:{_verbs(verb, own)})", re.I)
    told = any((_INSTRUCTS.search(c) or _agent_asked(c)) and action.search(c) for clauses in _sentences(text)
               for c in clauses)
    return told and not asks_whether(text, verb) and not hedges_action(text, verb)


def telling_clauses(text: str, verb: str) -> list[str]:
    """The clauses that tell the agent to take the action ``verb`` ("and I'd like to dispute that $59.99 charge"),
    when the text tells it (``tells``); not the clauses beside them ("I only ever paid $9.99, so dispute it")."""
    action = re.compile(rf"\b(?:{_verbs(verb, own=True)})", re.I)
    return [c for clauses in _sentences(text) for c in clauses
            if (_INSTRUCTS.search(c) or _agent_asked(c)) and action.search(c)] if tells(text, verb, own=True) else []


def tells_value(spec: Any, text: str, customer: Any = None) -> bool:
    """Does the sentence that names the text slot's value tell the agent to act ("wait really? ok then just put
    me on the free one": the last sentence does), rather than ask or muse about it (``directs``; "could I move
    down to basic?" asks whether, as ``flows.waits_for_yes`` reads it)?"""
    pieces = [piece for piece in SENTENCE_END.split(text) if spec.named_in(piece, customer) is not None]
    if spec.named_in(text, customer) is not None and not any(asks_whether(piece) for piece in pieces):
        # "pro plan. upgrade me now": the value in one sentence, the request in the next; not when the sentence
        # naming it asks ("Can I upgrade to Pro? ... you might want to fix that listing": the other sentence's
        # instruction is no go-ahead for the plan)
        pieces.append(text)
    return any(directs(piece) and not asks_whether(piece) and (ACTING.search(piece) is not None or (
        _PREFERS.search(piece) is not None and not undecided(text)
        and spec.named_in(_SET_ASIDE.sub("", piece), customer) is not None))
        for piece in pieces)


# The customer's stated preference for a value tells it as plainly as an order ("store credit is fine, I'd prefer
# it", "I'd rather go with a gift card for it"); one not wanted ("I'd rather not") tells nothing, and neither does a
# value named only as what they do not prefer ("I prefer my money back, not a repair": _SET_ASIDE).
_PREFERS = re.compile(r"\b(?:i|we)(?:'?d| would)? (?:much |really )?(?:prefer|rather)\b(?! not\b)", re.I)
_SET_ASIDE = re.compile(r"\b(?:not|rather than|instead of)(?:\s+[\w']+){1,3}", re.I)
# A preference said on a condition or of a hypothetical ("what happens if I send it back? I'd prefer store credit
# if so") or beside doubt tells nothing yet.
_HELD_BACK = re.compile(r"\b(?:if|unless|in case|suppose|supposing|hypothetically|maybe|perhaps|not sure)\b", re.I)


def undecided(text: str) -> bool:
    """Does the text hold a decision back: a condition or hypothetical ("if so", "unless"), doubt or a deferral
    ("let me think")? A value told in it decides nothing yet."""
    return bool(_HELD_BACK.search(text) or DEFERRAL.search(text) or re.search(DELIBERATING, text, re.I))


# Words by which a question refers to the action or its object without naming it ("can you sort it?", "is it
# possible?", "anything you can do?"), or to the money it moves.
# (and the repetition a duplicate is: a question whether something happened twice is about the report itself)
_REFERS = re.compile(r"\b(?:it|them|one|ones|possible|able|anything|something|money|charges?|"
                     r"payments?|amount|extra|second|duplicate|back|twice|double[ds]?|again|same|two|both)\b", re.I)


# A question that takes what it asks about as given ("why have you charged me twice?", "how come ..."): a complaint
# that tells what happened.
_PRESUPPOSING = re.compile(rf"^\W*{_OPENERS}(?:why|how come)\b", re.I)


def asides_out(text: str, verb: str, reports: Callable[[str], bool] = lambda _: False) -> str:
    """The text without its questions that neither name the action ``verb`` nor refer to it or its money, nor ask
    about the problem itself (``reports``: "was I charged twice?"): a report with a worry beside it ("charged twice
    for my bulbs. Should I be worried someone has my card details?") asks nothing about the refund that puts the
    report right (``flows.waits_for_yes``, for a step ``reported_by``). Nor does the report asked as a complaint
    ("how come you took it twice??"): it tells the problem, it asks nothing about what puts it right."""
    action = re.compile(rf"\b(?:{_verbs(verb)})", re.I)
    return "".join(s.group(0) for s in _SENTENCES.finditer(text)
                   if not s.group(0).rstrip().endswith("?") or action.search(s.group(0)) or (
                       (_REFERS.search(s.group(0)) or reports(s.group(0)))
                       and not (reports(s.group(0)) and _PRESUPPOSING.search(s.group(0)))))
