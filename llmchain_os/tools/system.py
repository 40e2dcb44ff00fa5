"""Whole-machine facts: CPU, memory, swap, load, uptime and disk space."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psutil

from llmchain_os.errors import ToolError
from llmchain_os.reading.paths import find_paths
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.card import Card, Clause
from llmchain_os.tools.units import human_bytes, human_duration


class SystemOverview(ToolOutput):
    cpu_count: int
    cpu_percent: float
    load_1m: float
    load_5m: float
    load_15m: float
    memory_total: int
    memory_used: int
    memory_available: int
    memory_percent: float
    swap_total: int
    swap_used: int
    swap_percent: float
    uptime_seconds: float
    booted: str = ""  # local time of the last boot, "2026-12-03 17:50"

    def summary(self) -> str:
        since = f" (since {self.booted})" if self.booted else ""
        return (
            f"Up {human_duration(self.uptime_seconds)}{since}; CPU {self.cpu_percent:.0f}% of "
            f"{self.cpu_count} cores, load {self.load_1m:.2f}; memory "
            f"{self.memory_percent:.0f}% used ({human_bytes(self.memory_available)} available "
            f"of {human_bytes(self.memory_total)}); swap {self.swap_percent:.0f}% used."
        )

    def table(self) -> Table:
        rows = [
            ["uptime", human_duration(self.uptime_seconds)],
            ["booted", self.booted],
            ["cpu", f"{self.cpu_percent:.0f}% of {self.cpu_count} cores"],
            ["load (1/5/15 min)", f"{self.load_1m:.2f} / {self.load_5m:.2f} / {self.load_15m:.2f}"],
            [
                "memory",
                f"{human_bytes(self.memory_used)} used, {human_bytes(self.memory_available)} "
                f"available of {human_bytes(self.memory_total)} ({self.memory_percent:.0f}%)",
            ],
            [
                "swap",
                f"{human_bytes(self.swap_used)} of {human_bytes(self.swap_total)} "
                f"({self.swap_percent:.0f}%)",
            ],
        ]
        return Table("System", ["", "value"], rows)


@tool(risk=Risk.READ, card=Card(about_files=False))
def system_overview() -> SystemOverview:
    """CPU, memory, swap, load average and uptime of this machine."""
    mem = psutil.virtual_memory()
    swap = psutil.swap_memory()
    load = os.getloadavg()
    return SystemOverview(
        cpu_count=psutil.cpu_count() or 1,
        cpu_percent=psutil.cpu_percent(interval=0.1),
        load_1m=load[0],
        load_5m=load[1],
        load_15m=load[2],
        memory_total=mem.total,
        memory_used=mem.total - mem.available,
        memory_available=mem.available,
        memory_percent=mem.percent,
        swap_total=swap.total,
        swap_used=swap.used,
        swap_percent=swap.percent,
        uptime_seconds=time.time() - psutil.boot_time(),
        booted=time.strftime("%Y-%m-%d %H:%M", time.localtime(psutil.boot_time())),
    )


class DiskUsage(ToolOutput):
    path: str
    mountpoint: str
    total: int
    used: int
    free: int
    percent: float

    def summary(self) -> str:
        return (
            f"The filesystem at {self.mountpoint} (holding {self.path}) is {self.percent:.0f}% "
            f"full: {human_bytes(self.used)} used, {human_bytes(self.free)} free of "
            f"{human_bytes(self.total)}."
        )

    def table(self) -> Table:
        row = [
            self.path,
            self.mountpoint,
            human_bytes(self.total),
            human_bytes(self.used),
            human_bytes(self.free),
            f"{self.percent:.0f}%",
        ]
        return Table("Disk usage", ["path", "mounted on", "size", "used", "free", "use%"], [row])


def _mountpoint(path: Path) -> str:
    best = "/"
    for part in psutil.disk_partitions(all=True):
        mp = part.mountpoint
        if (path == Path(mp) or Path(mp) in path.parents) and len(mp) > len(best):
            best = mp
    return best


def _path_arg(c: Clause) -> dict[str, str]:
    """The filesystem asked about: the one holding the path the request names."""
    paths = find_paths(c.text)
    return {"path": paths[0]} if paths else {}


@tool(risk=Risk.READ, card=Card(extract=_path_arg))
def disk_usage(path: str = "/") -> DiskUsage:
    """Total, used and free bytes of the filesystem holding path."""
    target = Path(os.path.expanduser(path)).resolve()
    if not target.exists():
        raise ToolError(f"No such path: {path}")
    usage = psutil.disk_usage(str(target))
    return DiskUsage(
        path=str(target),
        mountpoint=_mountpoint(target),
        total=usage.total,
        used=usage.used,
        free=usage.free,
        percent=usage.percent,
    )


TOOLS = [system_overview, disk_usage]
