"""Aegra's auth hook (aegra.json ``"auth"``): API key → principal, and the customer's thread filter.

Every key authenticates as one Aegra identity, ``supportgraph``: Aegra 0.6 scopes every thread and run query by
``user_id == identity``, so per-key identities would hide a customer's threads from the reviewers and admins who
must see them. Who may reach which thread is decided by the role fields returned here, in two places: these
``@auth.on`` handlers where Aegra calls them (thread creation and search), and supportgraph.server.guard for
the routes Aegra 0.6 does not pass through its handlers (thread state, streamed and waited runs, history).
"""

from __future__ import annotations

from typing import Any

from langgraph_sdk import Auth
from langgraph_sdk.auth.types import ThreadsCreate, ThreadsSearch

from foundation.principals import Principal
from supportgraph.server.keys import API_KEY_HEADER, configured_keys

TENANT = "supportgraph"

auth = Auth()


def user_of(principal: Principal) -> dict[str, Any]:
    """The Aegra user of a principal: the shared identity plus who it really is."""
    return {
        "identity": TENANT,
        "display_name": principal.name,
        "is_authenticated": True,
        "permissions": [f"role:{principal.role}"],
        "role": principal.role,
        "key_name": principal.name,
        "customer_id": principal.customer_id,
        "queues": list(principal.queues),
    }


def header(headers: dict[Any, Any], name: str) -> str | None:
    """A header's value from Aegra's str dict or langgraph-api's bytes dict."""
    value = headers.get(name, headers.get(name.encode()))
    return value.decode() if isinstance(value, bytes) else value


@auth.authenticate
async def authenticate(headers: dict[Any, Any]) -> Auth.types.MinimalUserDict:
    principal = configured_keys().principal(header(headers, API_KEY_HEADER))
    if principal is None:
        raise Auth.exceptions.HTTPException(status_code=401, detail=f"missing or unknown API key ({API_KEY_HEADER})")
    return user_of(principal)  # type: ignore[return-value]


@auth.on.threads.create
async def stamp_customer(ctx: Auth.types.AuthContext, value: ThreadsCreate) -> Any:
    """A customer's new thread carries its customer id; reviewers do not open threads.

    Aegra 0.6 merges a returned ``{"metadata": …}`` into the new thread's metadata (and, for a search, into its
    metadata filter), hence ``Any`` rather than langgraph-sdk's FilterType.
    """
    role = getattr(ctx.user, "role", None)
    if role == "reviewer":
        raise Auth.exceptions.HTTPException(status_code=403, detail="a reviewer key cannot open threads")
    if role == "customer":
        return {"metadata": {"customer_id": getattr(ctx.user, "customer_id", None)}}
    return None


@auth.on.threads.search
async def own_threads_only(ctx: Auth.types.AuthContext, value: ThreadsSearch) -> Any:
    """A customer finds only its own threads (reviewers are narrowed to their queues by the guard)."""
    if getattr(ctx.user, "role", None) == "customer":
        return {"metadata": {"customer_id": getattr(ctx.user, "customer_id", None)}}
    return None
