"""How a plan's steps progress (graphs/support/nodes/act.py): a step is ready when every step it depends on is
done, skipped when one of them did not succeed; once the ready steps have run, the flow waits for what its records
show it still needs, for identity again, for a confirmation, or for nothing."""

from __future__ import annotations

from graphs.support.flows import get_flow, request_key
from graphs.support.requests import slots_for
from graphs.support.state import ActiveFlow, Step

TERMINAL = {"done", "failed", "skipped", "rejected"}


def deps_done(step: Step, by_id: dict[str, Step]) -> bool:
    return all(by_id[dep]["status"] == "done" for dep in step["depends_on"] if dep in by_id)


def skip_blocked(steps: list[Step], by_id: dict[str, Step]) -> None:
    changed = True
    while changed:
        changed = False
        for step in steps:
            if step["status"] in TERMINAL:
                continue
            blocked = [dep for dep in step["depends_on"]
                       if dep in by_id and by_id[dep]["status"] in {"failed", "skipped", "rejected"}]
            if blocked:
                step["status"], step["error"] = "skipped", f"it needed {', '.join(blocked)}, which did not succeed"
                changed = True


def ask_after_records(flow: ActiveFlow, steps: list[Step]) -> None:
    """Ask for what a request still needs once its records show it can be used (flows.yaml ``ask_when``): a new
    address for an order not shipped yet; for one that has shipped the reply says why not, and asks nothing."""
    for intent in flow["intents"]:
        slots = slots_for(flow, intent)
        results = {s["id"].split(".", 1)[1]: (s["result"] or {}).get("data") for s in steps
                   if request_key(s) == intent and "." in s["id"] and s["status"] == "done"}
        for name, slot in get_flow(intent).slots.items():
            if (slot.ask_when is not None and slots.get(name) is None and name not in flow["asking"]
                    and slot.ask_when.applies({"steps": results, "slots": slots})):
                flow["asking"], flow["stage"] = [*flow["asking"], name], "collecting"


def settle(flow: ActiveFlow, steps: list[Step], by_id: dict[str, Step]) -> None:
    """Work out what the flow now waits for: identity again, a confirmation, or nothing."""
    if "verify" in by_id and by_id["verify"]["status"] == "failed":
        flow["asking"], flow["stage"] = ["identity"], "verifying"
    elif any(s["status"] == "awaiting_confirmation" and deps_done(s, by_id) for s in steps):
        flow["asking"], flow["stage"] = ["confirmation"], "confirming"
    elif flow["asking"]:
        return
    elif all(s["status"] in TERMINAL for s in steps):
        flow["stage"] = "done"
