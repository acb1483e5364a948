"""The dialogue act of a customer's reply, read against what the agent just asked (``dialogue.asked_of``).

- ``answer``: it gives what was asked ("60614" after the zip was asked);
- ``confirm`` / ``deny``: a yes or a no to a pending confirmation (a no with nothing pending drops the request);
- ``correct``: it replaces something given before ("oops, 60615", "no wait, the other card: 7314", "no, the
  other one"); after a failed identity check it is a new attempt;
- ``close``: thanks, goodbye or a bare acknowledgement without a request of its own ("alright I'll try that,
  cheers"); it opens no intent;
- ``smalltalk``: a greeting only;
- ``new_request``: anything else — the router's intents decide, and a request with its own evidence replaces
  the flow in progress even when it also gives what was asked (an earlier turn's intents never stick to it).

An entity alone is never a request: what is left of the message once the values and their cue words are taken
out must carry the request's words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from graphs.reasoners.local.entities import Entities
from graphs.reasoners.local.negation import refuses
from graphs.reasoners.local.segments import orders_in
from graphs.support.affirmation import ACK_OPENER, narrows
from graphs.support.choices import chosen_option
from graphs.support.dialogue import NEW_REQUEST_CONFIDENCE, supplied
from graphs.support.flows import get_flow, money_at_stake
from graphs.support.instruction import CONTRAST
from graphs.support.state import Asked, DialogueAct, DialogueState, IntentGuess
from graphs.support.utterance import (
    ABOUT_IT,
    ACK_WORDS,
    ACTING,
    CORRECTION,
    DESCRIBING,
    ELLIPSIS,
    EXPLICIT_YES,
    GO_AHEAD_WORDS,
    GREETING,
    MORE,
    OTHER,
    QUESTION,
    THANKS,
    TRAILING_FILLER,
    WITHDRAW,
    asks,
    core_of,
    follows_up,
    requests,
    requests_in_sentence,
    residual,
    says_yes,
)

# Thanks in a longer message, or followed by "but", introduce something else ("I appreciate that, but ...").
CLOSING_MAX_WORDS = 15


def read_act(text: str, asked: Asked, entities: Entities, affirmation: Literal["yes", "no"] | None,
             top: IntentGuess | None, flow_intents: Sequence[str], done_intents: Sequence[str] = (),
             amends: Sequence[str] = (), restatable: Sequence[str] | None = None,
             fresh: Entities | None = None, after_question: bool = False,
             retells: Sequence[str] = (), narrower: bool = True, told: str | None = None,
             replaces: bool = False) -> DialogueState:
    """The dialogue act of the customer's reply, read against what was asked (see the module's docstring).

    ``flow_intents`` are the intents of the flow in progress, ``done_intents`` those of the flow just finished,
    ``amends`` the finished flow's slots this reply's values would replace (``amendable``), ``restatable`` the flow's
    intents the customer's own words asked for (``asked_for``; all of ``flow_intents`` when not given): restating
    one of those answers a pending confirmation, restating an intent only a model read into the request does not;
    ``fresh`` the reply's values the conversation does not hold yet (``unheard``; all of ``entities`` when not
    given): a restatement may repeat a value on record, not bring a new one; ``after_question``: the customer's
    previous message was a question (asking about a request, then asking for it, is a decision); ``retells`` the
    text slots of the request finished or awaiting a yes that the reply gives another value (``retold``);
    ``narrower``: a yes that names only some things ("yes, just the cable") names fewer than the offer waiting for
    it takes in (``offers_more``), so it is no yes to that offer; ``told`` the pending request whose offered action
    the reply tells in the action's words, beside others offered ("cancel it, I'll think about the refund"): it
    confirms that request's steps only."""
    fresh = entities if fresh is None else fresh
    gives = supplied(asked, entities)
    rest = residual(text)
    request = requests(text)
    words = re.findall(r"[a-z']+", text.lower())
    cues: list[str] = []
    # A request with evidence of its own: request words beyond the values, and the router sure of a new topic.
    # Beside an answer to what was asked, a sentence of the reply asks or requests: a remark around the answer ("it's
    # n.x@mail.com. I don't remember its password, if that's what you need") gives, and asks nothing.
    new_topic = (top is not None and top["confidence"] >= NEW_REQUEST_CONFIDENCE and top["intent"] not in flow_intents
                 and top["intent"] != "out_of_scope" and len(rest.split()) >= 2 and request
                 and (not gives or requests_in_sentence(text)))

    def state(act: DialogueAct) -> DialogueState:
        return {"asked": asked, "known": [], "act": act, "supplies": gives, "cues": cues}

    chosen = chosen_option(text, asked)
    if chosen is not None:
        cues.append(f"picks {chosen} of the options offered")
        return {**state("answer"), "chosen": chosen}

    if retells and (done_intents or asked["kind"] == "confirmation"):
        # "ok then just put me on the free one" after the offer of Plus: that request, with another value
        cues.append(f"retells the request with another {', '.join(retells)}")
        return {**state("correct"), "amends": list(retells)}
    # "ok then, where is that order?" acknowledges the offer and asks something else: no yes to it
    acknowledges_only = (affirmation == "yes" and new_topic and ACK_OPENER.match(text) is not None
                         and asks(text) and EXPLICIT_YES.search(text) is None)
    if asked["kind"] == "confirmation" and affirmation == "yes" and narrows(text) and narrower:
        # "yes but only the cable": consent to less than the offer is no yes to all of it; the offer stays pending
        cues.append("a yes to less than was offered")
        return state("new_request")
    # "no, keep it. just take the mouse off" to "shall I cancel it?" turns the offer down and asks for something
    # else the router is sure of: that request is the customer's, not the no alone (the offer is dropped with it)
    declines_for_other = (affirmation == "no" and asked["kind"] == "confirmation" and top is not None
                          and top["confidence"] >= NEW_REQUEST_CONFIDENCE and top["intent"] not in flow_intents
                          and top["intent"] != "out_of_scope" and _asks_after_no(text))
    if declines_for_other:
        cues.append("turns the offer down and asks for something else")
        return state("new_request")
    if asked["kind"] == "confirmation" and affirmation is not None and not acknowledges_only:
        # "yes, please do it" is no new request
        cues.append(f"a {affirmation} to the pending confirmation")
        return state("confirm" if affirmation == "yes" else "deny")
    if asked["kind"] == "confirmation" and affirmation is None and told is not None:
        cues.append(f"tells the offered {told} action")
        return {**state("confirm"), "restates": told}
    if asked["kind"] == "confirmation" and affirmation is None and refuses(text):
        # "I haven't checked it yet. Don't refund anything for now": an action refused, to an offer, is a no
        cues.append("refuses an action (a no to the pending confirmation)")
        return state("deny")
    restatable = flow_intents if restatable is None else restatable
    if (asked["kind"] == "confirmation" and affirmation is None and top is not None and top["intent"] in restatable
            and top["confidence"] >= NEW_REQUEST_CONFIDENCE and not fresh and not QUESTION.search(text)):
        # A question about the request ("how do I upgrade?") asks; it does not decide.
        cues.append(f"restates the pending {top['intent']} request")
        return {**state("confirm"), "restates": top["intent"]}
    if (asked["kind"] == "information" and after_question and top is not None and top["intent"] in restatable
            and top["confidence"] >= NEW_REQUEST_CONFIDENCE and not asks(text) and not gives):
        # The customer asked about the request, then asks for it ("ok, switch me to pro then"): a decision is
        # progress, though the agent still needs what it asked for.
        cues.append(f"decides on the {top['intent']} request asked about")
        return {**state("new_request"), "decides": top["intent"]}
    if (asked["kind"] == "information" and after_question and flow_intents and affirmation == "yes" and not gives
            and not asks(text) and not entities and (top is None or top["intent"] in flow_intents
                                                     or top["confidence"] < NEW_REQUEST_CONFIDENCE
                                                     or top["intent"] == "out_of_scope")):
        # A bare go-ahead after a question ("ok then let's do it"): the request asked about, decided.
        cues.append(f"decides on the {flow_intents[0]} request asked about")
        return {**state("confirm"), "decides": flow_intents[0]}
    withdrawn = WITHDRAW.search(text)
    if (done_intents and not flow_intents and withdrawn and not fresh and not asks(text)
            and re.search(r"[a-z]{3,}", text[withdrawn.end():], re.I) is None):
        # "ah wait, that was my gym's direct debit, forget I asked" after the request was answered: it
        # takes back what it asked, whatever topic the router reads in the explanation before it; it opens nothing
        cues.append(f"takes back the finished request with {withdrawn.group(0)!r}")
        return state("close")
    correction = CORRECTION.search(text)
    # A follow-up's own request words would be a new topic the router is sure of ("and the mouse, can you refund
    # it?"), unless it says it means another record of the same request ("the other one") or has no verb of its
    # own ("how about mine then, the newest?": the router's guess from a few words is no request) and the request
    # finished moves no money (a question about another refund is never that refund again, nor is "the case too"
    # after a cancellation that cancellation again).
    moved_money = any(money_at_stake(i) for i in done_intents)
    follow_up = follows_up(text, additive=not moved_money) and (
        not new_topic or OTHER.search(text) is not None
        or (ACTING.search(text) is None and bool(done_intents) and not moved_money))
    # ``replaces``: the reply names a value the finished request holds beside one of its kind ("10010 rather than
    # 10003", references.named_again): it corrects that value, however sure the router is of a request of its own.
    if amends and done_intents and ((correction and not new_topic) or follow_up or replaces):
        cue = correction or OTHER.search(text) or ELLIPSIS.search(text) or ABOUT_IT.search(text)
        cues.append(f"corrects {', '.join(amends)} of the finished {' + '.join(done_intents)}"
                    + (f" with {cue.group(0)!r}" if cue else ""))
        # Only "the other one" or a correction rules out the record found last time; a follow-up that describes a
        # record ("and the wall mount?", "it's for the speaker") is found from its words, which may be that one.
        describes_it = not correction and OTHER.search(text) is None
        corrected: DialogueState = {**state("correct"), "amends": list(amends)}
        if describes_it:
            corrected["same_record"] = True
        return corrected
    if (follow_up and done_intents and not correction and not moved_money
            and all(get_flow(i).needs_verification for i in done_intents)):
        # "and January's as well?", "the same for my other account": the request about the customer's records just
        # finished, again, though no value of it is replaced (it listed, or looked up, without one); never one that
        # moves money, which a follow-up must name a record for, nor a question answered from the help centre
        # ("and the return window?" is a question of its own).
        cues.append(f"asks the finished {' + '.join(done_intents)} again")
        return {**state("new_request"), "again": list(done_intents)}
    if gives and correction and not new_topic:
        cues.append(f"corrects with {correction.group(0)!r}")
        return state("correct")
    if gives and not new_topic:
        cues.append("gives what was asked: " + ", ".join(gives))
        return state("answer")
    if (flow_intents and asked["kind"] in ("information", "choice") and WITHDRAW.search(text) and not entities
            and not new_topic and not gives):
        # "scratch that, the payment was my gym's. forget it": the request waiting for an answer is taken back
        cues.append(f"withdraws the request with {WITHDRAW.search(text).group(0)!r}")  # type: ignore[union-attr]
        return state("deny")
    if flow_intents and asked["kind"] in ("information", "choice") and correction and not request and not new_topic:
        cues.append(f"corrects with {correction.group(0)!r}, no new request")
        return state("correct")
    acknowledgement = bool(words) and all(w in ACK_WORDS for w in words)
    thanks = THANKS.search(text)
    unsure = top is None or top["confidence"] < NEW_REQUEST_CONFIDENCE or top["intent"] == "out_of_scope"
    # Thanks close a conversation; in its first message they are politeness around a request the router is sure
    # of ("um, I can't log in, I forgot my password. thx in advance"). A greeting with filler is a greeting.
    core = core_of(text)
    opening = not flow_intents and not done_intents and asked["kind"] == "nothing"
    # After the customer's question was answered, thanks that end a longer remark close it too ("hm ok, not worth
    # it for me. I'll stay on the free one, thanks").
    signs_off = after_question and TRAILING_FILLER.search(text) is not None
    closing = (thanks is not None and (len(words) <= CLOSING_MAX_WORDS or signs_off)
               and not CONTRAST.search(text, thanks.end())
               and (unsure or not opening or all(w in ACK_WORDS for w in re.findall(r"[a-z']+", core.lower()))))
    if GREETING.fullmatch(core) and GREETING.search(text) is None and not request and not entities:
        cues.append("a greeting with filler around it")
        return state("smalltalk")
    if (closing or acknowledgement) and not request and not entities:
        cues.append("thanks or an acknowledgement, no request of its own")
        return state("close")
    if (affirmation == "yes" and done_intents and asked["kind"] in ("nothing", "open") and not entities
            and bool(words) and all(w in ACK_WORDS or w in GO_AHEAD_WORDS for w in words)):
        # "Yes, please do it." after the request was done without waiting for it: nothing more to do
        cues.append("a go-ahead for what was just done")
        return state("close")
    if (affirmation == "yes" and says_yes(text) and asked["kind"] in ("nothing", "open") and top is not None
            and top["intent"] in done_intents and not fresh and not asks(text) and not MORE.search(text)):
        # "Yes, please dispute it." after the dispute was opened without waiting for it: the same request, nothing
        # new in it, is that go-ahead too (an outright yes: "please refund $90 of it" again is the request again)
        cues.append(f"a go-ahead that restates the {top['intent']} just done")
        return state("close")
    if ACK_OPENER.search(text) and unsure and not request and not entities:
        cues.append("an acknowledgement and a remark the router finds no request in")
        return state("close")
    if (affirmation == "yes" and asked["kind"] == "nothing" and top is not None and top["intent"] in done_intents
            and not request and (not entities or (set(entities) <= set(DESCRIBING) and not MORE.search(text)))):
        # "yea just the mount, keep the tv": a yes that describes again what was just done adds nothing to it.
        cues.append("a yes to what was just done")
        return state("close")
    if affirmation == "no" and asked["kind"] in ("nothing", "open", "choice") and not request and not entities:
        cues.append("drops the request (a no with nothing pending)")
        return state("deny")
    if GREETING.search(text) and not request and not entities:
        cues.append("a greeting")
        return state("smalltalk")
    cues.append("a request of its own" if new_topic else "no answer to what was asked")
    return state("new_request")


# The no that opens a reply ("no", "nope", "hmm, actually no,"), up to the first sentence or comma after it.
_NO_OPENER = re.compile(r"^\W*(?:\w+\W+){0,3}?(?:no|nope|nah)\b[^.!?;,]*[.!?;,]*\s*", re.IGNORECASE)


def _asks_after_no(text: str) -> bool:
    """Does the reply, past the no that opens it, ask for something: request words, or a clause that orders
    ("no. just take the mouse off", "nope, the laptop stays, only remove the mouse")?"""
    found = _NO_OPENER.match(text)
    if found is None:
        return False
    rest = text[found.end():]
    return requests(rest) or orders_in(rest)
