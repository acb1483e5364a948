"""Which clauses of a message carry a request, and which only tell the story around it.

Customers wrap a request in backstory ("my grandson starts university in the autumn", "I bought it after a video
on YouTube"): a clause like that is often confidently some intent on its own, and read as a second request it
adds work nobody asked for. A clause carries a request when it asks (a question, "can you", "please"), wants or
needs something, names an action the customer wants done, or reports a problem (a negation, something broken,
missing, wrong, doubled). Only such clauses may add an intent beside the whole message's own
(``IntentModel.detect_many``). Measured on the first messages of the project's and the blind dev scenarios
(dev, dev3): intents nobody asked for 43 → 30 and 44 → 33, expected intents missed 22 → 22 and 17 → 18.
"""

from __future__ import annotations

import re

_REQUESTING = re.compile(
    r"\?|\b(can|could|would|will|won't|can't|cannot|couldn't) (you|u|i|we|someone|somebody)\b|"
    r"\b(please|pls|plz|kindly|rather|prefer|how|what|where|when|why|which|who|also|another)\b|"
    r"\b(is|are) there\b|\b(do|does|did) (you|it|i|we)\b|\b(have|has) to\b|\b(must|should|supposed|way to|any)\b|"
    r"\b(want|wanna|need|like to|help|fix|sort|refund|cancel|return|send|change|switch|stop|remove|track|"
    r"update|reset|close|delete|merge|move|swap|exchange|check|tell|give|take|get|subscribe|unsubscribe|sign|opt|"
    r"add|put|let|show|upgrade|downgrade|renew|activate|deactivate|apply|confirm|verify|redirect|replace|repair)\b|"
    r"n't\b|\b(not|no|never|nothing|broken|wrong|missing|twice|again|still|damaged|dented|crushed|cracked|"
    r"scratched|faulty|defective|late|lost|stolen|leaking|dead)\b",
    re.IGNORECASE,
)


def carries_request(clause: str) -> bool:
    """Whether the clause asks for something or reports a problem (see the module's docstring)."""
    return _REQUESTING.search(clause) is not None
