"""What the limits and the bubblewrap sandbox add to one command: `true`, run N times each way.

    python tools/bench_sandbox.py [--runs 20]

Prints the median and the spread (min-max) in milliseconds, wall clock, for: a bare
subprocess; run_process with the rlimits (prlimit) and a clean environment; and the same in
the sandbox. The sandbox line is skipped, with the reason, where bubblewrap cannot run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from llmchain_os.safety.sandbox import (  # noqa: E402
    Limits,
    ProcessResult,
    SandboxSpec,
    run_process,
    sandbox_status,
)


def _timed(run: Callable[[], object], runs: int) -> list[float]:
    run()  # warm the page cache and the status probe
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _run_process(spec: SandboxSpec | None) -> Callable[[], None]:
    def run() -> None:
        *_, result = run_process(["true"], Limits(), spec)
        assert isinstance(result, ProcessResult) and result.exit_code == 0, result

    return run


def _line(name: str, times: list[float]) -> str:
    return (
        f"{name:<34} median {statistics.median(times):7.2f} ms"
        f"  (min {min(times):.2f}, max {max(times):.2f}, n={len(times)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    print(_line("subprocess.run(['true'])", _timed(lambda: subprocess.run(["true"]), runs)))
    print(_line("run_process, limits, no sandbox", _timed(_run_process(None), runs)))
    status = sandbox_status()
    if not status.available:
        print(f"run_process in bubblewrap: skipped ({status.why_not})")
        return 0
    with tempfile.TemporaryDirectory() as work:
        spec = SandboxSpec(Path(work))
        print(_line(f"run_process in {status.how}", _timed(_run_process(spec), runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
