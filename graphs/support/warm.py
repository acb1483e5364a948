"""What a process loads before its first turn, so that no customer's turn pays for it.

Each of these is loaded once per process on first use and kept (the tokenizer that checks a message's length,
the flows, the hand-off cues, the confidence model and the router's neighbours, the typo vocabulary, the
sentiment lexicon, the glossary, the reply templates, the knowledge base's article vectors). Loaded in a turn,
they cost that turn up to ~4 s of CPU (the articles' embeddings ~2 s, the tokenizer ~1.3 s) and, under
``serve``, every run of the worker that waits for the same one: the first few seconds of a busy server's life
were its slowest turns. ``SupportService.warm_up`` and each ``serve`` worker (``warm_models``) call
:func:`warm_turn` before they take a turn; tests/graph/test_warm.py checks that a turn of each kind loads
nothing more after it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from contextlib import suppress

from foundation.tokens import count_tokens
from graphs.reasoners.local.gloss import glossary_words
from graphs.reasoners.local.router import load_router, load_thorough_router
from graphs.reasoners.local.sentiment import analyse_sentiment
from graphs.reasoners.local.typos import vocabulary
from graphs.support.confidence import load_model
from graphs.support.familiarity import load_neighbours
from graphs.support.flows import load_flows
from graphs.support.handoff import cues
from graphs.support.reply_signals import confirmation_question, without_rating
from prompts import compile_replies
from tools.kb.semantic import warm_articles
from tools.store import StoreNotReady, open_store


def warm_turn(database_url: str) -> dict[str, float]:
    """Load everything a turn loads once per process; returns the seconds each part took. The articles are read
    from the business store at ``database_url``; a store that cannot serve yet is skipped (its first search
    embeds them, as before; ``GET /ready`` says what the store lacks)."""
    parts: dict[str, Callable[[], object]] = {
        "tokenizer": lambda: count_tokens("warm up"),
        "flows": _flows,
        "router": lambda: (load_router().detect("warm up"), load_thorough_router()),
        "cues": cues,
        "confidence": load_model,
        "neighbours": load_neighbours,
        "typos": vocabulary,
        "glossary": glossary_words,
        "sentiment": lambda: analyse_sentiment("a great warm up"),  # a lexicon word: VADER runs
        "templates": compile_replies,
        "reply signals": lambda: (confirmation_question(), without_rating("warm up")),
        "articles": lambda: _articles(database_url),
    }
    seconds = {}
    for name, load in parts.items():
        started = time.perf_counter()
        load()
        seconds[name] = round(time.perf_counter() - started, 3)
    return seconds


def _flows() -> None:
    """The flows, and their slots' text patterns compiled (``re``'s own cache, which ``SlotSpec.read_text``'s
    searches use)."""
    for flow in load_flows().values():
        for slot in flow.slots.values():
            for pattern in slot.text.values():
                re.compile(pattern, re.IGNORECASE)


def _articles(database_url: str) -> None:
    with suppress(StoreNotReady):
        warm_articles(open_store(database_url))
