"""The customer's words quoted into a tool's argument ($message), fitted to what the argument takes.

A step that quotes the request's words (a dispute's reason, a ticket's description) passes them as they were
written; a long letter ("Dear Customer Service, …") can be longer than the argument allows, and the tool then
refuses the whole call (open_billing_dispute's reason takes 500 characters). What the customer asked for is not
refused because they wrote at length: the quote keeps its beginning, cut at a word and marked as cut.
"""

from __future__ import annotations

from typing import Any

from tools.registry import get_tool

CUT = " …"


def fitted(tool: str, args: dict[str, Any], quoted: str) -> dict[str, Any]:
    """``args`` with every argument that quotes ``quoted`` in full cut to the tool's ``max_length`` for it."""
    try:
        fields = get_tool(tool).args_schema.model_fields
    except KeyError:  # a tool no registry knows: the call is refused as it stands
        return args
    out = dict(args)
    for name, value in args.items():
        limit = _max_length(fields[name].metadata) if name in fields else None
        if isinstance(value, str) and value == quoted and limit is not None and len(value.strip()) > limit:
            out[name] = clip(value.strip(), limit)
    return out


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, ending with ``CUT``."""
    room = limit - len(CUT)
    head = text[:room]
    if len(text) > room and not text[room].isspace() and " " in head.strip():
        head = head[:head.rstrip().rfind(" ")]
    return head.rstrip() + CUT


def _max_length(metadata: list[Any]) -> int | None:
    return next((int(m.max_length) for m in metadata if getattr(m, "max_length", None) is not None), None)
