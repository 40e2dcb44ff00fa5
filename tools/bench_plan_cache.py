"""The plan cache's cost in a warm shell: a request whose plan is reused from memory, end to
end (plan, policy, run, answer), against the same request planned as usual.

    OMP_NUM_THREADS=1 PYTHONPATH=. python tools/bench_plan_cache.py [--history 300] [--runs 20]

A fresh home in a temporary folder; memory holds ``--history`` past successes (varied
requests, as the store's bench builds them) plus the one to reuse; the session is the shell's
(``learn=True``) with its planner built, as the shell builds it behind the prompt.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEN = "show me the files in the docs folder"
NEW = ["show me the files in the src folder", "show me the files in the logs folder"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", type=int, default=300)
    parser.add_argument("--runs", type=int, default=20)
    opts = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        for var in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
            os.environ[var] = f"{tmp}/{var.lower()}"
        work = Path(tmp) / "work"
        for folder in ("docs", "src", "logs"):
            (work / folder).mkdir(parents=True)
            (work / folder / "a.txt").write_text("a\n")
        os.chdir(work)
        run(opts.history, opts.runs)


def seed(count: int) -> None:
    import random

    from llmchain_os.memory.history import record_request
    from llmchain_os.memory.store import memory_dir
    from tools.bench_memory import request

    rng = random.Random(7)
    for i in range(count):
        text = request(rng, i)
        step = {"tool": "disk_usage", "args": {"path": "/"}, "risk": "read", "status": "done"}
        record_request(memory_dir(), {"request": text, "plan": [step], "steps": [step]})


def timed(session: object, text: str) -> tuple[float, str, float]:
    start = time.perf_counter()
    events = list(session.handle(text))  # type: ignore[attr-defined]
    took = time.perf_counter() - start
    plans = [ev.data for ev in events if ev.kind.value == "plan"]
    answers = [ev.data for ev in events if ev.kind.value == "answer"] or [{}]
    lookup = float(answers[0].get("timings", {}).get("memory", 0.0))
    return took, plans[0]["source"] if plans else "unsure", lookup


def run(history: int, runs: int) -> None:
    from llmchain_os.api import Session
    from llmchain_os.config import Settings

    seed(history)
    first = Session(Settings(n_threads=1, index_programs=False), learn=True)
    first.planner()
    timed(first, SEEN)  # a success: from now on its plan is in the cache
    shell = Session(Settings(n_threads=1, index_programs=False), learn=True)
    began = time.perf_counter()
    shell.planner()  # behind the prompt: memory opened, successes embedded
    print(f"learning at start ({history + 1} successes): {time.perf_counter() - began:.2f} s")
    for label, learn in (("reused", True), ("planned", False)):
        session = shell if learn else Session(Settings(n_threads=1, index_programs=False))
        session.planner()
        timed(session, NEW[0])  # warm
        walls, lookups, sources = [], [], set()
        for i in range(runs):
            wall, source, lookup = timed(session, NEW[i % 2])
            walls.append(wall)
            lookups.append(lookup)
            sources.add(source)
        walls.sort()
        print(
            f"{label}: end to end median {statistics.median(walls) * 1000:.0f} ms, "
            f"p90 {walls[int(len(walls) * 0.9) - 1] * 1000:.0f} ms; cache lookup median "
            f"{statistics.median(lookups) * 1000:.1f} ms; plan sources {sorted(sources)}"
        )


if __name__ == "__main__":
    main()
