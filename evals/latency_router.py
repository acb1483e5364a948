"""Generated support messages for router benchmarks: varied, mostly distinct, built from the project's examples."""

from __future__ import annotations

import random

from graphs.reasoners.local.router import load_examples

_OPENERS = ("", "", "", "hi, ", "Hello! ", "hey ", "Good morning. ", "ok so ", "Excuse me, ", "URGENT: ")
_CLOSERS = ("", "", "", " thanks", " Thank you!", " pls", " asap", " cheers", "??", " - sent from my phone")
_NAMES = ("Maya", "Jonas", "Priya", "Tom", "Aiko", "Lena", "Omar", "Sofia")


def generated_messages(count: int, *, seed: int = 0) -> list[str]:
    """``count`` messages: a project example with a random opener, closer, order number or signature."""
    rng = random.Random(seed)
    base = [e.text for e in load_examples()]
    out = []
    for _ in range(count):
        text = rng.choice(base)
        extra = rng.random()
        if extra < 0.3:
            text += f" (order {rng.randint(10000, 19999)})"
        elif extra < 0.45:
            text += f" - {rng.choice(_NAMES)}"
        out.append(f"{rng.choice(_OPENERS)}{text}{rng.choice(_CLOSERS)}")
    return out
