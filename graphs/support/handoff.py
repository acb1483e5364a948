"""Hand-off cues and dialogue repair: what a message and the conversation say about needing a person.

The cues are a small lexicon of speech acts kept as data in ``handoff.yaml`` (asking for a person in any words,
chargeback and legal threats, exception requests, situations a person follows whatever the tone (a product that hurt
someone, an account holder who has died), claimed approvals or authority, corrections). Dialogue repair
is read from the conversation itself: the agent about to say what it already said, the customer saying again
what they already said. graphs/support/escalation.py turns these into routes (prompts/policy.md §5);
graphs/support/confidence.py turns them into signals.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal, cast

import yaml
from langchain_core.messages import AnyMessage

from graphs.reasoners.local.negation import refused_at

Effect = Literal["escalate", "decline", "signal", "queue", "subject"]
CUES_FILE = "handoff.yaml"
# Two customer messages this similar (token Jaccard) say the same thing again.
REPEAT_SIMILARITY = 0.7
_TOKEN = re.compile(r"[a-z0-9@.]+")
_VALUES = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\d{3,}")


@dataclass(frozen=True)
class Cue:
    name: str
    effect: Effect
    queue: str | None
    reason: str
    patterns: tuple[re.Pattern[str], ...]
    outside: str | None = None  # another cue whose matches are taken out of the text before this one reads it
    # create_ticket arguments (subject, priority, description in our words) for a hand-off whose work a person does
    # outside the chat, in the cue's queue
    ticket: dict[str, str] | None = None
    # the queue is the subject's the customer's words name, before the request's (an exception: the rule's subject)
    follows_subject: bool = False

    def matches(self, text: str) -> bool:
        return any(self._said(p, text) for p in self.patterns)

    def strength(self, text: str) -> int:
        """How many of the cue's patterns ``text`` (normalised) matches: distinct signs of the same speech act."""
        clean = normalise(text)
        return sum(self._said(p, clean) for p in self.patterns)

    @staticmethod
    def _said(pattern: re.Pattern[str], text: str) -> bool:
        """Does ``text`` say what ``pattern`` matches, outside a negator's scope ("please don't put me through to
        anyone", "I'm not furious": graphs/reasoners/local/negation.py)?"""
        return any(not refused_at(text, m.start(), m.group()) for m in pattern.finditer(text))

    def evidence(self, text: str, width: int = 80) -> str | None:
        """The sentence of ``text`` (normalised) where the cue first matches, at most ``width`` characters around
        the match, for a reason people read; None without a match."""
        clean = normalise(text)
        found = [m for p in self.patterns if (m := p.search(clean)) is not None]
        if not found:
            return None
        first = min(found, key=lambda m: m.start())
        start = max((clean.rfind(end, 0, first.start()) for end in ".?!"), default=-1) + 1
        stops = [i for end in ".?!" if (i := clean.find(end, first.end())) >= 0]
        sentence = clean[start:min(stops, default=len(clean))].strip()
        if len(sentence) <= width:
            return sentence
        left = max(0, first.start() - start - (width - len(first.group(0))) // 2)
        return sentence[left:left + width].strip() + "…"

    def without(self, text: str) -> str:
        """``text`` with what this cue matches blanked out."""
        for p in self.patterns:
            text = p.sub(" ", text)
        return text


@lru_cache(maxsize=1)
def cues() -> tuple[Cue, ...]:
    raw = yaml.safe_load(resources.files("graphs.support").joinpath(CUES_FILE).read_text("utf-8"))
    out = []
    for name, spec in raw.items():
        if spec["effect"] not in ("escalate", "decline", "signal", "queue", "subject"):
            raise ValueError(f"{CUES_FILE}: cue {name} has an unknown effect {spec['effect']!r}")
        if spec["effect"] in ("queue", "subject") and not spec.get("queue"):
            raise ValueError(f"{CUES_FILE}: cue {name} names no queue")
        if spec.get("ticket") and (spec["effect"] != "escalate" or not spec.get("queue")):
            raise ValueError(f"{CUES_FILE}: cue {name} opens a ticket but hands over to no queue of its own")
        if spec.get("queue_of") not in (None, "subject") or (spec.get("queue_of") and spec.get("queue")):
            raise ValueError(f"{CUES_FILE}: cue {name} takes its queue from a subject but names one of its own")
        ticket = {**spec["ticket"], "queue": spec["queue"]} if spec.get("ticket") else None
        out.append(Cue(name, spec["effect"], spec.get("queue"), spec["reason"],
                       tuple(re.compile(p, re.IGNORECASE) for p in _with_terms(name, spec)), spec.get("outside"),
                       ticket, spec.get("queue_of") == "subject"))
    known = {c.name for c in out}
    if bad := [c.name for c in out if c.outside is not None and c.outside not in known]:
        raise ValueError(f"{CUES_FILE}: cues {bad} are read outside a cue that does not exist")
    return tuple(out)


def _with_terms(name: str, spec: dict[str, object]) -> list[str]:
    """The cue's patterns with its word classes (``terms``: name -> alternation) put in for ``{name}``: one class
    shared by every pattern of the cue (the parts of the body a harm reaches), so that no pattern knows fewer of its
    words than another."""
    terms = cast(dict[str, str], spec.get("terms") or {})
    patterns = cast(list[str], spec["patterns"])
    out = []
    for pattern in patterns:
        for used in re.findall(r"\{([a-z_]+)\}", pattern):
            if used not in terms:
                raise ValueError(f"{CUES_FILE}: cue {name} uses a word class {used!r} it does not define")
        out.append(re.sub(r"\{([a-z_]+)\}", lambda m: f"(?:{terms[m.group(1)]})", pattern))
    return out


def normalise(text: str) -> str:
    """Lower case, typographic apostrophes as ASCII ones, runs of whitespace as one space."""
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").lower().split())


@lru_cache(maxsize=1024)
def cues_in(text: str) -> tuple[Cue, ...]:
    """The cues ``text`` carries, in the lexicon's order (kept per text: understand, assess, the confidence
    signals and the escalation read the same messages several times a turn, and every earlier one each turn)."""
    clean = normalise(text)
    by_name = {c.name: c for c in cues()}
    return tuple(c for c in cues() if c.matches(by_name[c.outside].without(clean) if c.outside else clean))


def _tokens(text: str) -> set[str]:
    return set(_TOKEN.findall(normalise(text)))


def similarity(a: str, b: str) -> float:
    ta, tb = _tokens(a), _tokens(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


def customer_texts(messages: Sequence[AnyMessage]) -> list[str]:
    return [str(m.content) for m in messages if m.type == "human"]


def agent_texts(messages: Sequence[AnyMessage]) -> list[str]:
    return [str(m.content) for m in messages if m.type == "ai"]


def new_values(said: Sequence[str]) -> set[str]:
    """The values (emails, numbers of three digits or more) of the latest customer message that no earlier one
    gave: new information, even where it is not what was asked ("oops, wrong zip: 60615")."""
    if not said:
        return set()
    earlier = {v for text in said[:-1] for v in _VALUES.findall(normalise(text))}
    return set(_VALUES.findall(normalise(said[-1]))) - earlier


def customer_repeats(messages: Sequence[AnyMessage]) -> bool:
    """The latest customer message says again what an earlier one said (three words or more)."""
    said = customer_texts(messages)
    if len(said) < 2 or len(_tokens(said[-1])) < 3:
        return False
    return any(similarity(said[-1], earlier) >= REPEAT_SIMILARITY for earlier in said[:-1])


def agent_repeats(messages: Sequence[AnyMessage], draft: str) -> int:
    """How many earlier agent messages the draft reply repeats (a rating request after it does not count)."""
    draft = normalise(draft)
    if not draft:
        return 0
    return sum(normalise(m).startswith(draft) for m in agent_texts(messages))
