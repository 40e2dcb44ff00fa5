"""A real OpenAI chat-completions endpoint on 127.0.0.1 (http.server in a thread) that can be
told to fail: answer 500, send malformed JSON, answer slower than a client's timeout, or stop.

It keeps every request body it receives, so a test can check what arrived at the server.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

MODES = ("ok", "500", "malformed", "slow")


def completion(text: str, n: int, model: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-test-{n}",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }


class Endpoint:
    """``mode`` decides each answer; ``modes`` (a queue) overrides it for the next requests."""

    def __init__(self, mode: str = "ok", reply: str = "ok", slow_s: float = 3.0) -> None:
        self.mode = mode
        self.modes: list[str] = []
        self.reply = reply
        self.slow_s = slow_s
        self.bodies: list[str] = []
        self.auth: list[str] = []  # each request's Authorization header
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server calls it by this name
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size).decode("utf-8", "replace")
                endpoint.auth.append(self.headers.get("Authorization", ""))
                status, payload = endpoint.answer(body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (a timeout)
                    self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @property
    def hits(self) -> int:
        return len(self.bodies)

    def answer(self, body: str) -> tuple[int, bytes]:
        with self._lock:
            self.bodies.append(body)
            n = len(self.bodies)
            mode = self.modes.pop(0) if self.modes else self.mode
        if mode == "500":
            return 500, b'{"error": {"message": "the model crashed", "type": "server_error"}}'
        if mode == "malformed":
            return 200, b'{"id": "chatcmpl-x", "choices": [ {"message": '
        if mode == "slow":
            time.sleep(self.slow_s)
        model = json.loads(body).get("model", "")
        return 200, json.dumps(completion(self.reply, n, model)).encode()

    def sent_messages(self, i: int) -> list[dict[str, Any]]:
        """The messages of the ``i``-th request, as the server decoded them."""
        return list(json.loads(self.bodies[i])["messages"])

    def __enter__(self) -> Endpoint:
        self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()


def dead_url() -> str:
    """A port nothing listens on: an endpoint that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
