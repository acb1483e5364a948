"""The scenario run as JSON (every trial, with its transcript) and as a Markdown page a lead can read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.scenario_runner import ScenarioRun


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def model_usage(run: ScenarioRun) -> dict[str, Any]:
    """The model calls, tokens and recorded cost of every play together (empty when no model was used)."""
    total: dict[str, Any] = {}
    for t in run.transcripts:
        for key, value in t.model_usage.items():
            total[key] = total.get(key, 0) + value
    if "cost_usd" in total:
        total["cost_usd"] = round(total["cost_usd"], 8)
    return total


def report_json(run: ScenarioRun, meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "meta": meta,
        "summary": run.summary,
        "model_usage": model_usage(run),
        "trials": [{**r.to_json(), "transcript": t.to_json()}
                   for r, t in zip(run.results, run.transcripts, strict=True)],
        "langsmith": run.langsmith,
    }


def report_markdown(run: ScenarioRun, meta: dict[str, Any]) -> str:
    s = run.summary
    k = s["trials_per_scenario"]
    model = f" (model {meta['model']})" if meta.get("model") else ""
    lines = [
        "# Scenario evaluation",
        "",
        f"{s['scenarios']} scenarios × {k} trial(s) · reasoner {meta.get('reasoner', '?')}{model} · "
        f"database {meta.get('database', '?')} · {meta.get('started_at', '')}",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    lines += [f"| pass^{n} | {_pct(v)} |" for n, v in s["pass_hat_k"].items()]
    esc = s["escalation"]
    lines += [
        f"| escalation precision | {_pct(esc['precision'])} (TP {esc['true_positives']}, "
        f"FP {esc['false_positives']}) |",
        f"| escalation recall | {_pct(esc['recall'])} (FN {esc['false_negatives']}) |",
        f"| resolution rate | {_pct(s['resolution_rate'])} |",
        f"| confidence calibration error (ECE) | {_num(s['calibration']['expected_calibration_error'])} |",
    ]
    usage = model_usage(run)
    if usage:
        lines.append(f"| model calls · tokens in / out · cost | {usage['calls']} · {usage['prompt_tokens']:,} / "
                     f"{usage['completion_tokens']:,} · ${usage['cost_usd']:.4f} |")
    if run.langsmith:
        lines.append(f"| LangSmith experiment (offline) | {run.langsmith.get('experiment', '')} |")
    lines += selective_lines(s.get("selective") or {})
    lines += ["", "## Per flow", "", f"| flow | scenarios | trials | pass rate | pass^{k} |", "|---|---|---|---|---|"]
    for flow, f in s["per_flow"].items():
        lines.append(f"| {flow} | {f['scenarios']} | {f['trials']} | {_pct(f['pass_rate'])} | "
                     f"{_pct(f[f'pass^{k}'])} |")
    lines += ["", "## Failing scenarios", ""]
    if not s["failing"]:
        lines.append("None.")
    for sid, f in s["failing"].items():
        lines.append(f"- **{sid}** ({f['failed_trials']}/{f['trials']} trials failed): " + "; ".join(f["reasons"]))
    lines += ["", "## Calibration bins per conversation (product of turn confidences vs pass)", "",
              "| confidence | trials | mean confidence | pass rate |", "|---|---|---|---|"]
    for b in s["calibration"]["bins"]:
        lines.append(f"| {b['low']:.1f}–{b['high']:.1f} | {b['count']} | {b['mean_confidence']:.3f} | "
                     f"{b['accuracy']:.3f} |")
    return "\n".join(lines) + "\n"


def selective_lines(sel: dict[str, Any]) -> list[str]:
    """Selective answering: ECE and the threshold for the target risk, per turn and per conversation, and the
    risk–coverage curve per turn (every point where coverage moves by 5 % or more)."""
    if not sel or not sel.get("per_turn"):
        return []
    lines = ["", f"## Selective answering (target risk {_pct(sel['target_risk'])})", "",
             "| unit | n | right | ECE | threshold | coverage | risk at it | risk at 60 % coverage | "
             "risk answering all |", "|---|---|---|---|---|---|---|---|---|"]
    for unit in ("per_turn", "per_conversation"):
        f = sel.get(unit)
        if not f:
            continue
        c = f["chosen"]
        lines.append(f"| {unit.replace('_', ' ')} | {f['n']} | {f['right']} | {_num(f['expected_calibration_error'])} "
                     f"| {_num(c['threshold']) if c else 'none'} | {_pct(c['coverage']) if c else 'n/a'} | "
                     f"{_pct(c['risk']) if c else 'n/a'} | {_pct(f['risk_at_60_coverage'])} | "
                     f"{_pct(f['risk_at_full_coverage'])} |")
    routed = sel["per_turn"].get("as_routed")
    if routed:
        lines += ["", f"As routed by the agent: {_pct(routed['coverage'])} of turns answered alone, "
                      f"{_pct(routed['risk'])} of those wrong."]
    lines += separation_lines(sel.get("separation"))
    lines += ["", "Risk–coverage per turn:", "", "| threshold | coverage | risk |", "|---|---|---|"]
    last = -1.0
    for p in sel["per_turn"]["curve"]:
        if p["coverage"] - last >= 0.05 or p is sel["per_turn"]["curve"][-1]:
            lines.append(f"| {p['threshold']:.3f} | {_pct(p['coverage'])} | {_pct(p['risk'])} |")
            last = p["coverage"]
    return lines


def separation_lines(sep: dict[str, Any] | None) -> list[str]:
    """How well the confidence and each signal tell right turns from wrong ones (AUC, evals/selective.py)."""
    if not sep:
        return []
    lines = ["", f"Right vs wrong turns ({sep['n']} turns, {sep['wrong']} wrong), area under the ROC curve "
                 "(0.5 chance; a signal oriented by its meaning, below 0.5 it points the wrong way):", "",
             "| score | AUC |", "|---|---|", f"| confidence (combined) | {sep['confidence']:.3f} |"]
    ranked = sorted(sep["signals"].items(), key=lambda kv: -kv[1])
    lines += [f"| {name} | {auc:.3f} |" for name, auc in ranked]
    return lines


def write_reports(run: ScenarioRun, out: Path, meta: dict[str, Any]) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "scenarios.json", out / "scenarios.md"
    json_path.write_text(json.dumps(report_json(run, meta), indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(report_markdown(run, meta), encoding="utf-8")
    return json_path, md_path
