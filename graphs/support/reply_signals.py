"""Reply-side confidence signals: the reply the agent is about to send, read against the conversation so far.

The other signals read the customer's message and the agent's understanding of it; these read what the agent does
with it. Saying again, word for word, what it said on the previous turn means the customer's reply did not move
the agent (a loop the customer is about to leave unhappy); offering a write and asking the customer to confirm it
leaves the outcome to a later turn. Both are computed from texts only — the agent's earlier messages and the
reply drafted for this turn — so the graph (assess, on its draft)
and the evaluation of recorded first-contact turns (evals/first_contact.py, on the replies sent) compute them with
this same function.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from graphs.support.handoff import normalise
from prompts import render_reply

REPLY_SIGNALS = ("reply_repeat", "awaits_confirmation")
# Read from what the agent SENT on a turn (the clarifying question or the holding message, not the draft), for the
# conversation map only (graphs/support/conversation_map.py ``settled``): no turn signal, since asking is right on
# most turns (the customer answers it), but a conversation that ends on a question has not reached its outcome.
SENT_SIGNALS = ("asks_customer",)


@lru_cache(maxsize=1)
def confirmation_question() -> str:
    """How the agent asks the customer to confirm a write before it runs (the question that ends each of
    prompts/replies/confirm_steps.j2's offers, as its generic offer renders it)."""
    offer = normalise(render_reply("confirm_steps", pending=[{"tool": "", "why": "", "declined": None, "args": {}}],
                                   found={}))
    return offer.rsplit(". ", 1)[-1].rstrip("?")


@lru_cache(maxsize=1)
def _rating_request() -> str:
    return normalise(render_reply("csat_ask"))


def without_rating(reply: str) -> str:
    """The reply without the rating request that ends a resolved conversation (respond adds it after the draft)."""
    text = normalise(reply)
    rating = _rating_request()
    return text[: -len(rating)].rstrip() if rating and text.endswith(rating) else text


def reply_signals(agent: Sequence[str], reply: str) -> dict[str, float]:
    """The reply-side signals of a turn (each 0 or 1).

    ``agent``: the agent's messages before this turn; ``reply``: what the agent says this turn.

    - ``reply_repeat``: the reply says again what the agent's previous message said (its start, a rating request
      after it aside), whatever the customer replied in between;
    - ``awaits_confirmation``: the reply offers a write and asks the customer to confirm it before it runs
      (the outcome the customer came for is not reached this turn, and the agent was unsure enough of the
      request, or the write is one that is confirmed first).
    """
    said = without_rating(reply)
    previous = without_rating(agent[-1]) if agent else ""
    repeat = bool(said) and bool(previous) and previous.startswith(said)
    awaits = confirmation_question() in said
    return {"reply_repeat": float(repeat), "awaits_confirmation": float(awaits)}


def sent_signals(replies: Sequence[str]) -> dict[str, float]:
    """What the agent sent on a turn, read for the conversation map: ``asks_customer`` is 1 when it ends on a
    question to the customer (the rating request that ends a resolved conversation aside): the outcome is left to
    the customer's next message. Of the first-contact conversations of dev9-dev13, 22 % of those whose last reply
    asked passed, 73 % of the others (docs/confidence.md "Per conversation")."""
    said = without_rating("\n\n".join(replies)).rstrip()
    return {"asks_customer": float(said.endswith("?"))}
