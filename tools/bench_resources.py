"""The cost of one diagnosis next to ``top -b -n1`` and ``ps``, in the same run.

    PYTHONPATH=. python tools/bench_resources.py [--runs 5]

Prints the median wall time and CPU time (user + system) of each. A diagnosis is mostly
its sample window (0.5 s by default: rates need two readings); its CPU time is what it
costs the machine. The in-process rows are a warm shell's call; the ``llmos run`` row is
a new process, imports and planning included.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from llmchain_os.tools.diagnose import diagnose  # noqa: E402
from llmchain_os.tools.disks import disks  # noqa: E402
from llmchain_os.tools.system import system_overview  # noqa: E402


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measure(runs: int, action: Callable[[], object]) -> tuple[float, float]:
    """Median wall and CPU seconds of ``runs`` calls (after one unmeasured warm-up)."""
    action()
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), _cpu()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _run(*argv: str) -> Callable[[], object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return lambda: subprocess.run(argv, capture_output=True, check=True, env=env)


def _call(tool: object, **args: object) -> Callable[[], object]:
    return lambda: tool.call(tool.parse_args(args))  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args()
    cases = [
        ("diagnose (0.5 s sample, in process)", _call(diagnose)),
        ("diagnose (0.1 s sample, in process)", _call(diagnose, sample_s=0.1)),
        ("diagnose memory (0.5 s, in process)", _call(diagnose, question="memory")),
        ("system_overview (in process)", _call(system_overview)),
        ("disks (0.1 s sample, in process)", _call(disks, sample_s=0.1)),
        ("top -b -n1", _run("top", "-b", "-n1")),
        ("ps -eo pid,pcpu,rss,comm", _run("ps", "-eo", "pid,pcpu,rss,comm")),
        ("df -P && df -iP", _run("sh", "-c", "df -P >/dev/null; df -iP >/dev/null")),
        (
            "llmos run 'why is my machine slow' (new process)",
            _run(sys.executable, "-m", "llmchain_os", "run", "--json", "why is my machine slow"),
        ),
    ]
    print(
        f"{os.cpu_count()} cores, {len(os.listdir('/proc'))} /proc entries; median of {opts.runs}"
    )
    print("| what | wall | CPU (user+sys) |\n| --- | --- | --- |")
    for name, action in cases:
        wall, cpu = measure(opts.runs, action)
        print(f"| {name} | {wall * 1000:.0f} ms | {cpu * 1000:.0f} ms |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
