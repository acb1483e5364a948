"""English glosses for the support words of other languages, so the English router can read a mixed message.

Customers write partly or wholly in another language ("Hallo, wo ist meine Bestellung 91820?", "quiero cancelar
el pedido, sorry"), and the router's MiniLM model and static vectors are English: such a message reads as noise
and lands on out_of_scope or on whatever the English fragments happen to say. What carries meaning across the
languages are ids, amounts, product names (kept as written), and a small vocabulary of support words: order,
refund, cancel, where, when, not, broken, money, card. ``gloss`` replaces those words and a few set phrases
(``data/gloss.json``: Spanish, German, French, Italian, Portuguese, romanised Hindi) by their English glosses,
matched without case or accents; everything else is kept. No key is an English word, so English text is left as it
is (``tests/reasoners/test_gloss.py`` checks every training example). The router glosses before it masks
(``router.mask``), both when it trains and when it reads, and before it cuts a message into clauses, so "und" and
"aber" separate requests as "and" and "but" do.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources

GLOSS_FILE = "gloss.json"
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def fold(text: str) -> str:
    """``text`` without accents (NFKD, combining marks dropped): "cámara" and "camara" are looked up alike."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _tables() -> tuple[re.Pattern[str] | None, dict[str, str], dict[str, str]]:
    data = json.loads(resources.files("graphs.reasoners.local").joinpath("data", GLOSS_FILE).read_text("utf-8"))
    phrases = {fold(k).lower(): v for k, v in data["phrases"].items()}
    words = {fold(k).lower(): v for k, v in data["words"].items()}
    alternation = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    pattern = re.compile(rf"(?<![^\W_])(?:{alternation})(?![^\W_])", re.IGNORECASE) if phrases else None
    return pattern, phrases, words


def gloss(text: str) -> str:
    """``text`` with the other-language support words and phrases it uses replaced by English (see module)."""
    if text.isascii() and not _maybe_foreign(text):
        return text
    pattern, phrases, words = _tables()
    folded = fold(text)
    if pattern is not None:
        folded = pattern.sub(lambda m: phrases[m.group(0).lower()], folded)
    return _WORD.sub(lambda m: words.get(m.group(0).lower(), m.group(0)), folded)


def _maybe_foreign(text: str) -> bool:
    """Whether an ASCII text has any word or phrase of the glossary (the common case, English, returns fast)."""
    pattern, _, words = _tables()
    if any(w.lower() in words for w in _WORD.findall(text)):
        return True
    return pattern is not None and pattern.search(text) is not None


def foreign_words(text: str) -> set[str]:
    """The glossary's words and phrases that ``text`` uses (folded, lower case): none in English."""
    pattern, _, words = _tables()
    folded = fold(text)
    found = {w.lower() for w in _WORD.findall(folded) if w.lower() in words}
    return found | ({m.group(0).lower() for m in pattern.finditer(folded)} if pattern is not None else set())


def glossary_words() -> frozenset[str]:
    """Every word of the glossary's keys: words of another language, never typos of English ones."""
    _, phrases, words = _tables()
    return frozenset(words) | frozenset(w for p in phrases for w in _WORD.findall(p))
