"""top_processes and process_info on real processes that the tests spawn (and always kill)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from llmchain_os.errors import ToolError
from llmchain_os.tools.registry import builtin_registry

HOG_MB = 512  # well above the pytest process itself, even with the model loaded
MEMORY_HOG = (
    f"x = b'\\x01' * ({HOG_MB} * 1024 * 1024)\n"  # bytes(...) * n writes every page: real RSS
    "print('ready', flush=True)\n"
    "import time; time.sleep(120)\n"
)
BUSY_LOOP = "print('ready', flush=True)\nwhile True: pass\n"

Spawn = Callable[..., subprocess.Popen[str]]


@pytest.fixture
def spawn() -> Iterator[Spawn]:
    """Start a real process; with ready=True wait for its 'ready' line. All killed at the end."""
    procs: list[subprocess.Popen[str]] = []

    def start(argv: list[str], ready: bool = False) -> subprocess.Popen[str]:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        procs.append(proc)
        if ready:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        return proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def run(tool_name: str, /, **raw: object):
    tool = builtin_registry().get(tool_name)
    return tool.call(tool.parse_args(raw))


# -- top_processes ------------------------------------------------------------------------


def test_top_processes_by_memory_lists_a_real_memory_hog(spawn: Spawn) -> None:
    hog = spawn([sys.executable, "-c", MEMORY_HOG], ready=True)

    result = run("top_processes", sort_by="memory", limit=5)

    pids = [p.pid for p in result.processes]
    assert hog.pid in pids
    row = result.processes[pids.index(hog.pid)]
    assert row.memory_rss >= HOG_MB * 1024 * 1024
    assert row.memory_rss == pytest.approx(psutil.Process(hog.pid).memory_info().rss, rel=0.05)
    rss = [p.memory_rss for p in result.processes]
    assert rss == sorted(rss, reverse=True)
    assert result.subject() == {"pid": result.processes[0].pid}


def test_top_processes_honours_the_limit() -> None:
    assert len(psutil.pids()) > 3
    result = run("top_processes", sort_by="memory", limit=3)
    assert len(result.processes) == 3
    assert "Top 3 processes by memory" in result.summary()


def test_top_processes_by_cpu_puts_a_busy_loop_in_the_top_three(spawn: Spawn) -> None:
    busy = spawn([sys.executable, "-c", BUSY_LOOP], ready=True)

    result = run("top_processes", sort_by="cpu", limit=3)

    assert busy.pid in [p.pid for p in result.processes]
    row = next(p for p in result.processes if p.pid == busy.pid)
    assert row.cpu_percent > 20  # a share of a core, whatever else the machine runs
    cpu = [p.cpu_percent for p in result.processes]
    assert cpu == sorted(cpu, reverse=True)


def test_top_processes_table_has_one_row_per_process_with_its_pid(spawn: Spawn) -> None:
    spawn([sys.executable, "-c", MEMORY_HOG], ready=True)
    result = run("top_processes", sort_by="memory", limit=4)
    table = result.table()

    assert table.columns == ["pid", "name", "user", "cpu%", "rss", "mem%", "command"]
    assert [row[0] for row in table.rows] == [str(p.pid) for p in result.processes]


@pytest.mark.parametrize(
    "raw",
    [{"limit": 0}, {"limit": 51}, {"limit": -1}, {"sort_by": "disk"}, {"order": "cpu"}],
    ids=["limit-0", "limit-51", "limit-negative", "sort-by-disk", "unknown-arg"],
)
def test_top_processes_rejects_bad_arguments(raw: dict[str, object]) -> None:
    with pytest.raises(ToolError, match="top_processes: bad"):
        builtin_registry().get("top_processes").parse_args(raw)


@pytest.mark.parametrize("limit", [1, 50])
def test_top_processes_accepts_the_limit_bounds(limit: int) -> None:
    args = builtin_registry().get("top_processes").parse_args({"limit": limit})
    assert args.model_dump()["limit"] == limit


# -- process_info -------------------------------------------------------------------------


def test_process_info_by_pid_describes_that_process(spawn: Spawn) -> None:
    hog = spawn([sys.executable, "-c", MEMORY_HOG], ready=True)
    real = psutil.Process(hog.pid)

    result = run("process_info", pid=hog.pid)

    assert result.pid == hog.pid
    assert result.name == real.name()
    assert result.command == " ".join(real.cmdline())
    assert "time.sleep(120)" in result.command
    assert result.parent_pid == real.ppid()
    assert result.started == real.create_time()
    assert result.memory_rss >= HOG_MB * 1024 * 1024
    assert result.subject() == {"pid": hog.pid}
    assert f"pid {hog.pid}" in result.summary()


def test_process_info_by_name_finds_a_running_sleep(spawn: Spawn) -> None:
    sleeper = spawn(["sleep", "30"])
    sleeping = {p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == "sleep"}
    assert sleeper.pid in sleeping

    result = run("process_info", name="sleep")

    assert result.name == "sleep"
    assert result.pid in sleeping
    assert result.command.startswith("sleep")
    assert result.others_with_name == len(sleeping) - 1


def test_process_info_by_a_shared_name_lists_every_pid(spawn: Spawn, tmp_path: Path) -> None:
    binary = tmp_path / "hcruncher"
    shutil.copy(shutil.which("sleep") or "/bin/sleep", binary)
    pids = {spawn([str(binary), "30"]).pid for _ in range(3)}

    result = run("process_info", name="hcruncher")

    assert set(result.pids_with_name) == pids and result.pids_with_name[0] == result.pid
    assert result.summary().startswith("3 processes are named hcruncher (pids ")
    assert all(str(pid) in result.summary() for pid in pids)


def test_process_info_of_a_dead_pid_says_there_is_no_such_process(spawn: Spawn) -> None:
    gone = spawn([sys.executable, "-c", "pass"])
    gone.wait()  # exited and reaped: the pid no longer exists

    with pytest.raises(ToolError, match=f"No process with pid {gone.pid}"):
        run("process_info", pid=gone.pid)


def test_process_info_of_an_unknown_name_raises_tool_error() -> None:
    with pytest.raises(ToolError, match="No running process named 'no-such-proc-llmos'"):
        run("process_info", name="no-such-proc-llmos")


def test_process_info_without_pid_or_name_asks_for_one() -> None:
    with pytest.raises(ToolError, match="needs a pid or a process name"):
        run("process_info")


def test_process_info_of_a_negative_pid_raises_tool_error() -> None:
    with pytest.raises(ToolError):
        run("process_info", pid=-1)


# -- kill_process -------------------------------------------------------------------------

IGNORES_TERM = (
    "import signal, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "x = b'\\x01' * (64 * 1024 * 1024)\n"
    "print('ready', flush=True)\n"
    "time.sleep(120)\n"
)


def test_kill_process_stops_a_real_process_with_sigterm(spawn: Spawn) -> None:
    victim = spawn(["sleep", "120"])

    result = run("kill_process", pid=victim.pid)

    assert (result.ended, result.signal, result.name) == (True, "SIGTERM", "sleep")
    assert result.failure() is None
    assert not psutil.pid_exists(victim.pid) or psutil.Process(victim.pid).status() == "zombie"


def test_kill_process_reports_a_process_that_ignores_sigterm_then_force_kills_it(
    spawn: Spawn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmchain_os.tools import processes

    monkeypatch.setattr(processes, "TERM_WAIT_S", 0.5)
    stubborn = spawn([sys.executable, "-c", IGNORES_TERM], ready=True)

    soft = run("kill_process", pid=stubborn.pid)
    assert soft.ended is False
    assert "still running" in (soft.failure() or "") and "force" in (soft.failure() or "")
    assert stubborn.poll() is None

    hard = run("kill_process", pid=stubborn.pid, force=True)
    assert (hard.ended, hard.signal) == (True, "SIGKILL")
    assert not psutil.pid_exists(stubborn.pid)  # psutil's wait reaped it: gone for good


def test_kill_effect_names_the_process_with_its_real_memory(spawn: Spawn) -> None:
    stubborn = spawn([sys.executable, "-c", IGNORES_TERM], ready=True)
    kill = builtin_registry().get("kill_process")
    proc = psutil.Process(stubborn.pid)
    mib = proc.memory_info().rss / 1024**2
    started = time.strftime("%H:%M", time.localtime(proc.create_time()))

    effect = kill.describe(kill.parse_args({"pid": stubborn.pid}))

    name = proc.name()
    assert effect.startswith(f"kill process {stubborn.pid} ({name}, ")
    assert effect.endswith(f" memory, started {started} by {proc.username()})")
    shown = float(effect.split(", ")[1].split()[0])
    assert mib >= 64 and abs(shown - mib) < 8  # the 64 MiB it holds, as measured
    assert kill.undo == "none" and kill.risk_label == "destructive"


@pytest.mark.parametrize("which", ["init", "self", "parent"])
def test_kill_process_refuses_init_itself_and_its_parents(which: str) -> None:
    pid = {"init": 1, "self": os.getpid(), "parent": os.getppid()}[which]
    with pytest.raises(ToolError, match=f"refusing to kill pid {pid}"):
        run("kill_process", pid=pid)
    assert psutil.pid_exists(pid)


def test_kill_process_of_a_dead_pid_says_so(spawn: Spawn) -> None:
    gone = spawn([sys.executable, "-c", "pass"])
    gone.wait()
    with pytest.raises(ToolError, match=f"No process with pid {gone.pid}"):
        run("kill_process", pid=gone.pid)
