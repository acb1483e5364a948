"""The router's labelled examples: the files shipped with the project and their deterministic split by text hash
into train (80 %), calibration (10 %) and test (10 %)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

EXAMPLES_FILE = "intent_examples.jsonl"
# Written separately from the examples, in other styles, never trained on: half fits the cascade's deferral
# threshold (calibration), half is only reported (test). See ``Example.split``.
SHIFT_FILE = "intent_shift.jsonl"
# Hand-written in many styles before examples of those styles were added; never trained on, never used to fit or
# choose anything: only reported (``supportgraph eval intents``, "project varied held-out").
HELDOUT_FILE = "intent_heldout.jsonl"
TRAIN, CALIBRATION, TEST = "train", "calibration", "test"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    shifted: bool = False  # from SHIFT_FILE: never trained on

    @property
    def split(self) -> str:
        """``train`` (80 %), ``calibration`` (10 %) or ``test`` (10 %): by text hash, stable across runs and
        machines, and unchanged for an example when others are added. A shifted example is never ``train``:
        ``calibration`` or ``test``, half each."""
        bucket = int(hashlib.sha256(self.text.encode()).hexdigest(), 16) % 10
        if self.shifted:
            return CALIBRATION if bucket % 2 else TEST
        return TEST if bucket == 0 else CALIBRATION if bucket == 1 else TRAIN


def in_split(examples: list[Example], split: str) -> list[Example]:
    """The examples of one split (``TRAIN``, ``CALIBRATION`` or ``TEST``)."""
    return [e for e in examples if e.split == split]


def load_examples(path: Path | None = None, *, shifted: bool = False, heldout: bool = False) -> list[Example]:
    """The labelled examples shipped with the project (or those at ``path``); with ``shifted``, those of
    ``SHIFT_FILE`` instead, with ``heldout`` those of ``HELDOUT_FILE`` (none when the file is absent)."""
    if path is None:
        name = SHIFT_FILE if shifted else HELDOUT_FILE if heldout else EXAMPLES_FILE
        data = resources.files("graphs.reasoners.local").joinpath("data", name)
        if (shifted or heldout) and not data.is_file():
            return []
        text = data.read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [Example(text=r["text"], intent=r["intent"], shifted=shifted) for r in rows]
