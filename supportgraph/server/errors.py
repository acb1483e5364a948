"""What the API answers when something fails inside it: a request id, never SQL, parameters or a traceback.

The details go to the server log under the same request id, for whoever runs the server.
"""

from __future__ import annotations

import logging
import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse

log = logging.getLogger("supportgraph.server")


async def store_not_ready(request: Request, exc: Exception) -> JSONResponse:
    """503 with the reason when the business store cannot serve (not migrated, or empty): what to run is in it."""
    return JSONResponse(status_code=503, content={"error": "store_not_ready", "message": str(exc)})


async def internal_error(request: Request, exc: Exception) -> JSONResponse:
    """The app's handler for any exception a route or middleware lets through (status 500)."""
    request_id = uuid.uuid4().hex[:16]
    log.error("request %s %s %s failed", request_id, request.method, request.url.path, exc_info=exc)
    return JSONResponse(status_code=500, headers={"X-Request-Id": request_id}, content={
        "error": "internal_error",
        "message": f"the server could not complete this request; its log has the details under request id "
                   f"{request_id}",
        "details": {"request_id": request_id},
    })
