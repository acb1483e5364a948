"""The perturbation suite: every scenario's customer messages rewritten the way real customers write.

Each kind rewrites the messages of a scenario and nothing else (data, reviewer decisions and expectations stay),
so a good agent passes the rewritten scenario exactly when it passes the original; the pass-rate drop per kind
measures how much the agent depends on our own phrasing. The rewrites are deterministic (seeded by the scenario
id, the message and the kind) and never touch what the expectations check: digits, emails and amounts keep their
characters, only the words around them change.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable
from dataclasses import replace

from evals.scenario_format import Scenario

Rewrite = Callable[[str, random.Random], str]

# A token the expectations may quote (ids, amounts, emails, tracking numbers): no kind changes its characters.
_PROTECTED = re.compile(r"[^\s]*[\d@][^\s]*?(?=[.,!?;:)\"']*(?:\s|$))")
_WORD = re.compile(r"[A-Za-z]{4,}")
_KEYBOARD = {c: n for c, n in zip("qwertyuiopasdfghjklzxcvbnm", "wqeryuioplsdfghjkkzxcvbnmn", strict=True)}


def _outside_protected(text: str, change: Callable[[str], str]) -> str:
    """``change`` applied to the text between protected tokens."""
    out, last = [], 0
    for m in _PROTECTED.finditer(text):
        out += [change(text[last:m.start()]), m.group()]
        last = m.end()
    out.append(change(text[last:]))
    return "".join(out)


def typos(text: str, rng: random.Random) -> str:
    """About one word in five (of four letters or more) gets a typo: a dropped, doubled, swapped or
    neighbouring-key letter."""
    def misspell(match: re.Match[str]) -> str:
        word = match.group()
        if rng.random() > 0.2:
            return word
        i = rng.randrange(1, len(word) - 1)
        kind = rng.randrange(4)
        if kind == 0:
            return word[:i] + word[i + 1:]
        if kind == 1:
            return word[:i] + word[i] + word[i:]
        if kind == 2:
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
        return word[:i] + _KEYBOARD.get(word[i].lower(), word[i]) + word[i + 1:]

    return _outside_protected(text, lambda part: _WORD.sub(misspell, part))


def lower(text: str, rng: random.Random) -> str:
    """All lower case (protected tokens keep their case: an invoice id is quoted as written)."""
    return _outside_protected(text, str.lower)


def no_punctuation(text: str, rng: random.Random) -> str:
    """No sentence punctuation and no apostrophes ("dont", "its"); ids and amounts keep theirs."""
    stripped = _outside_protected(text, lambda part: re.sub(r"[.,!?;:'\"()]", "", part))
    return re.sub(r"\s{2,}", " ", stripped).strip() or text


_OPENERS = ("hi there, ", "ok so ", "hello, hope you're well. ", "hey. quick one: ", "good morning! ", "um, ")
_CLOSERS = (" thanks", " cheers!", " thx in advance", " many thanks for your help.", " appreciate it", "")


def filler(text: str, rng: random.Random) -> str:
    """A greeting or hesitation before the message and a sign-off after it."""
    return f"{rng.choice(_OPENERS)}{text}{rng.choice(_CLOSERS)}"


def reorder(text: str, rng: random.Random) -> str:
    """The message's sentences rotated: the first one goes last (single sentences stay)."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    if len(sentences) < 2:
        return text
    return " ".join(sentences[1:] + sentences[:1])


_ORDER_ID = re.compile(r"(?:\border\s*(?:number|no\.?|#)?\s*|#)(\d{5,8})\b", re.I)
_INVOICE_ID = re.compile(r"\bINV-(\d{5})\b")
_ORDER_FORMS = ("#{n}", "order no. {n}", "O-{n}", "order #{n}", "order number {n}", "ord {n}")
_INVOICE_FORMS = ("INV {n}", "inv-{n}", "invoice {n}", "INV{n}", "invoice no. {n}")


def id_formats(text: str, rng: random.Random) -> str:
    """Order and invoice ids in another of the forms customers use ("#10234", "O-10234", "INV 20001")."""
    text = _ORDER_ID.sub(lambda m: rng.choice(_ORDER_FORMS).format(n=m.group(1)), text)
    return _INVOICE_ID.sub(lambda m: rng.choice(_INVOICE_FORMS).format(n=m.group(1)), text)


_LEAD_IN = re.compile(
    r"^\s*(?:sure[,.!]?\s*|ok(?:ay)?[,.!]?\s*|yes[,.!]?\s*)?(?:my |the |it'?s |its )?"
    r"(?:billing )?(?:zip(?: code)?|post ?code|e-?mail(?: address)?|customer id|account id|card(?: number)?"
    r"(?: ends? in| ending in)?|last (?:4|four)(?: digits)?(?: of (?:my|the) card)?|order(?: number)?)"
    r"(?:\s+is|\s*:|\s*=)?\s+(\S+?)[.!]?\s*$", re.I)


def bare_answers(text: str, rng: random.Random) -> str:
    """An answer given with its lead-in ("my zip is 60614") given bare ("60614")."""
    m = _LEAD_IN.match(text)
    return m.group(1) if m else text


KINDS: dict[str, Rewrite] = {
    "typos": typos, "lower": lower, "no_punctuation": no_punctuation, "filler": filler, "reorder": reorder,
    "id_formats": id_formats, "bare_answers": bare_answers,
}
SEPARATOR = "~"


def perturb(scenario: Scenario, kind: str) -> Scenario:
    """The scenario with its customer messages rewritten by ``kind``; id ``<id>~<kind>``, tag ``perturb-<kind>``."""
    rewrite = KINDS[kind]
    messages = []
    for n, message in enumerate(scenario.messages):
        seed = hashlib.sha256(f"{scenario.id}|{n}|{kind}".encode()).digest()
        messages.append(rewrite(message, random.Random(seed)) or message)
    return replace(scenario, id=f"{scenario.id}{SEPARATOR}{kind}", messages=messages,
                   tags=[*scenario.tags, f"perturb-{kind}"])


TWIN_PREFIX = "p-"
PARAPHRASE = "paraphrase"


def twins_of(originals: list[Scenario], written: list[Scenario]) -> list[Scenario]:
    """Paraphrases written by someone else (evals/scenarios/blind/para7, para8: id ``p-<id>``, the same data and
    expectations in other words) as one more kind of rewrite: id ``<id>~paraphrase``, tag ``perturb-paraphrase``.
    ValueError when no twin belongs to the scenarios played, or a twin's facts differ from its original's."""
    by_id = {s.id: s for s in originals}
    twins = []
    for twin in written:
        original = by_id.get(twin.id.removeprefix(TWIN_PREFIX)) if twin.id.startswith(TWIN_PREFIX) else None
        if original is None:
            continue
        if replace(twin, id=original.id, title=original.title, messages=original.messages,
                   source=original.source) != original:
            raise ValueError(f"twin {twin.id} is not its original with other words: its data or expectations differ")
        twins.append(replace(twin, id=f"{original.id}{SEPARATOR}{PARAPHRASE}",
                             tags=[*twin.tags, f"perturb-{PARAPHRASE}"]))
    if not twins:
        raise ValueError(f"no twin (id {TWIN_PREFIX}<id>) of the scenarios played")
    return twins


def parse_kinds(spec: str) -> list[str]:
    """``all`` or a comma-separated list of kinds; ValueError naming the known kinds otherwise."""
    kinds = list(KINDS) if spec.strip() == "all" else [k.strip() for k in spec.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"unknown perturbation {unknown[0] if unknown else spec!r}: use all or any of "
                         f"{', '.join(KINDS)}")
    return kinds


def drop_table(passed: dict[str, float]) -> dict[str, dict[str, float | int]]:
    """Pass rate of the originals and of each kind (on the same scenarios), and each kind's drop in points.

    ``passed`` maps scenario ids (``<id>`` or ``<id>~<kind>``) to the share of their trials that passed; a
    scenario counts as broken (or mended) by a kind when that share fell (or rose).
    """
    originals = {k: v for k, v in passed.items() if SEPARATOR not in k}
    table: dict[str, dict[str, float | int]] = {}
    base = sum(originals.values()) / len(originals) if originals else 0.0
    table["original"] = {"scenarios": len(originals), "pass_rate": round(base, 4), "drop_points": 0.0}
    kinds = sorted({k.split(SEPARATOR, 1)[1] for k in passed if SEPARATOR in k})
    for kind in kinds:
        rows = {k.split(SEPARATOR, 1)[0]: v for k, v in passed.items() if k.endswith(SEPARATOR + kind)}
        rate = sum(rows.values()) / len(rows) if rows else 0.0
        table[kind] = {"scenarios": len(rows), "pass_rate": round(rate, 4),
                       "drop_points": round(100 * (base - rate), 1),
                       "broke": sum(ok < originals.get(s, 0.0) for s, ok in rows.items()),
                       "mended": sum(ok > originals.get(s, 1.0) for s, ok in rows.items())}
    if kinds:
        rates = [float(table[k]["pass_rate"]) for k in kinds]
        table["all_kinds"] = {"scenarios": sum(int(table[k]["scenarios"]) for k in kinds),
                              "pass_rate": round(sum(rates) / len(rates), 4),
                              "drop_points": round(100 * (base - sum(rates) / len(rates)), 1)}
    return table
