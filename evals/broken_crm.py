"""A company CRM that misbehaves on purpose: hangs, answers 500, answers garbage, or is not there at all."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

MODES = ("hang", "500", "garbage", "shape", "closed")


class BrokenCrm(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    mode: ClassVar[str] = "500"
    hang_seconds: ClassVar[float] = 3.0
    requests: ClassVar[list[str]] = []

    def log_message(self, *_: Any) -> None:
        pass

    def _answer(self) -> None:
        self.requests.append(f"{self.command} {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.mode == "hang":
            time.sleep(self.hang_seconds)
        status, body = {"500": (500, b'{"error": "internal"}'), "garbage": (200, b"<html>oops</html>"),
                        "shape": (200, b'[1, 2, 3]'), "hang": (200, b"{}")}[self.mode]
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up waiting

    do_GET = do_POST = do_PATCH = do_DELETE = _answer


@contextmanager
def serve_broken_crm(mode: str) -> Iterator[str]:
    """The base URL of a CRM failing in ``mode`` (one of MODES); ``closed``: a port nobody listens on."""
    if mode == "closed":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        yield f"http://127.0.0.1:{port}"
        return
    handler = type("Handler", (BrokenCrm,), {"mode": mode, "requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
