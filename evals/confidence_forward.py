"""Forward chaining over the first-contact batches: does a calibration hold on the NEXT batch?

``python -m evals.confidence_forward [--replays DIR]`` prints, for each batch k (dev7 … the newest first-contact
record), how each candidate calibration fitted on what existed before batch k does on batch k's first-contact
turns: turn ECE, conversation ECE, turn AUC, risk at 60 % coverage, the conversations' AUC and risk at 60 %
coverage, and the mean confidence against the rate of right turns; then the same pooled over every k.

What existed before batch k: the first-contact turns of batches < k (evals/confidence/first_contact), and the
turns of older dev/para halves replayed on the code batch k was first played on (the lead can play them at the
start of a session). Replays are jsonl files ``<commit[:7]>-<half>.jsonl`` in DIR (evals/confidence/replays by
default), each line a LabelledTurn, played by ``--replay COMMIT HALF…`` from a ``git archive`` copy of COMMIT.
A second target, closer to a test half at the end of a session: the paraphrased twins of the half worked on in
the session before batch k, replayed on batch k's code (their own replay left out of the fit). The signal
weights of fold k are fitted as ``supportgraph fit confidence`` fits them (sign-constrained logistic regression
on worked-on + first-contact turns) on the replayed dev halves < k at batch k's commit, or, for a half not
replayed there, at the newest commit it was replayed on (later code: the weights only, said in the output).
The candidates differ only in the two maps (turn and conversation) fitted on top of those weights.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from evals import confidence_calibration as cal
from evals.confidence_fit import LabelledTurn, fit
from evals.first_contact import FIRST_CONTACT, load
from evals.intents import expected_calibration_error
from evals.selective import risk_coverage
from graphs.support.confidence import ConfidenceModel

REPLAYS = FIRST_CONTACT.parent / "replays"
# dev8's record was written before records named their commit (docs/confidence.md: played on 07b4745).
KNOWN_COMMITS = {"dev8": "07b4745a5cd8fda465ba061cb9939de5409b7d30"}
# The regularisation strength of the weights (the shipped fit's choice since session 13), fixed to save the search.
C = 0.3


def batch_of(turn: LabelledTurn) -> int:
    """The batch a turn's half belongs to (dev7, para7 → 7; dev → 1)."""
    return cal.batch_of(turn.folder)


def half_of(turn: LabelledTurn) -> str:
    return turn.folder.rsplit("/", 1)[-1]


Maps = tuple[tuple[float, float], tuple[float, float]]
# A candidate: (model with weights, first-contact turns of older batches, replays on batch k's code) → the maps.
Candidate = Callable[[ConfidenceModel, list[LabelledTurn], list[LabelledTurn]], Maps]


def weighted_maps(model: ConfidenceModel, turns: Sequence[LabelledTurn], weight: Sequence[float] | np.ndarray,
                  slope_from: Sequence[LabelledTurn] | None = None) -> Maps:
    """The turn map and the conversation map fitted on ``turns`` with these weights (a conversation weighs as its
    first turn); with ``slope_from`` both slopes come from a pooled fit on those turns and only the intercepts
    from ``turns``."""
    w = np.asarray(weight, dtype=float)
    z = cal.linear(model, turns)
    y = [t.correct for t in turns]
    slope = conv_slope = None
    if slope_from is not None:
        (_, slope), (_, conv_slope) = weighted_maps(model, slope_from, [1.0] * len(slope_from))
    turn_ab = cal.platt(z, y, weight=w, slope=slope)
    p = cal.apply(*turn_ab, z)
    groups = cal._conversations(turns)
    if not groups:
        return turn_ab, (0.0, 1.0)
    zc, yc = cal.conversation_logits(model.conversation, turns, p)
    wc = [w[idx[0]] for idx in groups]
    return turn_ab, cal.platt(zc, yc, weight=wc, slope=conv_slope)


def pooled(model: ConfidenceModel, first: list[LabelledTurn], _: list[LabelledTurn]) -> Maps:
    """The calibration of sessions 11-14: every older first-contact turn weighs the same."""
    return cal.maps(model, first, None, newest_intercept=False)


def recency(half_life: float) -> Candidate:
    """Older batches weigh 0.5 ** (age / half_life), age in batches from the newest."""
    def candidate(model: ConfidenceModel, first: list[LabelledTurn], _: list[LabelledTurn]) -> Maps:
        return cal.maps(model, first, half_life, newest_intercept=False)
    return candidate


def newest(model: ConfidenceModel, first: list[LabelledTurn], _: list[LabelledTurn]) -> Maps:
    """The calibration of session 15 (``supportgraph fit confidence``'s default): slopes from every older batch,
    intercepts from the newest alone."""
    return cal.maps(model, first, None, newest_intercept=True)


def newest_intercept(shrink: float) -> Candidate:
    """Slopes from every older batch; the intercepts moved ``shrink`` of the way from the pooled fit to the one
    that matches the newest batch's rate of right turns (1: the newest batch's intercept)."""
    def candidate(model: ConfidenceModel, first: list[LabelledTurn], replays: list[LabelledTurn]) -> Maps:
        newest = max(batch_of(t) for t in first)
        last = [t for t in first if batch_of(t) == newest]
        (a0, b0), (c0, d0) = pooled(model, first, replays)
        (a1, _), (c1, _) = weighted_maps(model, last, [1.0] * len(last), slope_from=first)
        return (a0 + shrink * (a1 - a0), b0), (c0 + shrink * (c1 - c0), d0)
    return candidate


def with_replays(share: float, halves: Callable[[int, int], bool] = lambda batch, newest: True,
                 half_life: float | None = None) -> Candidate:
    """The older first-contact turns (weighed by ``half_life``) plus the replays on batch k's code of the halves
    ``halves`` picks, the replays weighing ``share`` of the first-contact turns' weight in all."""
    def candidate(model: ConfidenceModel, first: list[LabelledTurn], replays: list[LabelledTurn]) -> Maps:
        newest = max(batch_of(t) for t in first)
        picked = [t for t in replays if halves(batch_of(t), newest)]
        w_first = cal.recency(first, half_life)
        if not picked:
            return weighted_maps(model, first, w_first)
        w = share * float(w_first.sum()) / len(picked)
        return weighted_maps(model, [*first, *picked], [*w_first.tolist(), *([w] * len(picked))])
    return candidate


def candidates() -> dict[str, Candidate]:
    return {
        "pooled (sessions 11-14)": pooled,
        "recency half-life 1": recency(1.0),
        "recency half-life 2": recency(2.0),
        "recency half-life 3": recency(3.0),
        "newest intercept (session 15 default)": newest,
        "newest intercept, shrink 0.5": newest_intercept(0.5),
        "+ replays of the newest dev/para (share 0.5)": with_replays(0.5, lambda b, n: b == n),
        "+ replays of every older half (share 0.5)": with_replays(0.5),
        "+ replays of the newest dev/para (share 1)": with_replays(1.0, lambda b, n: b == n),
        "recency 1 + replays of every older half (0.5)": with_replays(0.5, half_life=1.0),
    }


def scores(model: ConfidenceModel, maps: Maps, turns: list[LabelledTurn]) -> dict[str, np.ndarray]:
    composed = cal.compose(model, *maps)
    p = cal.apply(0.0, 1.0, cal.linear(composed, turns))
    zc, yc = cal.conversation_logits(composed.conversation, turns, p)
    return {"p": p, "y": np.array([t.correct for t in turns]), "pc": cal.apply(0.0, 1.0, zc), "yc": yc}


def figures(s: dict[str, np.ndarray]) -> dict[str, float]:
    curve = risk_coverage(s["p"].tolist(), s["y"].tolist())
    conv_curve = risk_coverage(s["pc"].tolist(), s["yc"].tolist())
    return {"turns": len(s["y"]), "turn_ece": expected_calibration_error(s["p"], s["y"]),
            "conv_ece": expected_calibration_error(s["pc"], s["yc"]),
            "auc": float(roc_auc_score(s["y"], s["p"])),
            "risk60": next(q["risk"] for q in curve if q["coverage"] >= 0.6),
            # the conversations' ranking: a conversation passes iff its last turn is right (the labelling rule)
            "conv_auc": float(roc_auc_score(s["yc"], s["pc"])) if len(set(s["yc"].tolist())) > 1 else float("nan"),
            "conv_risk60": next(q["risk"] for q in conv_curve if q["coverage"] >= 0.6),
            "mean": float(s["p"].mean()), "rate": float(s["y"].mean()),
            "conv_mean": float(s["pc"].mean()), "conv_rate": float(s["yc"].mean())}


def load_replays(folder: Path | None) -> dict[str, list[LabelledTurn]]:
    """Replayed turns by the commit (7 characters) they were played on."""
    out: dict[str, list[LabelledTurn]] = {}
    for file in sorted(folder.glob("*.jsonl")) if folder and folder.is_dir() else []:
        out.setdefault(file.name[:7], []).extend(load([file]))
    return out


def fold(k: int, first: list[LabelledTurn], replays: dict[str, list[LabelledTurn]],
         newest_code: str) -> tuple[ConfidenceModel, list[LabelledTurn], list[LabelledTurn], str]:
    """The weights fitted with what existed before batch k, the older first-contact turns, the replays on batch
    k's code, and where the weights' worked-on turns came from."""
    target = [t for t in first if batch_of(t) == k]
    commit = (target[0].commit if target[0].commit not in {"", "unknown"} else KNOWN_COMMITS[half_of(target[0])])[:7]
    older = [t for t in first if batch_of(t) < k]
    here = [t for t in replays.get(commit, []) if batch_of(t) < k]
    halves = {half_of(t) for t in replays.get(newest_code, []) if batch_of(t) < k and half_of(t).startswith("dev")}
    worked = [t for t in here if half_of(t).startswith("dev")]
    later = sorted(halves - {half_of(t) for t in worked})
    worked += [t for t in replays.get(newest_code, []) if half_of(t) in later]
    source = f"{commit}" + (f" + {newest_code} for {','.join(later)}" if later else "")
    # the weights as the shipped fit gets them (worked-on and first-contact turns together), before any map: the
    # candidates fit their own maps on top
    return fit([*worked, *older], c=C).model, older, here, source


def table(replay_dir: Path | None, batches: Sequence[int] | None = None) -> str:
    first = load()
    replays = load_replays(replay_dir)
    newest_code = max(replays, key=lambda c: len(replays[c]), default="")
    ks = batches or sorted({batch_of(t) for t in first} - {min(batch_of(t) for t in first)})
    found: dict[str, list[dict[str, np.ndarray]]] = {name: [] for name in candidates()}
    proxy: dict[str, list[dict[str, np.ndarray]]] = {}
    lines = []
    for k in ks:
        model, older, here, source = fold(k, first, replays, newest_code)
        target = [t for t in first if batch_of(t) == k]
        lines.append(f"\nbatch {k}: {len(target)} first-contact turns ({np.mean([t.correct for t in target]):.1%} "
                     f"right); fitted on {len(older)} older first-contact turns, weights' worked-on turns played "
                     f"on {source}; replays on batch {k}'s code: " + _rates(here))
        for name, candidate in candidates().items():
            s = scores(model, candidate(model, older, here), target)
            found[name].append(s)
            lines.append(_row(name, figures(s)))
        twins = [t for t in here if half_of(t) == f"para{k - 1}"]
        if twins:
            # the end-of-session proxy: twins of the half worked on last session, played on the code that work
            # left (a test half shares its dev half's writers; the twins share its facts)
            lines.append(f"  end-of-session proxy: para{k - 1} replayed on batch {k}'s code, {len(twins)} turns "
                         f"({np.mean([t.correct for t in twins]):.1%} right), its own replay left out of the fit")
            rest = [t for t in here if half_of(t) != f"para{k - 1}"]
            for name, candidate in candidates().items():
                s = scores(model, candidate(model, older, rest), twins)
                proxy.setdefault(name, []).append(s)
                lines.append(_row("  " + name, figures(s)))
    lines.append(f"\npooled over batches {', '.join(map(str, ks))}")
    for name, parts in found.items():
        lines.append(_row(name, figures({key: np.concatenate([s[key] for s in parts]) for key in parts[0]})))
    if proxy:
        lines.append("\npooled end-of-session proxy (para of the batch before, on batch k's code)")
        for name, parts in proxy.items():
            lines.append(_row(name, figures({key: np.concatenate([s[key] for s in parts]) for key in parts[0]})))
    return "\n".join(lines)


def _rates(turns: list[LabelledTurn]) -> str:
    halves = sorted({half_of(t) for t in turns}, key=lambda h: (cal.batch_of(h), h))
    return ", ".join(f"{h} {np.mean([t.correct for t in turns if half_of(t) == h]):.0%}" for h in halves) or "none"


def _row(name: str, f: dict[str, float]) -> str:
    return (f"  {name:<46} turn ECE {f['turn_ece']:.3f}  conv ECE {f['conv_ece']:.3f}  AUC {f['auc']:.3f}  "
            f"risk@60 {f['risk60']:.1%}  conv AUC {f['conv_auc']:.3f}  conv risk@60 {f['conv_risk60']:.1%}  "
            f"mean {f['mean']:.3f} vs rate {f['rate']:.3f}  "
            f"conv mean {f['conv_mean']:.3f} vs {f['conv_rate']:.3f}")


# Played inside the old tree (its own evals package): the labelled turns as evals/first_contact.write writes them.
# Not collect_turns: a para half is refused there (it is not fitted on by the shipped fit), and old trees differ.
_PLAY = """
import json, sys
from pathlib import Path
from evals.scenario_files import load_scenarios
from evals.scenario_runner import run_scenarios
commit, out, names = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
for name in names:
    run = run_scenarios(load_scenarios(Path('evals/scenarios/blind') / name))
    rows = [{'text': f"{r.scenario_id}#{t['turn']}", 'gold': 'right', 'predicted': 'right' if t['right'] else 'wrong',
             'signals': dict(t['signals']), 'correct': bool(t['right']), 'conversation': f'{r.scenario_id}/{r.trial}',
             'conversation_right': r.passed, 'folder': f'evals/scenarios/blind/{name}', 'commit': commit,
             'message': t.get('message', ''), 'replies': list(t.get('replies', ())),
             'intents': list(t.get('intents', ()))} for r in run.results for t in r.turns if t['signals']]
    (out / f'{commit[:7]}-{name}.jsonl').write_text(''.join(json.dumps(x, sort_keys=True) + chr(10) for x in rows))
"""


def replay(commit: str, halves: Sequence[str], out: Path = REPLAYS) -> None:
    """Play the dev/para ``halves`` with the code of ``commit`` (a ``git archive`` copy in a temporary folder, the
    current ``SUPPORTGRAPH_HOME``: a router of other training data is retrained into it once) and write their
    labelled turns to ``out/<commit[:7]>-<half>.jsonl``. Refuses anything but a dev or para half."""
    if not all(h.startswith(("dev", "para")) for h in halves):
        raise ValueError("only dev and para halves are replayed")
    root = Path(__file__).resolve().parent.parent
    full = subprocess.run(["git", "rev-parse", commit], cwd=root, capture_output=True, text=True,
                          check=True).stdout.strip()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tree:
        archive = subprocess.run(["git", "archive", full], cwd=root, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
        subprocess.run([sys.executable, "-c", _PLAY, full, str(out.resolve()), *halves], cwd=tree, check=True,
                       env={**os.environ, "PYTHONPATH": tree})


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replays", type=Path, default=REPLAYS,
                        help="folder of replayed halves (<commit>-<half>.jsonl); default evals/confidence/replays")
    parser.add_argument("--batches", type=int, nargs="*", default=None)
    parser.add_argument("--replay", nargs="+", metavar=("COMMIT", "HALF"), default=None,
                        help="instead of the table: play these dev/para halves on COMMIT into --replays")
    args = parser.parse_args(argv)
    if args.replay:
        replay(args.replay[0], args.replay[1:], args.replays)
        return
    print(f"first-contact records: {FIRST_CONTACT}; replays: {args.replays}")
    print(table(args.replays, args.batches))


if __name__ == "__main__":
    main()
