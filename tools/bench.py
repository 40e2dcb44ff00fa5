"""Benchmarks behind BENCHMARKS.md: start-up to prompt, and where one request's time goes.

    python tools/bench.py startup   [--runs 10]   # `llmos` start to its prompt, on a pty
    python tools/bench.py request   [--runs 5]    # one request split by stage, in process
    python tools/bench.py cli       [--runs 5]    # `llmos run ... --json` wall time
    python tools/bench.py all

Threads are pinned (OMP_NUM_THREADS=1, model n_threads from LLMOS_THREADS or cores-1).
"""

from __future__ import annotations

import argparse
import io
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REQUESTS = [
    "how full is my disk",
    "how long has this machine been up",
    "show me the 5 busiest processes",
    "what is using the most memory",
]
# Requests no tool covers: a command composed from the examples (the embedding model loads).
OPEN_REQUESTS = ["what kernel version is running", "which ports are listening"]


def _env(home: str) -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", TERM="xterm")
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        env[name] = os.path.join(home, name)
    return env


def time_to_prompt(home: str, timeout: float = 10.0) -> float:
    """Seconds from exec of `python -m llmchain_os` until the llmos prompt is on the terminal."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the shell
        os.execve(sys.executable, [sys.executable, "-m", "llmchain_os"], _env(home))
    start = time.perf_counter()
    seen = b""
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([fd], [], [], 0.01)
            if ready:
                try:
                    seen += os.read(fd, 4096)
                except OSError:
                    break
                if b"llmos>" in seen:
                    return time.perf_counter() - start
        raise RuntimeError(f"no prompt after {timeout} s: {seen[-300:]!r}")
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)


def stats(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"median {statistics.median(ordered) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms"


def bench_startup(runs: int) -> None:
    with tempfile.TemporaryDirectory() as home:
        time_to_prompt(home)  # warm the page cache once
        values = [time_to_prompt(home) for _ in range(runs)]
    print(f"startup to prompt ({runs} runs): {stats(values)}")


def bench_cli(runs: int) -> None:
    with tempfile.TemporaryDirectory() as home:
        for text in [*REQUESTS[:2], *OPEN_REQUESTS]:
            values = []
            for _ in range(runs):
                start = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "llmchain_os", "run", text, "--json"],
                    env=_env(home),
                    check=True,
                    capture_output=True,
                )
                values.append(time.perf_counter() - start)
            print(f"`llmos run {text!r} --json` wall ({runs} runs): {stats(values)}")


def _raw_generation(model: Any, messages: list[Any], max_tokens: int) -> tuple[float, int]:
    """The same chat completion straight through llama_cpp, no LangChain, no agent."""
    from llmchain_os.llm.local import to_chat_messages

    llm = model.load()
    start = time.perf_counter()
    out = llm.create_chat_completion(
        messages=to_chat_messages(messages),
        temperature=0.0,
        max_tokens=max_tokens,
        stop=["\n"],
        seed=model.seed,
    )
    return time.perf_counter() - start, int(out["usage"]["completion_tokens"])


def bench_request(runs: int, answer: str) -> None:
    from langchain_core.messages import HumanMessage, SystemMessage
    from rich.console import Console

    from llmchain_os.agent.answer import facts_of
    from llmchain_os.api import ChainResult, Session
    from llmchain_os.config import load_settings
    from llmchain_os.prompts import load_prompt
    from llmchain_os.repl.render import Renderer

    session = Session(load_settings({"answer": answer}))
    model = session.model()
    print(
        f"model {session.model_name()} threads={model.n_threads} "  # type: ignore[attr-defined]
        f"load {model.load_seconds:.2f} s; answers by {answer}"
    )  # type: ignore[attr-defined]
    for text in REQUESTS:
        rows: dict[str, list[float]] = {}
        for _ in range(runs):
            renderer = Renderer(Console(file=io.StringIO(), width=120))
            render_s, events = 0.0, []
            start = time.perf_counter()
            for ev in session.handle(text):
                t0 = time.perf_counter()
                renderer.render(ev)
                render_s += time.perf_counter() - t0
                events.append(ev)
            total = time.perf_counter() - start
            result = ChainResult.from_events(text, events)
            t = result.timings
            model_s = t.get("model", 0.0) + (t.get("answer", 0.0) if answer == "model" else 0.0)
            for key, value in (
                ("total", total),
                ("retrieval", t.get("retrieval", 0.0)),
                ("tools", t.get("tools", 0.0)),
                ("model", model_s),
                ("render", render_s),
                ("agent overhead", total - t.get("tools", 0.0) - model_s),
            ):
                rows.setdefault(key, []).append(value)
            if answer == "model":
                facts = facts_of(result.steps)
                msgs = [
                    SystemMessage(load_prompt("answer")),
                    HumanMessage(load_prompt("answer_user", facts=facts, question=text)),
                ]
                raw_s, tokens = _raw_generation(model, msgs, 60)
                rows.setdefault("raw llama.cpp (same prompt)", []).append(raw_s)
                rows.setdefault("tokens", []).append(float(tokens))
        print(f"\n{text!r} ({runs} runs, medians):")
        for key, values in rows.items():
            value = statistics.median(values)
            print(
                f"  {key:28} {value:8.0f}"
                if key == "tokens"
                else f"  {key:28} {value * 1000:8.1f} ms"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["startup", "request", "cli", "all"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--answer", choices=["facts", "model"], default="facts")
    opts = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if opts.what in ("startup", "all"):
        bench_startup(max(opts.runs, 10))
    if opts.what in ("request", "all"):
        bench_request(opts.runs, opts.answer)
    if opts.what in ("cli", "all"):
        bench_cli(opts.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
