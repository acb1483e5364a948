"""A run request, checked before anything runs, so a refused request leaves the thread exactly as it was.

The way SupportService checks the CLI's: the customer message (graphs/support/messages.py), the resume payload
against the pending review (graphs/support/review.py), a resume of a thread that is not waiting, a message to a
thread that is → 409/413/422 with the reason. On top, what only an API meets: who may steer a run, which
assistant and checkpoint a run may name, and message ids that would replace stored messages.
"""

from __future__ import annotations

from foundation.principals import Principal
from graphs.support.review import InvalidDecision, parse_response
from supportgraph.server.calls import OWN_ASSISTANT, Call, Passage, Refusal, parsed
from supportgraph.server.payloads import STEERING_FIELDS, CheckpointRef, MessageIn, PayloadError, RunRequest
from supportgraph.server.threads import GRAPH_ID, ThreadIndex, ThreadSnapshot
from supportgraph.server.views import CUSTOMER_STREAM_MODES


async def claim(index: ThreadIndex, thread_id: str, turn: int, reviewer: str) -> None:
    """Take the review for this resume, as the CLI does: of two reviewers at once, exactly one proceeds."""
    refusal = await index.claim_review(thread_id, turn, reviewer)
    if refusal is not None:
        raise Refusal(409, refusal.reason)


async def check_run(index: ThreadIndex, call: Call, snapshot: ThreadSnapshot | None = None) -> Passage:
    """``snapshot``: the thread as the run slot found it (read here when not given)."""
    who, thread_id = call.who, call.params["thread_id"]
    request: RunRequest = parsed(RunRequest, call.payload())
    command = request.command
    run_input = request.input
    if who.role != "admin" and command is not None and (command.goto or command.update):
        raise Refusal(403, "only an admin key may steer a run with 'goto' or 'update'")
    resumes = command is not None and "resume" in command.model_fields_set
    if who.role == "customer" and resumes:
        raise Refusal(403, "a customer key sends messages; reviewers resume threads")
    has_input = run_input is not None and bool(run_input.model_dump(exclude_unset=True))
    if who.role == "reviewer" and has_input:
        raise Refusal(403, "a reviewer key resumes threads with a decision; it does not send messages")
    if who.role != "admin" and run_input is not None and run_input.model_extra:
        raise Refusal(403, f"only an admin key may set {', '.join(sorted(run_input.model_extra))} in a run's input")
    messages = run_input.customer_messages() if run_input is not None else []
    if snapshot is None:
        snapshot = await index.snapshot(thread_id, (call.metadata or {}).get("graph_id"))
    _check_fields(who, request, thread_id, snapshot.head)
    _check_messages(messages, customer_only=who.role != "admin", known_ids=snapshot.message_ids)
    pending = snapshot.pending
    claimed: tuple[str, int] | None = None
    if resumes:
        assert command is not None
        if pending is None:
            raise Refusal(409, f"thread {thread_id!r} is not waiting for a review")
        resume = command.resume
        if who.role == "reviewer":
            queue = pending["context"].get("queue")
            if queue not in who.queues:
                raise Refusal(403, f"this review waits in the {queue} queue, not in yours")
            if isinstance(resume, dict):
                command.resume = resume = {**resume, "reviewer": who.name}
        try:
            response = parse_response(resume, pending)
        except InvalidDecision as exc:
            raise Refusal(422, str(exc)) from None
        claimed = thread_id, int(pending["context"]["turn"])
        await claim(index, *claimed, response.reviewer)
    elif not messages and not (who.role == "admin" and command is not None):
        raise Refusal(422, "a run needs 'input' with messages or a 'command' with 'resume'")
    elif messages and pending is not None:
        raise Refusal(409, f"thread {thread_id!r} is waiting for a human reviewer; a reviewer must resume it")
    if who.role == "customer":
        assert run_input is not None
        run_input.customer_id = who.customer_id  # the signed-in customer is the key's, never the body's
    return Passage(request.body(), claimed)


def _check_fields(who: Principal, request: RunRequest, thread_id: str, head: str | None) -> None:
    """What a run may carry besides its input: steering and unknown fields are an admin's; a checkpoint only the
    thread's latest (what useStream and agent-chat-ui send), which changes nothing and is dropped."""
    if who.role == "admin":
        return
    if request.assistant_id not in OWN_ASSISTANT:
        raise Refusal(403, f"a {who.role} key runs only the {GRAPH_ID!r} assistant")
    for name in STEERING_FIELDS:
        if (request.model_extra or {}).get(name):
            raise Refusal(403, f"only an admin key may set {name!r} on a run")
    unexpected = request.unexpected_fields()
    if unexpected:
        raise Refusal(422, f"unknown run field(s): {', '.join(unexpected)}")
    named = [ref for ref in (request.checkpoint, request.checkpoint_id and CheckpointRef(
        checkpoint_id=request.checkpoint_id)) if isinstance(ref, CheckpointRef)]
    if any(not ref.is_head_of(thread_id, head) for ref in named):
        raise Refusal(403, "only an admin key may run from a checkpoint other than the thread's latest")
    request.checkpoint = request.checkpoint_id = None
    request.model_fields_set.difference_update({"checkpoint", "checkpoint_id"})
    if who.role == "customer":
        refused = sorted(set(request.stream_modes()) - CUSTOMER_STREAM_MODES)
        if refused:
            raise Refusal(403, f"a customer key may stream {', '.join(sorted(CUSTOMER_STREAM_MODES))}, not "
                               f"{', '.join(refused)}")


def _check_messages(messages: list[MessageIn], *, customer_only: bool, known_ids: frozenset[str]) -> None:
    """Every customer message passes check_message; only an admin sends other roles' messages; no message takes
    the id of one already in the thread (add_messages would replace the stored one with it)."""
    for message in messages:
        if not message.is_customers:
            if customer_only:
                raise Refusal(403, "only an admin key may send messages other than the customer's (role 'user')")
            continue
        try:
            message.check()
        except PayloadError as exc:
            raise Refusal(exc.status, str(exc)) from None
        if message.id is not None and message.id in known_ids:
            raise Refusal(409, f"message id {message.id!r} is already in this thread: a new message needs a new id")
