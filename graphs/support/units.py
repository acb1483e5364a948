"""How many units of an order line the customer means: the count of a return or a refund.

An order line may hold several units (three cables, four bulb packs). The customer says how many in words:
"one of the three cables", "those two", "2 plugs", "all but one", "the other two", "the rest", "this one", a
unit named by its place ("the third one": one, whatever total is said beside it), or a product named in the
singular ("the missing pack" of three packs). The count is read in the sentences that ask for the return or
refund ("... only two of the three arrived. Could you refund the missing one?": the second), else in the rest of
the request. Nothing said about a count (the product in the plural, "all three", "both" of two):
every unit still there. A count never exceeds the units left on the line (``units_meant``), so no unit is given
back twice and no more than was bought.
"""

from __future__ import annotations

import re
from typing import Any

from graphs.support.utterance import REPORTED_SUBJECT

_NUMBERS = {"one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10}
_NUM = r"(\d{1,2}|" + "|".join(_NUMBERS) + r")"
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\s*\n\s*|\s[-–—]+\s")
# A sentence that asks for units back.
_ACTION = re.compile(r"\b(refund\w*|return\w*|reimburs\w*|money back|credit\w*|(send|ship|post|mail)\w* "
                     r"(\w+ ){0,4}back|take (\w+ ){0,4}back)\b", re.I)
# A past action the sentence reports ("your team refunded one before", "I was reimbursed", "I got money back for
# one"): it tells what was done and asks for nothing. A participle asks only as the wish for a state: "can they be
# refunded?", "I'd like them returned", "can I have the rest refunded?" (not "I have returned it").
# The wished thing may be named at length ("get the charger from order 20007 refunded"), but not by a clause of
# its own ("want to say I returned").
_WISHED = re.compile(r"\b(be\s+(\w+ly\s+)?|(get|have|want|need|like|getting|having)\s+(?!(already|just|also|"
                     r"previously|been|not|never|recently)\b)((?!(i|we|you|they|he|she|it)\b)\w+\s+){1,6})$", re.I)
_GOT_BACK = re.compile(r"\b(got|received|had|gotten)\s+((\w+)\s+){0,2}$", re.I)
# A contrast turns to another thing ("you refunded the case, but the power bank is faulty"): what the report
# names ends there.
_CONTRASTED = re.compile(r",?\s+\b(?:but|though|although|however|whereas|while)\b", re.I)
# A count the action takes on its own, counting nothing named ("refund one please", "send two back"), not an
# amount or a time ("refund 15 dollars", "return two weeks ago").
_BARE = re.compile(rf"\b(refund|return|reimburse|send|ship|post|mail|take)\w*\s+((me|us|just|only)\s+)?{_NUM}\b"
                   r"(?![.,]\d)(?!\s*(of|out of|more|hundred|thousand|dollars?|euros?|pounds?|bucks|cents?|days?|"
                   r"weeks?|hours?|minutes?|months?|years?|times?|percent)\b)", re.I)
# Counts that need no product word, strongest first: each is (pattern, reading of its number group).
_BUT = re.compile(rf"\b(all|every(thing| one)?)\s+(but|except( for)?|apart from|bar|minus|save)\s+{_NUM}\b", re.I)
_REST = re.compile(rf"\b(the )?(other|remaining|rest of (the|my|those|these)|last|final)\s+{_NUM}\b", re.I)
_LEFT = re.compile(r"\b(the rest|the remaining( ones)?|the others|the other ones|what(ever)?('s| is) (left|remaining)"
                   r"|remaining \w+s)\b", re.I)
# The units the customer keeps ("I only need two", "we just wanted one", "keeping one", "two are plenty"): "the
# rest" or "the extra" of the line are the units beyond them.
_KEPT = re.compile(rf"\b(?:(?:only|just)\s+(?:need(?:ed)?|want(?:ed)?|use|meant to (?:order|buy|get))|(?:need|want)"
                   rf"(?:ed)?\s+(?:only|just)|(?:keep(?:ing)?|kept)(?:\s+(?:only|just))?)\s+{_NUM}\b(?!\s*more\b)"
                   rf"|\b{_NUM}\s+((\w|-)+\s+){{0,2}}?(?:is|are|would be|will be|was|were)\s+(?:plenty|enough)\b",
                   re.I)
# The units the words ask for after a count said as kept ("I only want one of them refunded"): that count is
# the one asked for, not the one kept.
_ASKED_AFTER = re.compile(r"^[^,.;!?]*?\b(refund\w*|return\w*|reimburs\w*|back|credit\w*)\b", re.I)
# "The rest" on the kept side ("the rest are fine", "keep the rest"): not the units asked for.
_REST_KEPT = re.compile(r"^\s*(are|is|were|works?|can stay|will stay|stay)\s+(\w+\s+)?(fine|ok|okay|good|great|working|"
                        r"perfect|alright|all right|kept|staying|keepers)\b", re.I)
_KEEPS_REST = re.compile(r"\b(keep\w*|kept)\s+(\w+\s+)?$", re.I)
# A count said of the units a fault befell ("one is broken", "two arrived cracked"), at the start of a clause.
_SUBJECT = re.compile(rf"(?:^|[,:]|\b(?:and|but|as|since|because)\b)\s*{_NUM}\s+(?:of them\s+)?"
                      r"(?:is|are|was|were|has|have|had|does|do|did|doesn't|don't|didn't|won't|isn't|aren't|"
                      r"wasn't|weren't|arrived|came|stopped|died|broke|cracked|failed|never)\b", re.I)
_EXTRA = re.compile(r"\b(the|my|those|these)\s+(extra|spare|surplus|excess)( ones?| units?)?\b(?!\s+\w+\s+of)"
                    r"|\bthe extras\b", re.I)
_ALL_N = re.compile(rf"\ball\s+(of\s+)?(the\s+|my\s+|those\s+|these\s+)?{_NUM}\b", re.I)
_OF = re.compile(rf"\b{_NUM}\s+(more\s+)?(of|out of)\s+(the|my|those|these|them)\b", re.I)
_THOSE = re.compile(rf"\b(those|these|the|my|another|just|only)\s+{_NUM}\b(?!\s*(of|out of|days?|weeks?|"
                    r"hours?|minutes?|months?|years?|times?|stars?|keys?)\b)", re.I)
_ONE = re.compile(r"\b(this|that|the|another|one more|just|only)\s+((\w|-)+\s+){0,2}?(one|single one)\b"
                  r"(?!\s+(of|more)\b)", re.I)
# A unit named by its place ("the third one", "the second cable", "the last of them"): one unit, whatever total
# the sentence says beside it ("three came, I'm posting the third one back"); not a count ("the last two").
_ORDINAL = re.compile(r"\b(?:the|that|this|my)\s+(?P<place>first|second|third|fourth|fifth|sixth|1st|2nd|3rd|4th|"
                      r"5th|6th|last|final)\s+(?P<what>one|unit|item|of\b|[a-z0-9]+)", re.I)
_PLACE_WORD = r"\b(?:first|second|third|fourth|fifth|sixth|1st|2nd|3rd|4th|5th|6th|last|final)\b"
# Places listed together: "the first and the third", "the 2nd, 3rd and 4th".
_PLACE_LIST = re.compile(rf"\b(?:the|my)\s+{_PLACE_WORD}(?:\s*(?:,|,?\s*(?:and|&|plus))\s*(?:the\s+)?{_PLACE_WORD})+"
                         r"(?:\s+(?:ones?|units?|items?|of\s+(?:them|those|these)|[a-z0-9]+))?", re.I)
_PLACES = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5,
           "5th": 5, "sixth": 6, "6th": 6}
_BOTH = re.compile(r"\bboth\b", re.I)
# "both" as what the action takes ("return both", "refund them both", "send back both").
_OBJECT_BOTH = re.compile(r"\b(refund|return|reimburse|send|ship|post|mail|take)\w*\s+((me|us|them|back|please|"
                          r"just)\s+){0,2}both\b", re.I)
# "both" asked for now only: not in a past report ("I returned both last year": ``_asks``), a condition or a
# counterfactual before it in its clause ("if I return both", "I'd send both back"; "I'd like to" still wants), nor
# contradicted after it by a line the customer keeps ("... both back but I need the keyboard").
_WOULD = re.compile(r"(?:\b(?:if|unless|wish|wished|(?:would|could|might|should)(?:n'?t)? have)\b[^,.;!?]*|"
                    r"\b(?:i|we)(?:'d| would| could| might)\s+(?:\w+ly\s+|just\s+|rather\s+)?)$", re.I)
_STILL_NEEDED = re.compile(r"[^.;!?]*?\b(?:but|though|except|only)\b[^.;!?]*?\b(?:need|want|keep|keeping|use|using|"
                           r"love|like)\b", re.I)
# What the customer narrows their request to after "both" ("I was going to return both. Just refund the mouse",
# "both? no, only send the keyboard back"): the words after it ask for less than both.
_NARROWED = re.compile(r"\b(?:just|only)\s+(?:(?:refund|return|reimburse|send|ship|post|mail|take|credit)\w*\s+"
                       r"(?:(?:me|us|back)\s+)?(?:for\s+)?)?(?:the|my|that|this)\b" + REPORTED_SUBJECT, re.I)
_ANOTHER = re.compile(rf"\banother\b(?!\s+{_NUM}\b)", re.I)  # "another of my cables died"
# The words before a line's total ("one of the three cables": three is how many there are, not how many are meant).
_TOTAL = re.compile(r"\b(of|out of)\s+((the|my|those|these|all)\s+)?((\w|-)+\s+){0,2}$", re.I)
_DETERMINER = re.compile(r"\b(the|this|that|a|an|my|one|another|single)\s+((\w|-)+\s+){0,2}$", re.I)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word.lower()]


def asking(text: str) -> list[str]:
    """The sentences of ``text`` that ask for something back ("Could you refund me the missing pack?"), not those
    that tell what happened ("Plug was there, but only two of the three packs")."""
    return [s for s in _SENTENCE.split(text) if s and s.strip() and any(_asks(s, m) for m in _ACTION.finditer(s))]


def _reports_done(words: str) -> bool:
    """Do the words report an action done (paid back, returned) and ask for none?"""
    actions = list(_ACTION.finditer(words))
    return bool(actions) and not any(_asks(words, m) for m in actions)


def units_reported(text: str, name: str, left: int, lines: int = 1) -> int:
    """How many units of the line named ``name`` the words report as paid back before ("you refunded one cable
    last week", "I got one plug refunded"): units the customer does not mean again by "the rest"."""
    for sentence in (part for whole in _SENTENCE.split(text) for part in _CONTRASTED.split(whole or "")):
        if _reports_done(sentence or ""):
            count = _count(sentence, name, left, lines)
            if count is not None:
                return min(count, left)
    return 0


def _asks(sentence: str, action: re.Match[str]) -> bool:
    """Does the action word ask for something, rather than report what was done?"""
    before = sentence[:action.start()]
    if action.group().lower().startswith("money"):
        return not _GOT_BACK.search(before)
    return not re.match(r"\w+ed\b", action.group(), re.I) or _WISHED.search(before) is not None


def both_said(text: str, names: list[str]) -> bool:
    """Do the words ask for "both" of two things back, not of two units of a line ("return both", "send both of
    them back"; not "both cables", which names the line, nor "the two both work fine, return the mouse", nor a
    "both" the words then narrow: "I meant to return both. Just refund the mouse")?"""
    words = {w for name in names for w in re.findall(r"[a-z0-9]+", name.lower()) if len(w) >= 3}
    for m in _OBJECT_BOTH.finditer(text):
        if (not _asks(text, m) or _WOULD.search(text, 0, m.start()) or _STILL_NEEDED.match(text, m.end())
                or _NARROWED.search(text, m.end())):
            continue
        following = re.match(r"\s+(?:of\s+)?(?:(?:the|my|those|these)\s+)?([a-z0-9]+)", text[m.end():].lower())
        if not following or following.group(1).rstrip("s") not in {w.rstrip("s") for w in words}:
            return True
    return False


def narrowed_to(text: str) -> str:
    """The words the request last narrows itself to ("can I send both back? no, only return the mouse": "the
    mouse"), up to their sentence's end; empty when it narrows to nothing."""
    found = list(_NARROWED.finditer(text))
    if not found:
        return ""
    return re.split(r"[.;!?\n]", text[found[-1].start():], maxsplit=1)[0]


def units_left(line: dict[str, Any], field: str) -> int:
    """The units of an order line not yet returned (``field``: its quantity)."""
    return max(int(line.get(field) or 1) - int(line.get("returned") or 0), 0)


def leaves_units_out(text: str) -> bool:
    """Do the words leave out a count of units ("all but one of the plugs") rather than an item named?"""
    return _BUT.search(text) is not None


def units_meant(text: str, name: str, left: int, lines: int = 1, context: str = "") -> int | None:
    """How many of the ``left`` units of an order line named ``name`` the words ask for, or None when they say no
    count (every unit left). ``lines``: how many lines of the order the request is about; a count that names no
    product ("those two") is read only when there is one. ``context``: the words of the message around the
    request's own ``text`` that may tell which (a sentence another request of the message was read from)."""
    if left <= 1:
        return None
    asked = asking(text)
    # The sentences that ask first; when they say no count ("Please refund it too."), those of the message around
    # that ask ("... so I'm returning one. Happy for the refund to go to my card.": the request read from the
    # second), then the ones that tell which ("A second speaker of the three died.").
    around = [s for s in _SENTENCE.split(context) if s and s.strip() and s not in asked] if context else []
    # a told sentence's part that reports units paid back before ("you refunded one, but the other two died")
    # tells no count meant: those units are counted as refunded (``units_reported``)
    told = [part for s in _SENTENCE.split(context or text) if s and s.strip() and s not in asked and not asking(s)
            for part in _CONTRASTED.split(s) if part and part.strip() and not _reports_done(part)]
    asked += [s for s in around if asking(s)]
    kept = _kept(f"{context} {text}", left)
    for sentence in [*asked, *told] or [text]:
        count = _count(sentence, name, left, lines, bare=sentence in asked, kept=kept)
        if count is not None:
            return None if count >= left else max(count, 1)
    return None


def _kept(text: str, left: int) -> int | None:
    """The units the customer says they keep of the ``left`` ones ("I only need two"), when fewer than those."""
    m = _KEPT.search(text)
    if m is None or _ASKED_AFTER.match(text[m.end():]):
        return None
    count = _number(next(g for g in m.groups() if g))
    return count if count < left else None


def _count(sentence: str, name: str, left: int, lines: int, bare: bool = False,
           kept: int | None = None) -> int | None:
    words = [w for w in re.findall(r"[a-z0-9]+", name.lower()) if len(w) >= 3 and not w.isdigit()]
    but = _BUT.search(sentence)
    if but and (lines == 1 or any(re.search(rf"\b{re.escape(w)}", sentence, re.I) for w in words)):
        return left - _number(but.group(but.lastindex or 0))
    if (listed := _places_listed(sentence)) and (lines == 1 or any(re.search(rf"\b{re.escape(w)}", sentence, re.I)
                                                                  for w in words)):
        return listed  # "the first and the third are going back": a unit for each place named
    if _placed(sentence, words) and (lines == 1 or _by_name(sentence, words) is not None):
        return 1  # "two of the three are spares; the third is going back": one unit
    if lines == 1 and kept is not None and (_left_asked(sentence) or _EXTRA.search(sentence)):
        return left - kept  # "I only need two cables. Refund the rest."
    if lines == 1 and bare and (m := _BARE.search(sentence)):
        return _number(m.group(4))  # the action's own count: "needed two of the three, so I'm sending one back"
    named = _by_name(sentence, words)
    if named is not None:
        return named
    if lines > 1:
        return None
    if m := _REST.search(sentence):
        return _number(m.group(m.lastindex or 0))
    if _left_asked(sentence):
        return left
    if m := _OF.search(sentence):
        return _number(m.group(1))
    if m := _ALL_N.search(sentence):
        return _number(m.group(m.lastindex or 0))
    if _BOTH.search(sentence):
        return 2
    if _ONE.search(sentence) or _ANOTHER.search(sentence):
        return 1
    if m := _THOSE.search(sentence):
        return _number(m.group(2))
    if m := _SUBJECT.search(sentence):
        return _number(m.group(1))
    return None


def _placed(sentence: str, words: list[str]) -> bool:
    """Does the sentence name one unit by its place as what it asks for ("the third one", "the last cable", "the
    second of them")? Not a unit it says is kept ("the first one is fine", "keep the second cable"), nor when it
    says a count of the units asked for ("the last two cables, the first one works": two)."""
    if any(_taken(sentence, m) for m in _REST.finditer(sentence)):
        return False
    return any((m.group("what").lower() in ("one", "unit", "item", "of") or m.group("what").lower() in words)
               and _taken(sentence, m) for m in _ORDINAL.finditer(sentence))


def _taken(sentence: str, m: re.Match[str]) -> bool:
    """Are the units the match names asked for, not said to be kept ("... is fine", "keep ...")?"""
    return not _REST_KEPT.match(sentence[m.end():]) and not _KEEPS_REST.search(sentence[:m.start()])


def _places_listed(sentence: str) -> int:
    """How many units the sentence asks for by places listed together ("the first and the third one", "the 2nd,
    3rd and 4th cables"), when it lists more than one and does not say they are kept; else 0."""
    for m in _PLACE_LIST.finditer(sentence):
        places = {_PLACES.get(p.lower(), p.lower()) for p in re.findall(_PLACE_WORD, m.group(), re.I)}
        if len(places) > 1 and _taken(sentence, m):
            return len(places)
    return 0


def place_named(text: str) -> int | None:
    """The place of the unit the words name without naming its product ("the third is going back as well": 3), so
    that of an order's lines only one with that many units can be meant; None when they name none ("the last one"
    says no number)."""
    places = [_PLACES.get(m.group("place").lower()) for m in _ORDINAL.finditer(text)
              if m.group("what").lower() in ("one", "unit", "item", "of")]
    return next((p for p in places if p), None)


def _left_asked(sentence: str) -> bool:
    """Does the sentence ask for "the rest" of the units, not say the rest are kept ("the rest are fine")?"""
    return any(not _REST_KEPT.match(sentence[m.end():]) and not _KEEPS_REST.search(sentence[:m.start()])
               for m in _LEFT.finditer(sentence))


def _by_name(sentence: str, words: list[str]) -> int | None:
    """A count written before a word of the product's name ("two bulb packs", "2 cables"; not the total of "one of
    the three cables"), or the product named in the singular after a determiner ("the missing pack", "that
    cable"); None when the sentence says neither."""
    lowered = sentence.lower()
    for word in words:
        for m in re.finditer(rf"\b{re.escape(word)}(e?s)?\b", lowered):
            before = lowered[:m.start()]
            counted = re.search(rf"(?<![\d.,$€£])\b{_NUM}\s+((\w|-)+\s+){{0,2}}$", before, re.I)
            if counted and not _TOTAL.search(before[:counted.start()]):
                return _number(counted.group(1))
            following = re.match(r"\s*((\w|-)+)", lowered[m.end():])
            head = not following or not any(re.fullmatch(rf"{re.escape(w)}(e?s)?", following.group(1))
                                            for w in words)
            if (head and not m.group(1) and _DETERMINER.search(before) and not _TOTAL.search(before)
                    and not _REST_KEPT.match(lowered[m.end():])):  # not "the second cable is fine"
                return 1
    return None
