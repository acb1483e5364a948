"""Faults, tried as an operator would: kill -9 of a real ``supportgraph`` command at many points, concurrent
sends, a remote CRM that misbehaves, a Postgres restart mid-turn; then the invariants, checked on the store.

Each trial runs on its own copy of a seeded database (SQLite file copy, or a Postgres ``CREATE DATABASE …
TEMPLATE``), so trials do not interfere. The killed or interrupted command is a real subprocess; what follows
(the next touch of the thread, the checks) runs in this process through SupportService, exactly as the CLI does.
Invariants: every approved movement happens exactly once, no accepted message or reply is lost, the customer is
told what was done, and every thread ends resumable (finished, or waiting with its review in the queue).

tests/faults runs a few trials of each scenario; ``supportgraph bench faults --trials N`` runs many.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from foundation.crash import ENV as CRASH_ENV
from foundation.crash import PAUSE_ENV, PAUSE_FILE_ENV
from service.conversations import SupportError, SupportService, open_service
from tools.store import prepare_demo_store

REFUND_TEXT = "I want a refund for order 10002, the headphones arrived broken"  # $349.99, needs a reviewer
SMALL_REFUND = "I'd like a refund for order 10004"  # $14.99, the agent refunds it itself
CONCURRENT_TEXTS = (SMALL_REFUND, "where is order 10003?", "what is your return policy?")
CLI_TIMEOUT = 300


@dataclass
class Trial:
    scenario: str
    fault: str
    outcome: str = ""
    breaches: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- databases, one copy per trial


class Databases:
    """A seeded template database and a fresh copy of it per trial (``sqlite`` or a Postgres admin URL)."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind, self.workdir = kind, workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.template = self._make_template()

    def _make_template(self) -> str:
        if self.kind == "sqlite":
            url = f"sqlite:///{self.workdir / 'template.db'}"
        else:
            url = _create_pg_database(self.kind, "sg_fault_tpl_" + uuid.uuid4().hex[:8], None)
        prepare_demo_store(url)  # migrated, with the demo company
        with open_service(url) as service:
            service.warm_up()  # creates the checkpoint and audit tables
        from foundation.db import close_database

        close_database(url)
        return url

    def fresh(self) -> str:
        if self.kind == "sqlite":
            path = self.workdir / f"trial-{uuid.uuid4().hex[:8]}.db"
            with closing(sqlite3.connect(str(self.template)[len("sqlite:///"):])) as src, \
                    closing(sqlite3.connect(path)) as dst:
                src.backup(dst)
            return f"sqlite:///{path}"
        return _create_pg_database(self.kind, "sg_fault_" + uuid.uuid4().hex[:10], self.template)


def _create_pg_database(admin_url: str, name: str, template: str | None) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        like = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{like}')
    return admin_url.rsplit("/", 1)[0] + "/" + name


# ---------------------------------------------------------------- the CLI as a subprocess


def cli(*args: str, url: str, env: dict[str, str] | None = None, wait: bool = True) -> subprocess.Popen[bytes]:
    """``python -m supportgraph ARGS`` on ``url``; waited for unless ``wait=False``."""
    full_env = {**os.environ, "SUPPORTGRAPH_DATABASE_URL": url, "PYTHONIOENCODING": "utf-8",
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    for name in (CRASH_ENV, PAUSE_ENV, PAUSE_FILE_ENV):
        if name not in (env or {}):
            full_env.pop(name, None)
    root = str(Path(__file__).resolve().parents[1])
    full_env["PYTHONPATH"] = root + os.pathsep + full_env.get("PYTHONPATH", "")
    proc = subprocess.Popen([sys.executable, "-m", "supportgraph", *args], env=full_env, cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if wait:
        proc.wait(timeout=CLI_TIMEOUT)
    return proc


def output_breaches(proc: subprocess.Popen[bytes], what: str) -> list[str]:
    """A command ends well, refuses with one line (exit 2), or was killed; never with a traceback."""
    out, err = (p.read().decode("utf-8", "replace") if p else "" for p in (proc.stdout, proc.stderr))
    if proc.returncode == -9:
        return []
    if "Traceback" in out + err:
        return [f"{what}: traceback (exit {proc.returncode}): {err.strip().splitlines()[-1:]}"]
    if proc.returncode == 2 and not (len(err.splitlines()) == 1 and err.startswith("error: ")):
        return [f"{what}: exit 2 without exactly one error line: {err[-300:]!r}"]
    if proc.returncode not in (0, 2):
        return [f"{what}: exit {proc.returncode}: {err[-300:]!r}"]
    return []


# ---------------------------------------------------------------- invariants on the store


def refunds(url: str, order_id: int) -> list[tuple[float, str | None]]:
    from tools.store import open_store
    from tools.store.schema import refunds as table

    with open_store(url).db.begin() as conn:
        rows = conn.execute(select(table.c.amount_cents, table.c.approved_by).where(table.c.order_id == order_id))
        return [(r.amount_cents / 100, r.approved_by) for r in rows]


def thread_breaches(service: SupportService, thread_id: str) -> list[str]:
    """The thread ends resumable, and no accepted message or reply is lost."""
    from foundation.audit import open_audit_log
    from service.conversations import _review_request

    snapshot = service.graph.get_state({"configurable": {"thread_id": thread_id}})
    if not snapshot.values:
        return []
    breaches = []
    pending = _review_request(snapshot)
    if snapshot.next and pending is None:
        breaches.append(f"the run is unfinished after a touch: next {snapshot.next}")
    messages = list(snapshot.values.get("messages", []))
    for i, m in enumerate(messages):
        if m.type == "human" and not any(n.type == "ai" for n in messages[i + 1:]) and pending is None:
            breaches.append(f"customer message {str(m.content)[:40]!r} has no reply")
    audit = open_audit_log(service.context.database_url)
    listed = {(i.thread_id, i.turn) for i in audit.review_items()}
    if pending is not None and (thread_id, int(pending["context"]["turn"])) not in listed:
        breaches.append("the thread waits for a review that `review list` does not show")
    unsettled = [i for i in audit.unsettled_reviews(thread_id)
                 if pending is None or i.turn != int(pending["context"]["turn"])]
    if unsettled:
        breaches.append(f"review rows left unsettled: {[(i.turn, i.status) for i in unsettled]}")
    return breaches


def touch(service: SupportService, thread_id: str) -> None:
    """What the next reader does: `review list` (gives back dead claims), then `review show`."""
    service.recover_claimed_reviews()
    with suppress(SupportError):
        service.pending_review(thread_id)


# ---------------------------------------------------------------- scenarios


def _last_ai(service: SupportService, thread_id: str) -> str:
    values = service.graph.get_state({"configurable": {"thread_id": thread_id}}).values
    return next((str(m.content) for m in reversed(values.get("messages", [])) if m.type == "ai"), "")


def resume_kill(url: str, fault: str) -> Trial:
    """A reviewer's `review resume --approve` killed at ``fault``; the next reader finishes or reopens it."""
    trial, thread = Trial("resume-kill", fault), "fault-resume"
    with open_service(url) as service:
        service.send(thread, REFUND_TEXT, customer_id="C0001")
        proc = _killed(("review", "resume", thread, "--approve", "--reviewer", "ana"), url, fault)
        trial.outcome = "killed" if proc.returncode == -9 else f"exit {proc.returncode}"
        trial.breaches += output_breaches(proc, "review resume")
        touch(service, thread)
        if service.pending_review(thread) is not None:
            service.resume(thread, {"decisions": [{"type": "approve"}], "reviewer": "ana"})
        made = refunds(url, 10002)
        if made != [(349.99, "ana")]:
            trial.breaches.append(f"approved refund of 349.99 happened as {made}")
        if "349.99" not in _last_ai(service, thread):
            trial.breaches.append(f"the customer was not told of the refund: {_last_ai(service, thread)[:120]!r}")
        trial.breaches += thread_breaches(service, thread)
    return trial


def send_kill(url: str, fault: str) -> Trial:
    """A customer's `send` (a refund the agent makes itself) killed at ``fault``; the customer sends it again."""
    trial, thread = Trial("send-kill", fault), "fault-send"
    proc = _killed(("send", "--customer", "C0001", "--thread", thread, SMALL_REFUND), url, fault)
    trial.outcome = "killed" if proc.returncode == -9 else f"exit {proc.returncode}"
    trial.breaches += output_breaches(proc, "send")
    with open_service(url) as service:
        if proc.returncode == -9:
            retry = service.send(thread, SMALL_REFUND, customer_id="C0001")
            told = " ".join(retry.replies)
            if "already" in told or "14.99" not in told:
                trial.breaches.append(f"the retry was not told the refund it got: {told[:160]!r}")
        made = refunds(url, 10004)
        if len(made) != 1:
            trial.breaches.append(f"the refund happened {len(made)} times")
        trial.breaches += thread_breaches(service, thread)
    return trial


def concurrent_sends(url: str, fault: str) -> Trial:
    """Several `send`s to one thread at once: each is answered or refused as busy, none is lost."""
    trial, thread = Trial("concurrent", fault), "fault-together"
    with open_service(url) as service:
        service.send(thread, "hello", customer_id="C0001")
        procs = [cli("send", "--thread", thread, text, url=url, wait=False) for text in CONCURRENT_TEXTS]
        for proc in procs:
            proc.wait(timeout=CLI_TIMEOUT)
        accepted = [t for t, p in zip(CONCURRENT_TEXTS, procs, strict=True) if p.returncode == 0]
        for proc in procs:
            trial.breaches += output_breaches(proc, "concurrent send")
        trial.outcome = f"{len(accepted)}/{len(procs)} accepted"
        values = service.graph.get_state({"configurable": {"thread_id": thread}}).values
        said = [str(m.content) for m in values.get("messages", []) if m.type == "human"]
        if sorted(said[1:]) != sorted(accepted):
            trial.breaches.append(f"accepted {accepted} but the thread keeps {said[1:]}")
        if values.get("turn") != 1 + len(accepted):
            trial.breaches.append(f"turn {values.get('turn')} after {1 + len(accepted)} turns")
        if len(refunds(url, 10004)) != (1 if SMALL_REFUND in accepted else 0):
            trial.breaches.append(f"refunds of 10004: {refunds(url, 10004)}")
        trial.breaches += thread_breaches(service, thread)
    return trial


def crm_outage(url: str, fault: str) -> Trial:
    """Signed-in turns while the remote CRM fails (``fault``: one of evals/broken_crm.py's modes): a
    knowledge-base question is answered, an account request fails its step with a reason, nothing crashes."""
    from evals.broken_crm import serve_broken_crm

    trial, thread = Trial("crm-outage", fault), f"fault-crm-{fault}"
    saved = {k: os.environ.get(k) for k in ("SUPPORTGRAPH_CRM_URL", "SUPPORTGRAPH_CRM_TIMEOUT")}
    with serve_broken_crm(fault) as crm_url, open_service(url) as service:
        os.environ.update({"SUPPORTGRAPH_CRM_URL": crm_url, "SUPPORTGRAPH_CRM_TIMEOUT": "0.5"})
        try:
            kb = service.send(thread, "what is your return policy?", customer_id="C9001")
            if not kb.replies or "return" not in kb.replies[-1].lower():
                trial.breaches.append(f"the KB question was not answered: {kb.replies}")
            account = service.send(thread, "please send me a password reset link")
            if not account.replies and account.review_request is None:
                trial.breaches.append("the account request got neither a reply nor a reviewer")
            trial.outcome = account.status
        except Exception as exc:
            trial.breaches.append(f"the turn crashed: {type(exc).__name__}: {str(exc)[:120]}")
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        trial.breaches += thread_breaches(service, thread)
    return trial


def _killed(args: tuple[str, ...], url: str, fault: str) -> subprocess.Popen[bytes]:
    """Run the command, killed at the crash point ``fault`` (``random:S``: SIGKILL after up to S seconds)."""
    if fault.startswith("random:"):
        proc = cli(*args, url=url, wait=False)
        time.sleep(random.uniform(0, float(fault.split(":")[1])))
        proc.kill()
        proc.wait(timeout=CLI_TIMEOUT)
        return proc
    return cli(*args, url=url, env={CRASH_ENV: fault})


RESUME_FAULTS = ["claim:1", "store:1", *(f"checkpoint:{k}" for k in range(1, 9)), "random:30"]
SEND_FAULTS = ["store:1", *(f"checkpoint:{k}" for k in range(1, 13)), "random:30"]
SCENARIOS: dict[str, tuple[Callable[[str, str], Trial], list[str]]] = {
    "resume-kill": (resume_kill, RESUME_FAULTS),
    "send-kill": (send_kill, SEND_FAULTS),
    "concurrent": (concurrent_sends, ["3 at once"]),
    "crm-outage": (crm_outage, ["hang", "500", "garbage", "shape", "closed"]),
}


def run_trials(kind: str, scenario: str, trials: int, *, workdir: Path, seed: int = 0) -> Iterator[Trial]:
    """``trials`` trials of one scenario on ``kind`` (``sqlite`` or a Postgres admin URL), faults in turn."""
    run, faults = SCENARIOS[scenario]
    rng = random.Random(seed)
    dbs = Databases(kind, workdir)
    for n in range(trials):
        fault = faults[n] if n < len(faults) else rng.choice(faults)
        url = dbs.fresh()
        try:
            yield run(url, fault)
        finally:
            from foundation.db import close_database

            close_database(url)
            if url.startswith("sqlite:///"):
                Path(url[len("sqlite:///"):]).unlink(missing_ok=True)


def summary(trials: list[Trial]) -> dict[str, Any]:
    return {"trials": len(trials), "breaches": sum(len(t.breaches) for t in trials),
            "failed_trials": [t for t in trials if t.breaches]}
