"""Processes: the busiest ones, and the details of one."""

from __future__ import annotations

import contextlib
import signal
import time
from typing import Annotated, Any, Literal

import psutil
from pydantic import AfterValidator, BaseModel, Field

from llmchain_os.errors import ToolError
from llmchain_os.safety.risk import Risk
from llmchain_os.tools import process_cards
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.units import human_bytes

SAMPLE_S = 0.25  # cpu_percent needs two readings; this is the gap between them


class ProcessRow(ToolOutput):
    pid: int
    name: str
    user: str
    cpu_percent: float
    memory_rss: int
    memory_percent: float
    command: str


class TopProcesses(ToolOutput):
    sort_by: str
    processes: list[ProcessRow]

    def summary(self) -> str:
        if not self.processes:
            return "No processes could be read."
        top = self.processes[0]
        what = (
            f"{top.cpu_percent:.0f}% CPU"
            if self.sort_by == "cpu"
            else (f"{human_bytes(top.memory_rss)} of memory ({top.memory_percent:.1f}%)")
        )
        head = (
            "The top process"
            if len(self.processes) == 1
            else (f"Top {len(self.processes)} processes")
        )
        return f"{head} by {self.sort_by}; the first is {top.name} (pid {top.pid}) with {what}."

    def table(self) -> Table:
        rows = [
            [
                str(p.pid),
                p.name,
                p.user,
                f"{p.cpu_percent:.1f}",
                human_bytes(p.memory_rss),
                f"{p.memory_percent:.1f}",
                p.command[:60],
            ]
            for p in self.processes
        ]
        cols = ["pid", "name", "user", "cpu%", "rss", "mem%", "command"]
        return Table(f"Top processes by {self.sort_by}", cols, rows)

    def subject(self) -> dict[str, Any]:
        return {"pid": self.processes[0].pid} if self.processes else {}


def _row(proc: psutil.Process, cpu: float) -> ProcessRow | None:
    try:
        with proc.oneshot():
            cmd = " ".join(proc.cmdline()) or proc.name()
            return ProcessRow(
                pid=proc.pid,
                name=proc.name(),
                user=proc.username(),
                cpu_percent=cpu,
                memory_rss=proc.memory_info().rss,
                memory_percent=proc.memory_percent(),
                command=cmd,
            )
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def _cpu_sample(procs: list[psutil.Process]) -> dict[int, float]:
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.cpu_percent(None)
    time.sleep(SAMPLE_S)
    usage: dict[int, float] = {}
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            usage[proc.pid] = proc.cpu_percent(None)
    return usage


@tool(risk=Risk.READ, card=process_cards.TOP)
def top_processes(
    sort_by: Literal["cpu", "memory"] = "cpu",
    limit: Annotated[int, Field(ge=1, le=50)] = 10,
) -> TopProcesses:
    """The processes using the most CPU or memory, busiest first."""
    procs = list(psutil.process_iter())
    cpu = _cpu_sample(procs)
    rows = [r for p in procs if p.pid in cpu and (r := _row(p, cpu[p.pid])) is not None]
    key = (lambda r: r.cpu_percent) if sort_by == "cpu" else (lambda r: r.memory_rss)
    rows.sort(key=key, reverse=True)
    return TopProcesses(sort_by=sort_by, processes=rows[:limit])


class ProcessInfo(ToolOutput):
    pid: int
    name: str
    status: str
    user: str
    parent_pid: int | None
    started: float
    cpu_percent: float
    memory_rss: int
    memory_percent: float
    threads: int
    command: str
    cwd: str | None
    others_with_name: int = 0
    pids_with_name: list[int] = Field(default_factory=list)  # all of them, this one first

    def summary(self) -> str:
        listed = ", ".join(str(p) for p in self.pids_with_name[:20])
        many = (
            f"{self.others_with_name + 1} processes are named {self.name} (pids {listed}); "
            "the first: "
            if self.others_with_name
            else ""
        )
        return (
            f"{many}{self.name} (pid {self.pid}) is {self.status}, run by {self.user}, using "
            f"{self.cpu_percent:.0f}% CPU and {human_bytes(self.memory_rss)} of memory."
        )

    def table(self) -> Table:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        rows = [
            ["pid", str(self.pid)],
            ["name", self.name],
            ["status", self.status],
            ["user", self.user],
            ["parent pid", str(self.parent_pid)],
            ["started", started],
            ["cpu", f"{self.cpu_percent:.1f}%"],
            ["memory", f"{human_bytes(self.memory_rss)} ({self.memory_percent:.1f}%)"],
            ["threads", str(self.threads)],
            ["command", self.command],
            ["cwd", str(self.cwd)],
        ]
        return Table(f"Process {self.pid}", ["", "value"], rows)

    def subject(self) -> dict[str, Any]:
        return {"pid": self.pid}


def _rss(proc: psutil.Process) -> int:
    try:
        return int(proc.memory_info().rss)
    except psutil.Error:
        return -1


def _candidates(pid: int | None, name: str | None) -> list[psutil.Process]:
    """The process with that pid, or those with that name, biggest first."""
    if pid is not None:
        try:
            return [psutil.Process(pid)]
        except psutil.NoSuchProcess:
            raise ToolError(f"No process with pid {pid}") from None
    if not name:
        raise ToolError("process_info needs a pid or a process name")
    matches = [p for p in psutil.process_iter(["name"]) if p.info["name"] == name]
    if not matches:
        raise ToolError(f"No running process named {name!r}")
    return sorted(matches, key=_rss, reverse=True)


def _read(proc: psutil.Process, others: list[int]) -> ProcessInfo:
    """Everything about one process; raises psutil's errors when it ends or is not ours."""
    with proc.oneshot():
        proc.cpu_percent(None)
        cwd = None
        with contextlib.suppress(psutil.AccessDenied):
            cwd = proc.cwd()
        info: dict[str, Any] = dict(
            pid=proc.pid,
            name=proc.name(),
            status=proc.status(),
            user=proc.username(),
            parent_pid=proc.ppid(),
            started=proc.create_time(),
            memory_rss=proc.memory_info().rss,
            memory_percent=proc.memory_percent(),
            threads=proc.num_threads(),
            command=" ".join(proc.cmdline()) or proc.name(),
            cwd=cwd,
        )
    time.sleep(SAMPLE_S)
    return ProcessInfo(
        cpu_percent=proc.cpu_percent(None),
        others_with_name=len(others),
        pids_with_name=[proc.pid, *others] if others else [],
        **info,
    )


@tool(risk=Risk.READ, card=process_cards.INFO)
def process_info(
    pid: Annotated[int | None, Field(ge=1)] = None,
    name: Annotated[str | None, Field(min_length=1, max_length=256)] = None,
) -> ProcessInfo:
    """Details of one process, by pid or by name: status, user, CPU, memory, command."""
    candidates = _candidates(pid, name)
    for proc in candidates:
        try:
            return _read(proc, [p.pid for p in candidates if p is not proc])
        except psutil.NoSuchProcess:
            if pid is not None:
                raise ToolError(f"Process {pid} ended while it was being read") from None
            continue  # one of several with that name ended; the next one may not have
        except psutil.AccessDenied:
            raise ToolError(f"Not allowed to read process {proc.pid} - try as its owner") from None
    raise ToolError(f"Every process named {name!r} ended while it was being read")


TERM_WAIT_S = 3.0  # how long a SIGTERM gets before the answer says the process is still there


class Killed(ToolOutput):
    pid: int
    name: str
    signal: str
    ended: bool

    def summary(self) -> str:
        if self.ended:
            return f"{self.name} (pid {self.pid}) ended after {self.signal}."
        return f"{self.name} (pid {self.pid}) is still running after {self.signal}."

    def failure(self) -> str | None:
        if self.ended:
            return None
        return (
            f"{self.name} (pid {self.pid}) is still running {TERM_WAIT_S:.0f} s after "
            f"{self.signal} - ask again with force to send SIGKILL"
        )


def protected_pids() -> dict[int, str]:
    """Pids never killed: init, this shell itself and every process it runs under."""
    me = psutil.Process()
    found = {1: "it is init (pid 1)", me.pid: "it is this shell itself"}
    for parent in me.parents():
        found.setdefault(parent.pid, "this shell runs under it")
    return found


def _victim(pid: int) -> psutil.Process:
    why = protected_pids().get(pid)
    if why is not None:
        raise ToolError(f"Refusing to kill pid {pid}: {why}")
    try:
        return psutil.Process(pid)
    except psutil.NoSuchProcess:
        raise ToolError(f"No process with pid {pid}") from None


def _killable(pid: int) -> int:
    why = protected_pids().get(pid)
    if why is not None:
        raise ValueError(f"refusing to kill pid {pid}: {why}")
    return pid


def _kill_effect(args: BaseModel) -> str:
    raw = args.model_dump()
    try:
        proc = _victim(int(raw["pid"]))
        with proc.oneshot():
            name, rss, user = proc.name(), proc.memory_info().rss, proc.username()
            started = time.strftime("%H:%M", time.localtime(proc.create_time()))
    except (ToolError, psutil.Error):
        return ""
    verb = "force-kill (SIGKILL)" if raw.get("force") else "kill"
    return (
        f"{verb} process {proc.pid} ({name}, {human_bytes(rss)} memory, started {started} "
        f"by {user})"
    )


@tool(risk=Risk.DESTRUCTIVE, effect=_kill_effect, undo="none", card=process_cards.KILL)
def kill_process(
    pid: Annotated[int, Field(ge=1), AfterValidator(_killable)], force: bool = False
) -> Killed:
    """Stop a process by pid: SIGTERM (SIGKILL with force), then report whether it ended."""
    proc = _victim(pid)
    sig = signal.SIGKILL if force else signal.SIGTERM
    try:
        name = proc.name()
        proc.send_signal(sig)
    except psutil.NoSuchProcess:
        raise ToolError(f"Process {pid} ended before it could be stopped") from None
    except psutil.AccessDenied:
        raise ToolError(f"Not allowed to stop process {pid} - try as its owner") from None
    try:
        proc.wait(timeout=TERM_WAIT_S)
        ended = True
    except psutil.TimeoutExpired:
        ended = False
    except psutil.NoSuchProcess:
        ended = True
    if not ended:
        with contextlib.suppress(psutil.Error):
            ended = proc.status() == psutil.STATUS_ZOMBIE  # dead, its parent has not reaped it
    return Killed(pid=pid, name=name, signal=sig.name, ended=ended)


TOOLS = [top_processes, process_info, kill_process]
