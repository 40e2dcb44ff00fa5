"""The evidence a diagnosis weighs, read in one short sample window.

Rates need two readings: every counter (each process's CPU time, the CPU's own times, swap
and network counters) is read once, the window passes, and it is read again; the default
window is half a second, short enough to answer at once and long enough that a process
busy for the whole of it shows as busy (a one-off reading of psutil's cpu_percent is 0).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from llmchain_os.tools.disks import Filesystem, filesystems
from llmchain_os.tools.services import Unit, failed_units

PSI = Path("/proc/pressure")


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    name: str
    user: str
    cpu: float  # percent of one core over the window
    rss: int
    threads: int
    status: str


@dataclass(frozen=True)
class NetDelta:
    name: str
    bytes_per_s: float
    errors: int  # in and out errors and drops during the window
    speed_mbps: int


@dataclass
class Evidence:
    sample_s: float
    cores: int
    load: tuple[float, float, float]
    busy: float = 0.0  # percent of all cores, iowait not counted as busy
    iowait: float = 0.0
    steal: float = 0.0
    memory_total: int = 0
    memory_available: int = 0
    memory_percent: float = 0.0
    swap_total: int = 0
    swap_used: int = 0
    swap_io_per_s: float = 0.0  # bytes swapped in and out per second in the window
    pressure: dict[str, float] = field(default_factory=dict)  # "memory some" -> avg10 %
    procs: list[Proc] = field(default_factory=list)
    filesystems: list[Filesystem] = field(default_factory=list)
    nets: list[NetDelta] = field(default_factory=list)
    failed: list[Unit] | None = None  # None: no systemd to ask

    def by_name(self) -> Counter[str]:
        return Counter(p.name for p in self.procs)

    def parent_of(self, pid: int) -> Proc | None:
        return next((p for p in self.procs if p.pid == pid), None)


def read_pressure(root: Path = PSI) -> dict[str, float]:
    """avg10 of each /proc/pressure file ("cpu some": 12.5); {} where the kernel has no PSI."""
    found: dict[str, float] = {}
    for name in ("cpu", "memory", "io"):
        with contextlib.suppress(OSError, ValueError):
            for line in (root / name).read_text().splitlines():
                kind, *pairs = line.split()
                values = dict(p.split("=", 1) for p in pairs)
                found[f"{name} {kind}"] = float(values["avg10"])
    return found


def _proc(p: psutil.Process, cpu: float) -> Proc | None:
    try:
        with p.oneshot():
            return Proc(
                pid=p.pid,
                ppid=p.ppid(),
                name=p.name(),
                user=p.username(),
                cpu=cpu,
                rss=p.memory_info().rss,
                threads=p.num_threads(),
                status=p.status(),
            )
    except psutil.ZombieProcess:
        return Proc(p.pid, _ppid(p), _name(p), "?", 0.0, 0, 0, psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return None


def _ppid(p: psutil.Process) -> int:
    try:
        return p.ppid()
    except psutil.Error:
        return 0


def _name(p: psutil.Process) -> str:
    try:
        return p.name()
    except psutil.Error:
        return "?"


def _nets(before: dict[str, object], window: float) -> list[NetDelta]:
    after = psutil.net_io_counters(pernic=True)
    stats = psutil.net_if_stats()
    found = []
    for name, new in after.items():
        old = before.get(name)
        if old is None or name == "lo":
            continue
        moved = (new.bytes_recv + new.bytes_sent) - (old.bytes_recv + old.bytes_sent)  # type: ignore[attr-defined]
        errors = sum(
            getattr(new, k) - getattr(old, k) for k in ("errin", "errout", "dropin", "dropout")
        )
        speed = stats[name].speed if name in stats else 0
        found.append(
            NetDelta(name=name, bytes_per_s=moved / window, errors=errors, speed_mbps=speed)
        )
    return found


def gather(sample_s: float, *, services: bool = True) -> Evidence:
    """Everything a diagnosis weighs, with the rates over one window of ``sample_s``."""
    procs = list(psutil.process_iter())
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.cpu_percent(None)  # primes each process's sampler
    psutil.cpu_times_percent(None)
    swap0 = psutil.swap_memory()
    net0: dict[str, object] = dict(psutil.net_io_counters(pernic=True))
    start = time.monotonic()
    time.sleep(sample_s)
    window = time.monotonic() - start
    times = psutil.cpu_times_percent(None)
    cpu = {}
    for p in procs:
        with contextlib.suppress(psutil.Error):
            cpu[p.pid] = p.cpu_percent(None)
    swap, mem = psutil.swap_memory(), psutil.virtual_memory()
    iowait = getattr(times, "iowait", 0.0)
    return Evidence(
        sample_s=sample_s,
        cores=psutil.cpu_count() or 1,
        load=os.getloadavg(),
        busy=max(0.0, 100.0 - times.idle - iowait),
        iowait=iowait,
        steal=getattr(times, "steal", 0.0),
        memory_total=mem.total,
        memory_available=mem.available,
        memory_percent=mem.percent,
        swap_total=swap.total,
        swap_used=swap.used,
        swap_io_per_s=((swap.sin - swap0.sin) + (swap.sout - swap0.sout)) / window,
        pressure=read_pressure(),
        procs=[r for p in procs if (r := _proc(p, cpu.get(p.pid, 0.0))) is not None],
        filesystems=filesystems(),
        nets=_nets(net0, window),
        failed=failed_units() if services else None,
    )
