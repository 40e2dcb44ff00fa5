"""Local against endpoint latency on the same requests.

    python tools/bench_providers.py [--threads 1] [--max-tokens 32]

The same embedded GGUF answers each request twice: in this process (the ``local`` profile,
llama.cpp through ``ChatLlamaLocal``) and through llama.cpp's own OpenAI-compatible server on
127.0.0.1 as a fallback profile (the resilient call: breaker, redaction, ChatOpenAI, HTTP).
Prints each request's seconds and tokens both ways, the medians, and the time the way out
adds before the HTTP call (redacting the messages). One warm-up call each is not counted.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REQUESTS = [
    "In one sentence, what does the df command show?",
    "Name three Linux commands that list files.",
    "What is a process id?",
    "Explain what uptime means for a server.",
    "Which signal asks a process to stop politely?",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, threads: int) -> subprocess.Popen[bytes]:
    from llmchain_os.llm.models import embedded_model_path

    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_model_path())]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--n_threads", str(threads)]
    cmd += ["--n_ctx", "2048", "--model_alias", "smollm2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("llama_cpp.server did not start")


def timed(model: object, text: str, max_tokens: int, remote: bool = False) -> tuple[float, int]:
    """Seconds and output tokens of one answer. langchain-openai sends max_tokens as
    max_completion_tokens, which llama.cpp's server ignores: the cap goes in the body too."""
    cap = {"extra_body": {"max_tokens": max_tokens}} if remote else {"max_tokens": max_tokens}
    started = time.perf_counter()
    reply = model.invoke(text, **cap)  # type: ignore[attr-defined]
    seconds = time.perf_counter() - started
    usage = getattr(reply, "usage_metadata", None) or {}
    return seconds, int(usage.get("output_tokens", 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-tokens", type=int, default=32)
    opts = parser.parse_args()

    import os

    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp()  # a breaker of its own
    from langchain_core.messages import HumanMessage

    from llmchain_os.config import ProviderProfile, Settings
    from llmchain_os.llm import get_local_model, get_resilient_model
    from llmchain_os.llm.resilient import redact_messages

    port = free_port()
    server = start_server(port, opts.threads)
    try:
        profile = ProviderProfile(base_url=f"http://127.0.0.1:{port}/v1", model="smollm2")
        settings = Settings(providers={"bench": profile}, fallback=["bench"])
        settings.n_threads = opts.threads
        local, remote = get_local_model(settings), get_resilient_model(settings, "bench")
        local.load()
        timed(local, "hello", 4)  # warm-ups
        timed(remote, "hello", 4, remote=True)
        rows = []
        for text in REQUESTS:
            row = (
                *timed(local, text, opts.max_tokens),
                *timed(remote, text, opts.max_tokens, True),
            )
            rows.append(row)
            print(
                f"local {row[0]:6.3f} s {row[1]:3} tok   endpoint {row[2]:6.3f} s {row[3]:3} tok"
                f"   {text}"
            )
        started = time.perf_counter()
        for text in REQUESTS:
            redact_messages([HumanMessage(text)], ())
        redact_ms = (time.perf_counter() - started) * 1000 / len(REQUESTS)
    finally:
        server.terminate()
        server.wait(timeout=10)
    local_s = statistics.median(r[0] for r in rows)
    remote_s = statistics.median(r[2] for r in rows)
    print(
        f"median: local {local_s:.3f} s, endpoint {remote_s:.3f} s "
        f"({remote_s - local_s:+.3f} s); redaction on the way out {redact_ms:.2f} ms/request"
    )


if __name__ == "__main__":
    main()
