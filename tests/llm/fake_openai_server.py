"""A local OpenAI-compatible chat-completions server with scripted replies, for tests over real HTTP.

Each POST to ``/v1/chat/completions`` takes the next scripted reply: a tool call (arguments given as the raw
string the server sends, so malformed JSON can be scripted), plain text, or a delay longer than the client's
timeout. Every request body is kept for assertions. Binds a free loopback port.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    tool: str | None = None
    arguments: str = "{}"
    content: str | None = None
    delay: float = 0.0


def tool_reply(name: str, args: dict[str, Any] | str) -> Reply:
    return Reply(tool=name, arguments=args if isinstance(args, str) else json.dumps(args))


@dataclass
class FakeOpenAI:
    url: str = ""
    script: deque[Reply] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self, body: dict[str, Any]) -> Reply:
        with self.lock:
            self.requests.append(body)
            if not self.script:
                return Reply(content="(the fake server has no scripted reply left)")
            return self.script.popleft()


def _completion(reply: Reply, model: str, n: int) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool:
        message["tool_calls"] = [{"id": f"call_{n}", "type": "function",
                                  "function": {"name": reply.tool, "arguments": reply.arguments}}]
    return {
        "id": f"chatcmpl-{n}", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": "tool_calls" if reply.tool else "stop"}],
        "usage": {"prompt_tokens": 1000 + n, "completion_tokens": 50, "total_tokens": 1050 + n},
    }


@contextmanager
def fake_openai_server() -> Iterator[FakeOpenAI]:
    state = FakeOpenAI()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            if not self.path.endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            reply = state.next_reply(body)
            if reply.delay:
                time.sleep(reply.delay)
            self._send(200, _completion(reply, str(body.get("model")), len(state.requests)))

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout); nothing to answer

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
