"""A recording stand-in for the cloud endpoint: an OpenAI chat-completions server on 127.0.0.1.

It keeps every request body it receives (so a task can check that a planted secret never
left the machine) and answers from a script: a tool call, or plain text, one per request.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from tools.evallib.tasks import CloudReply


def completion(reply: CloudReply, n: int) -> dict[str, Any]:
    """A minimal chat.completion document carrying ``reply``."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    finish = "stop"
    if reply.tool is not None:
        message = {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": f"call_{n}",
                    "type": "function",
                    "function": {"name": reply.tool, "arguments": json.dumps(reply.args)},
                }
            ],
        }
        finish = "tool_calls"
    return {
        "id": f"chatcmpl-eval-{n}",
        "object": "chat.completion",
        "created": 0,
        "model": "eval-recorder",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


class Recorder:
    """Serves in a thread; ``bodies`` are the raw request bodies, in order."""

    def __init__(self, replies: list[CloudReply]) -> None:
        self.replies = list(replies)
        self.bodies: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server calls it by this name
                size = int(self.headers.get("Content-Length") or 0)
                recorder.bodies.append(self.rfile.read(size).decode("utf-8", "replace"))
                body = json.dumps(recorder.next_reply()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None  # the harness prints its own table; no request log on stderr

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def next_reply(self) -> dict[str, Any]:
        n = len(self.bodies)
        reply = self.replies.pop(0) if self.replies else CloudReply()
        return completion(reply, n)

    def __enter__(self) -> Recorder:
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
