"""The demo: customer conversations against the demo company, one of them resumed by a human reviewer.

The reviewer works from another process (``supportgraph review …`` run as a subprocess) against the stored
thread, exactly as a person at the review queue would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.console import Console
from rich.rule import Rule

from foundation.audit import open_audit_log
from foundation.db import close_database, sqlite_path
from foundation.settings import get_settings
from service.conversations import open_service
from service.metrics import MetricsSettings, compute_metrics
from service.metrics.report import print_report
from service.render import print_turn
from tools.store.lifecycle import seed_demo_store, upgrade_store


@dataclass(frozen=True)
class Conversation:
    title: str
    customer_id: str | None
    messages: tuple[str, ...]
    reviewer_args: tuple[str, ...] = ()


CONVERSATIONS = (
    Conversation(
        "Order tracking for a customer who is not signed in (identity check, then the order)",
        None,
        ("Hi! Where is my order? It was supposed to come this week.",
         "Sure, it's order 10003. My email is maya.chen@example.com and my zip code is 94107."),
    ),
    Conversation(
        "Cancelling a pending order, signed in as C0001 (the customer asks whether they can, so the agent asks"
        " before it acts; the customer rates it)",
        "C0001",
        ("Can I still cancel order 10001? I ordered the wrong charger.", "Yes, go ahead.", "5, thank you!"),
    ),
    Conversation(
        "A refund above the approval limit, signed in as C0001 (a billing reviewer approves it)",
        "C0001",
        ("The Aurora ANC Headphones from order 10002 arrived broken. I want my money back.",),
        ("--approve",),
    ),
    Conversation(
        "An upset customer asks for a person, signed in as C0002 (a reviewer answers in person)",
        "C0002",
        ("This is ridiculous, I've written three times already. I want to talk to a real person!",),
        ("--respond", "Hi Jonas, I'm Sam from customer care. I'm sorry for the runaround; I've read your "
         "messages and I'm calling you within the hour."),
    ),
)


def run_demo(console: Console, *, database_url: str | None = None, fresh: bool = True) -> None:
    settings = get_settings()
    url = database_url or settings.database_url or f"sqlite:///{(settings.home / 'demo.db').resolve()}"
    if fresh and url.startswith("sqlite:///"):
        close_database(url)
        for suffix in ("", "-wal", "-shm"):
            path = sqlite_path(url).with_name(sqlite_path(url).name + suffix)
            path.unlink(missing_ok=True)
    run = uuid.uuid4().hex[:6]
    demo_started = datetime.now(UTC)
    console.print(Rule("supportgraph demo"))
    console.print(f"database: {url}\nreasoner: local (offline MiniLM intent router), no API key needed\n")
    started = time.perf_counter()
    before, after = upgrade_store(url)
    seeded = seed_demo_store(url, seed=settings.demo_seed)
    console.print(f"[dim]store at revision {after}" + (f" (was {before or 'not migrated'})" if before != after else "")
                  + (", demo company seeded" if seeded else ", data kept") + "[/]")
    with open_service(url) as service:
        service.warm_up()
        console.print(f"[dim]ready in {time.perf_counter() - started:.1f} s (store opened, model loaded)[/]\n")
        waiting: list[tuple[str, Conversation]] = []
        for n, conv in enumerate(CONVERSATIONS, 1):
            thread_id = f"demo-{run}-{n}"
            console.print(Rule(f"Conversation {n}: {conv.title}"))
            console.print(f"[dim]thread {thread_id}[/]")
            for text in conv.messages:
                report = service.send(thread_id, text, customer_id=conv.customer_id)
                print_turn(console, report)
            if report.review_request:
                waiting.append((thread_id, conv))
            console.print()
    for thread_id, conv in waiting:
        console.print(Rule(f"Reviewer at the queue: {thread_id}"))
        _reviewer(console, url, ["review", "list"])
        _reviewer(console, url, ["review", "show", thread_id])
        _reviewer(console, url, ["review", "resume", thread_id, "--reviewer", "sam", *conv.reviewer_args])
        console.print()
    console.print(Rule("Support metrics over the demo conversations (supportgraph metrics)"))
    print_report(console, compute_metrics(open_audit_log(url).db, MetricsSettings(since=demo_started)))
    console.print(Rule("done"))
    console.print(f"Continue a thread: supportgraph chat --thread demo-{run}-2 --database-url {url}")


def _reviewer(console: Console, url: str, args: list[str]) -> None:
    """Run a reviewer's command in a separate process, against the stored thread."""
    shown = " ".join(a if " " not in a else repr(a) for a in args)
    console.print(f"[bold magenta]$ supportgraph {shown}[/]")
    env = {**os.environ, "SUPPORTGRAPH_DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-m", "supportgraph", *args], env=env, capture_output=True,
                          text=True, check=False)
    console.print(done.stdout.rstrip(), markup=False, highlight=False)
    if done.returncode != 0:
        raise RuntimeError(f"reviewer command failed ({done.returncode}): {done.stderr.strip()[-500:]}")
