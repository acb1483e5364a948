"""Contractions typed without their apostrophe ("dont", "wheres", "Ill send them back") given it back.

Customers on a phone often drop apostrophes, and every reader of the message's words (the router, the dialogue
act's cues, the clause split, the slot patterns) then misses "don't", "where's" or "I'd like". A word is given its
apostrophe back only when it is no English word without one: the negations ("dont", "cant", "wouldnt"), the
pronoun forms ("im", "ive", "youre", "theyre", "whats", "wheres", "thats", "theres"). The forms that are words of
their own are restored only where the word cannot be meant: "Ill" and "Id" written with the capital of "I" and
followed by a lower-case word ("Ill send", "Id like"; "ill" and "id" in lower case stay: "I feel ill", "my
customer id"), and "lets" opening a clause ("ok lets do that"; "it lets me" stays). "its", "were", "well", "wed",
"hell" and "shell" are left alone; "wont" is "won't" (nobody writes to support about their wont). The case of the
word's first letter is kept.
"""

from __future__ import annotations

import re

# A word that is only a contraction typed without its apostrophe, and where its apostrophe goes.
_ALWAYS = {
    **{f"{stem}t": f"{stem}'t" for stem in (
        "don", "doesn", "didn", "isn", "aren", "wasn", "weren", "haven", "hasn", "hadn", "couldn", "wouldn",
        "shouldn", "mustn", "needn", "ain")},
    "cant": "can't", "wont": "won't", "im": "i'm", "ive": "i've", "youre": "you're", "youve": "you've",
    "youll": "you'll", "youd": "you'd", "theyre": "they're", "theyve": "they've", "theyll": "they'll", "weve": "we've",
    "whats": "what's", "wheres": "where's", "whos": "who's", "hows": "how's", "whens": "when's", "whys": "why's",
    "thats": "that's", "theres": "there's", "heres": "here's", "shes": "she's", "itll": "it'll", "thatll":
    "that'll", "couldve": "could've", "wouldve": "would've", "shouldve": "should've", "mightve": "might've",
}
# A whole word, not part of an email, a web address or a hyphenated word.
_WORD = re.compile(r"(?<![\w@.'’-])[A-Za-z]+(?![\w@'’-]|\.\w)")
# "Ill" / "Id" with the capital of "I", before a lower-case word.
_I_FORMS = re.compile(r"\bI(ll|d)\b(?=\s+[a-z])")
# "lets" opening a clause: at the start, or after an acknowledgement or a connective.
_LETS = re.compile(r"(^|[.!?,;:]\s*|\b(?:ok|okay|so|then|alright|right|fine|great|cool|yes|yeah|and|but|now)\s+)"
                   r"(lets)\b(?!\s+(?:me|us|you|him|her|them|it)\b)", re.IGNORECASE)


def restore_apostrophes(text: str) -> str:
    """``text`` with the apostrophes of its contractions given back (see the module's docstring)."""
    def fix(match: re.Match[str]) -> str:
        word = match.group()
        full = _ALWAYS.get(word.lower())
        if full is None:
            return word
        return full[0].upper() + full[1:] if word[0].isupper() else full

    text = _WORD.sub(fix, text)
    text = _I_FORMS.sub(lambda m: f"I'{m.group(1)}", text)
    return _LETS.sub(lambda m: m.group(1) + m.group(2)[0] + "et's", text)
