"""How familiar a message is: its MiniLM neighbours among the examples the intent router was trained on.

A message far from everything the router learnt from is read by extrapolation; one whose nearest training
examples carry another intent than the one the agent acts on has a second, independent reading (a k-nearest-
neighbour vote over the same vectors, against the router's regression) that disagrees. Both feed confidence
signals (graphs/support/confidence.py). The vectors are the router's own: MiniLM (int8 graph) of the masked text,
the training split of ``intent_examples.jsonl``; the examples' vectors are cached under ``$SUPPORTGRAPH_HOME/cache``,
keyed by the router's fingerprint of the examples, so they are computed once per change of the examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from graphs.reasoners.local.examples import TRAIN, in_split, load_examples
from graphs.reasoners.local.router import cache_dir_default, fingerprint, mask, minilm_vectors, save_npz

# How many nearest training examples a message is compared with (the mean of their cosines is its familiarity).
NEIGHBOURS = 5


@dataclass(frozen=True)
class Neighbours:
    """The router's training examples as unit MiniLM vectors, with their intents."""

    vectors: np.ndarray  # (n, 384) float32, unit length
    intents: np.ndarray  # (n,) str

    def reading(self, text: str, intents: list[str]) -> tuple[float, float, float]:
        """For ``text`` and the intents the agent acts on: (1 − mean cosine of its nearest examples of any intent,
        1 − mean cosine of its nearest examples of those intents, share of its nearest examples of other intents)."""
        sims = self.vectors @ minilm_vectors([mask(text)])[0]
        k = min(NEIGHBOURS, len(sims))
        nearest = np.argpartition(-sims, k - 1)[:k]
        mine = np.isin(self.intents, intents)
        own = np.sort(sims[mine])[-k:] if mine.any() else np.zeros(1)
        return (float(1.0 - sims[nearest].mean()), float(1.0 - own.mean()),
                float(1.0 - np.isin(self.intents[nearest], intents).mean()))


@lru_cache(maxsize=1)
def load_neighbours(cache_dir: Path | None = None) -> Neighbours:
    """The training split's vectors, from the cache when the examples are unchanged (else embedded, ~5 s)."""
    examples = in_split(load_examples(), TRAIN)
    path = (cache_dir or cache_dir_default()) / f"router-neighbours-{fingerprint(examples)}.npz"
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as data:
                return Neighbours(data["vectors"], data["intents"])
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file is rebuilt below
    vectors = minilm_vectors([mask(e.text) for e in examples]).astype(np.float32)
    intents = np.array([e.intent for e in examples])
    save_npz(path, vectors=vectors, intents=intents)
    return Neighbours(vectors, intents)
