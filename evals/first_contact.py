"""First-contact labelled turns: what the code does on text it was NOT worked on from.

The code is improved from the dev halves' failures, so on those dev conversations it is right far more often than
on text it has never met (dev6 went from 52 to 78 % while its unseen test half went from 56 to 60 %). A calibration
fitted on worked-on dev turns learns that optimism, and cross-validation by writer cannot see it: the code itself
was fitted to those writers. The turns of a dev half played once, with the code as it was when the half was
committed and before anyone read it, are the only measure of how the agent does on unseen text. They are recorded
once (``supportgraph fit confidence --record-first-contact evals/scenarios/blind/devN``) into
``evals/confidence/first_contact/devN.jsonl`` with the commit they were played on, and never replayed: a replay on
later code would be a worked-on play again. ``supportgraph fit confidence`` fits its calibration on them
(evals/confidence_fit.py, docs/confidence.md "First-contact calibration").
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path

from evals.confidence_fit import LabelledTurn, _relative, collect_turns
from graphs.support.reply_signals import REPLY_SIGNALS, SENT_SIGNALS, reply_signals, sent_signals

FIRST_CONTACT = Path(__file__).parent / "confidence" / "first_contact"


def _commit() -> str:
    """The commit the turns are played on (with ``+dirty`` when the tree has uncommitted changes)."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def record(path: Path, out_dir: Path = FIRST_CONTACT, *, overwrite: bool = False) -> Path:
    """Play the dev half ``path`` with the current code and write its labelled turns to ``out_dir/<name>.jsonl``.

    Refuses a test half (as the fit does) and an existing record unless ``overwrite``: a record is first contact
    only once."""
    out = out_dir / f"{path.resolve().name}.jsonl"
    if out.exists() and not overwrite:
        raise ValueError(f"{_relative(out)} exists: a half's first contact is recorded once (a replay on later "
                         "code is a worked-on play)")
    commit = _commit()  # before the play: the code it is played with
    turns = collect_turns(path)  # refuses anything under blind/ that is not a dev half
    return write(turns, out, commit=commit)


def write(turns: Sequence[LabelledTurn], out: Path, *, commit: str) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    played = datetime.now(UTC).isoformat(timespec="seconds")
    with out.open("w", encoding="utf-8") as fh:
        for t in turns:
            fh.write(json.dumps({**asdict(t), "commit": commit, "played_at": played}, sort_keys=True) + "\n")
    return out


def load(paths: Sequence[Path] | None = None) -> list[LabelledTurn]:
    """The recorded first-contact turns (every file under ``FIRST_CONTACT`` unless ``paths`` are given), with the
    reply-side signals computed from what was said where the record keeps it (``with_reply_signals``)."""
    files = sorted(FIRST_CONTACT.glob("*.jsonl")) if paths is None else list(paths)
    fields = set(LabelledTurn.__dataclass_fields__)
    turns = []
    for file in files:
        for line in file.read_text("utf-8").splitlines():
            if line.strip():
                raw = json.loads(line)
                turns.append(LabelledTurn(**{k: v for k, v in raw.items() if k in fields}))
    return with_reply_signals(turns)


def with_reply_signals(turns: Sequence[LabelledTurn]) -> list[LabelledTurn]:
    """The turns with the reply-side signals (graphs/support/reply_signals.py; ``asks_customer`` too, which the
    conversation map reads) their record lacks, computed by the
    graph's own function from the replies the agent sent and those of the conversation's earlier turns (a record
    lists a conversation's turns in order). A record that kept no replies (played before records kept what was
    said: dev6-dev8) gets none: the fit reads a missing turn signal as 0, as on a turn that showed none of it, and
    the conversation map a missing ``asks_customer`` as unknown (``conversation_map.UNKNOWN_SETTLED``)."""
    sent: dict[str, list[str]] = {}
    out = []
    for t in turns:
        earlier = sent.setdefault(t.conversation or t.text, [])
        missing = [name for name in REPLY_SIGNALS if name not in t.signals]
        missing += [name for name in SENT_SIGNALS if name not in t.signals]
        if missing and t.replies:
            computed = {**reply_signals(earlier, "\n\n".join(t.replies)), **sent_signals(t.replies)}
            t = replace(t, signals={**t.signals, **{name: computed[name] for name in missing}})
        earlier.extend(t.replies)
        out.append(t)
    return out
