"""What the limits and the bubblewrap sandbox add to one command: `true`, run N times each way.

    python tools/bench_sandbox.py [--runs 20]

Prints the median and the spread (min-max) in milliseconds, wall clock, for: a bare
subprocess; run_process with the rlimits (prlimit) and a clean environment; and the same in
the sandbox. Then confinement by approval, through the run_shell tool: `true` unconfined, as
a read, and as an approved write of a new file in a folder of 50 entries (each kept read-only
by a bind of its own). Sandbox lines are skipped, with the reason, where bubblewrap cannot run.
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

from llmchain_os.safety.confine import Grant  # noqa: E402
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
        _confinement(Path(work), runs)
    return 0


def _shell(command: str, grant: Grant) -> Callable[[], None]:
    from llmchain_os.tools.registry import builtin_registry

    tool = builtin_registry().get("run_shell")
    args = tool.parse_args({"command": command})

    def run() -> None:
        out = tool.call(args, grant)
        assert getattr(out, "exit_code", 1) == 0, out
        for path, _ in grant.create:
            path.unlink(missing_ok=True)
        for folder in grant.folders:
            (folder / "new.txt").unlink(missing_ok=True)  # the grant was for a new file

    return run


def _confinement(work: Path, runs: int) -> None:
    """run_shell's own cost each way: the grant, the binds, bash itself."""
    from llmchain_os.safety.commands import classify_with_scope
    from llmchain_os.safety.confine import READ_ONLY, UNCONFINED, grant_for
    from llmchain_os.safety.risk import Risk

    for i in range(50):
        (work / f"entry-{i}.txt").write_text("x")
    target = work / "new.txt"
    write = grant_for(classify_with_scope(f": > {target}", str(work))[1], Risk.WRITE)
    cases = [
        ("run_shell `true`, unconfined", "true", Grant(mode=UNCONFINED)),
        ("run_shell `true`, read grant", "true", READ_ONLY),
        ("run_shell `: > new.txt`, write grant", f": > {target}", write),
    ]
    for name, command, grant in cases:
        print(_line(name, _timed(_shell(command, grant), runs)))


if __name__ == "__main__":
    raise SystemExit(main())
