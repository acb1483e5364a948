"""``supportgraph review …``: work the queue of threads waiting for a human reviewer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from supportgraph.cli.common import CliError, DatabaseOpt, console
from supportgraph.cli.common import database_url_or_default as _url

if TYPE_CHECKING:
    from graphs.support.review import ActionRequest

# Commands import service/, evals/ and graphs/ inside the function: they load LangGraph, the router and torch
# (~2 s) that `supportgraph --help` and the other commands need not pay.

review_app = typer.Typer(help="Work the queue of threads waiting for a human reviewer.", no_args_is_help=True)


@review_app.command("list")
def review_list(
    queue: Annotated[str | None, typer.Option(help="Only this queue: billing, technical, accounts, general.")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Include resolved reviews.")] = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Threads waiting for a reviewer, the earliest SLA deadline first (the policy's hours by priority)."""
    from foundation.audit import open_audit_log
    from service.conversations import open_service

    with open_service(_url(database_url)) as service:
        service.recover_claimed_reviews()  # a resume that died gives its review back to the queue now
    items = open_audit_log(_url(database_url)).review_items(status=None if show_all else "open", queue=queue)
    if not items:
        console.print("no threads are waiting for review" + (f" in queue {queue}" if queue else ""))
        return
    now = datetime.now(UTC)
    for i in items:
        created = i.created_at if i.created_at.tzinfo else i.created_at.replace(tzinfo=UTC)
        age = _minutes(int((now - created).total_seconds() // 60))
        left = int((i.sla_due_at - now).total_seconds() // 60)
        sla = f"SLA in {_minutes(left)}" if left >= 0 else f"SLA overdue {_minutes(-left)}"
        print(f"{i.thread_id}\t{i.queue}\t{i.priority}\t{i.status}\tage {age}\t{sla}\t"
              f"{i.assigned_to or 'unassigned'}\t{i.customer_id or '-'}\t{'; '.join(i.reasons)}")


def _minutes(total: int) -> str:
    hours, minutes = divmod(max(0, total), 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"


@review_app.command("assign")
def review_assign(
    thread: str,
    to: Annotated[str, typer.Option("--to", help="The reviewer who works on it.")],
    database_url: DatabaseOpt = None,
) -> None:
    """Assign a waiting thread to a reviewer (yourself, usually)."""
    from foundation.audit import open_audit_log

    if not open_audit_log(_url(database_url)).assign_review(thread, to):
        raise CliError(f"thread {thread!r} has no open review to assign")
    console.print(f"{thread} assigned to {to}")


@review_app.command("show")
def review_show(thread: str, database_url: DatabaseOpt = None) -> None:
    """Everything a reviewer needs about one waiting thread."""
    from service.conversations import NotWaitingForReview, open_service
    from service.render import print_review_request

    with open_service(_url(database_url)) as service:
        request = service.pending_review(thread)
    if request is None:
        raise NotWaitingForReview(f"thread {thread!r} is not waiting for a review")
    print_review_request(console, thread, dict(request))


@review_app.command("resume")
def review_resume(
    thread: str,
    approve: Annotated[bool, typer.Option("--approve", help="Approve every proposed action.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject the proposed actions.")] = False,
    reason: Annotated[str | None, typer.Option(help="Why, with --reject (the customer sees it).")] = None,
    edit: Annotated[
        str | None, typer.Option(help='JSON arguments replacing the proposed ones, e.g. \'{"amount": 50}\'.')
    ] = None,
    respond: Annotated[str | None, typer.Option(help="Answer the customer yourself instead.")] = None,
    decisions: Annotated[str | None, typer.Option(
        help='One decision per proposed action as JSON, e.g. \'[{"type": "approve"}, {"type": "reject"}]\'.')] = None,
    take_over: Annotated[bool, typer.Option("--take-over", help="Answer this thread yourself from now on.")] = False,
    hand_back: Annotated[bool, typer.Option("--hand-back", help="Give a thread you took over back.")] = False,
    reviewer: Annotated[str, typer.Option(help="Your name, kept in the audit log.")] = "reviewer",
    database_url: DatabaseOpt = None,
) -> None:
    """Resume a waiting thread: --approve, --reject [--reason], --edit JSON, --respond TEXT or --decisions JSON."""
    from service.conversations import NotWaitingForReview, open_service
    from service.render import print_turn

    chosen = [name for name, on in (("approve", approve), ("reject", reject), ("edit", edit is not None),
                                    ("respond", respond is not None), ("decisions", decisions is not None)) if on]
    if len(chosen) != 1:
        raise CliError("choose exactly one of --approve, --reject, --edit JSON, --respond TEXT, --decisions JSON")
    if reason is not None and not reject:
        raise CliError("--reason goes with --reject")
    with open_service(_url(database_url)) as service:
        request = service.pending_review(thread)
        if request is None:
            raise NotWaitingForReview(f"thread {thread!r} is not waiting for a review")
        if decisions is not None:
            chosen_decisions = _json_option("--decisions", decisions)
        else:
            chosen_decisions = [_decision(chosen[0], action, reason=reason, edit=edit, respond=respond)
                                for action in request["action_requests"]]
        report = service.resume(thread, {"decisions": chosen_decisions, "reviewer": reviewer,
                                         "turn": request["context"].get("turn"),
                                         "take_over": take_over, "hand_back": hand_back})
    print_turn(console, report, who="Reviewer")


def _json_option(name: str, text: str) -> Any:
    """The JSON value of an option, or one line saying what is wrong with it (nesting too deep included)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"{name} is not valid JSON: {exc.msg} at position {exc.pos}") from None
    except RecursionError:
        raise CliError(f"{name} nests too deeply to be a decision") from None


def _decision(kind: str, action: ActionRequest, *, reason: str | None, edit: str | None,
              respond: str | None) -> dict[str, Any]:
    if kind == "edit":
        args = _json_option("--edit", edit or "")
        if not isinstance(args, dict):
            raise CliError("--edit must be a JSON object of arguments, e.g. '{\"amount\": 50}'")
        merged = {**action["args"], **args}
        return {"type": "edit", "edited_action": {"name": action["name"], "args": merged}}
    if kind == "reject":
        return {"type": "reject", "message": reason}
    if kind == "respond":
        return {"type": "respond", "message": respond}
    return {"type": "approve"}
