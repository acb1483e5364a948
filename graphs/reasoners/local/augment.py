"""Label-preserving variants of the training examples, for the router's fast path.

A support message keeps its intent when it is misspelt, typed in phone shorthand ("u", "pls"), run together, loses
a word, swears, or is wrapped in a greeting, a sign-off, an order number, an email address, a name, an unrelated
clause or an indirect-speech frame ("could you get someone to help me with this: …": asking for someone's help is
not asking for a human agent). The averaged static vectors of the fast path are
thrown off by exactly that padding, so its head learns on such variants too. The intent-neutral words come from
``data/augment_vocab.json`` (written for this project). Everything is deterministic: the same text, seed and
count always give the same variants, whatever the other examples are.
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

VOCAB_FILE = "augment_vocab.json"
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {
    c: "".join(row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)) for row in _KEYBOARD_ROWS for i, c in enumerate(row)
}


@dataclass(frozen=True)
class Vocabulary:
    openers: tuple[str, ...]
    closers: tuple[str, ...]
    names: tuple[str, ...]
    email_domains: tuple[str, ...]
    neutral_clauses: tuple[str, ...]
    fillers: tuple[str, ...]
    id_templates: tuple[str, ...]
    frames: tuple[str, ...]  # indirect-speech wrappers, "{text}" is the request
    shorthand: tuple[tuple[str, str], ...]  # (word or phrase, how phone typers write it)


@lru_cache(maxsize=1)
def load_vocabulary() -> Vocabulary:
    """The shipped augmentation vocabulary."""
    raw = json.loads(resources.files("graphs.reasoners.local").joinpath("data", VOCAB_FILE).read_text("utf-8"))
    lists = {k: tuple(v) for k, v in raw.items() if not k.startswith("_") and k != "shorthand"}
    return Vocabulary(**lists, shorthand=tuple(raw["shorthand"].items()))


def typo(word: str, rng: random.Random) -> str:
    """One keyboard slip in a word of four letters or more: a swap, a drop, a double or a neighbouring key."""
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    near = _NEIGHBOURS.get(word[i].lower(), "")
    return word[:i] + rng.choice(near) + word[i + 1:] if near else word


def misspell(text: str, rng: random.Random) -> str:
    words = text.split()
    slips = max(1, len(words) // 5)
    for i in rng.sample(range(len(words)), min(slips, len(words))):
        words[i] = typo(words[i], rng)
    return " ".join(words)


def drop_word(text: str, rng: random.Random) -> str:
    words = text.split()
    if len(words) < 4:
        return text
    del words[rng.randrange(len(words))]
    return " ".join(words)


def add_filler(text: str, rng: random.Random, vocab: Vocabulary) -> str:
    words = text.split()
    words.insert(rng.randrange(len(words) + 1), rng.choice(vocab.fillers))
    return " ".join(words)


def add_greeting(text: str, rng: random.Random, vocab: Vocabulary) -> str:
    return f"{rng.choice(vocab.openers)} {text}"


def add_sign_off(text: str, rng: random.Random, vocab: Vocabulary) -> str:
    return f"{text} {rng.choice(vocab.closers)}"


def add_identifier(text: str, rng: random.Random, vocab: Vocabulary) -> str:
    template = rng.choice(vocab.id_templates)
    return f"{text} {template.format(n=rng.randint(10000, 99999))}"


def add_contact(text: str, rng: random.Random, vocab: Vocabulary) -> str:
    name = rng.choice(vocab.names)
    if rng.random() < 0.5:
        return f"{text} - {name}"
    email = f"{name.lower()}{rng.randint(1, 99)}@{rng.choice(vocab.email_domains)}"
    return f"{text} ({email})" if rng.random() < 0.5 else f"{text} my email is {email}"


def add_clause(text: str, rng: random.Random, vocab: Vocabulary) -> str:
    clause = rng.choice(vocab.neutral_clauses)
    return f"{clause}. {text}" if rng.random() < 0.5 else f"{text}. {clause[0].upper()}{clause[1:]}."


def add_frame(text: str, rng: random.Random, vocab: Vocabulary) -> str:
    """The request inside an indirect-speech frame ("not sure who to ask, but …")."""
    frame = rng.choice(vocab.frames)
    inner = text if frame.startswith("{text}") or text[:2].isupper() else text[:1].lower() + text[1:]
    return frame.format(text=inner)


def shorthand(text: str, rng: random.Random, vocab: Vocabulary) -> str:
    """Phone shorthand: each known word or phrase rewritten ("you" → "u", "please" → "pls") with probability 0.7."""
    out = text
    for word, short in vocab.shorthand:
        if rng.random() < 0.7:
            out = re.sub(rf"(?<![\w']){re.escape(word)}(?![\w'])", short, out, flags=re.IGNORECASE)
    return out


def run_together(text: str, rng: random.Random) -> str:
    """Two neighbouring words typed without the space between them."""
    words = text.split()
    if len(words) < 3:
        return text
    i = rng.randrange(len(words) - 1)
    return " ".join([*words[:i], words[i] + words[i + 1], *words[i + 2:]])


def change_case(text: str, rng: random.Random) -> str:
    return text.lower() if rng.random() < 0.7 else text.upper()


def strip_punctuation(text: str, rng: random.Random) -> str:
    return text.translate(str.maketrans("", "", string.punctuation)) or text


_NOISE: tuple[Callable[[str, random.Random], str], ...] = (
    misspell, drop_word, change_case, strip_punctuation, run_together,
)
_PADDING: tuple[Callable[[str, random.Random, Vocabulary], str], ...] = (
    add_greeting, add_sign_off, add_identifier, add_contact, add_clause, add_filler, add_frame, shorthand,
)


def variant(text: str, rng: random.Random, vocab: Vocabulary) -> str:
    """One variant: one or two kinds of padding and, half the time, one kind of noise, in random order."""
    out = text
    for pad in rng.sample(_PADDING, rng.choice((1, 1, 2))):
        out = pad(out, rng, vocab)
    if rng.random() < 0.5:
        out = rng.choice(_NOISE)(out, rng)
    return out


def augment(texts: Sequence[str], per_text: int, *, seed: int = 0) -> list[list[str]]:
    """``per_text`` variants of each text (duplicates of the text itself dropped, so sometimes fewer)."""
    vocab = load_vocabulary()
    out = []
    for text in texts:
        rng = random.Random(f"{seed}:{text}")
        variants = {variant(text, rng, vocab) for _ in range(per_text)} - {text}
        out.append(sorted(variants))
    return out
