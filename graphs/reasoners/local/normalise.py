"""The message as its words are read: how it was typed should not change what it is understood to say.

Every reader of a customer's words — the router, the dialogue act's cues (a yes, a correction, thanks), the clause
split, the slot patterns — reads ``read_form(text)``: the contractions typed without their apostrophe given it
back ("dont", "Ill send", contractions.py), then the typos mended against the words we know (typos.py). Values
(emails, ids, amounts: any token with a digit or an @) keep their characters, so the entities may be read from
either form; they are read from the text as written.
"""

from __future__ import annotations

from functools import lru_cache

from graphs.reasoners.local.contractions import restore_apostrophes
from graphs.reasoners.local.typos import mend_typos


@lru_cache(maxsize=1024)
def read_form(text: str) -> str:
    """``text`` as its words are read (see the module's docstring)."""
    return mend_typos(restore_apostrophes(text))
