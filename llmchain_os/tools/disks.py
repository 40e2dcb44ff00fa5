"""Disks: every mounted filesystem with its space and inodes (as ``df`` and ``df -i`` count
them, from statvfs), and each disk's reads and writes per second over a short sample."""

from __future__ import annotations

import math
import os
import re
import time
from typing import Annotated, Any

import psutil
from pydantic import Field

from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.card import Card, Clause, Stage
from llmchain_os.tools.units import human_bytes

SAMPLE_S = 0.5  # the default gap between the two readings of the I/O counters
DISKS_ASKED = re.compile(
    r"\bpartitions\b|\b(?:list|show|which|what)\s+(?:the\s+|all\s+)?partition|"
    r"\bfile\s*system\s+types?\b|\bfstype\b|\bfile\s*systems\b|\binodes?\b|\bmount(?:ed|s|\s+points?)\b|"
    r"\bdisks?\s+(?:i/?o|io|activity|throughput|reads?|writes?|busy|rates?)\b|"
    r"\b(?:i/?o|io)\s+(?:rates?|activity|throughput)\b|\biostat\b|\bwhich\s+disks?\b|"
    r"\blist\s+(?:the\s+|all\s+)?(?:disks|drives)\b|\bdisks\s+and\b",
    re.I,
)
DISKS_NEEDS = re.compile(
    r"\b(?:disks?|drives?|partitions?|file\s*systems?|inodes?|mount\w*|i/?o|io|volumes?)\b",
    re.I,
)


class Filesystem(ToolOutput):
    device: str
    mountpoint: str
    fstype: str
    total: int
    used: int
    available: int
    percent: int  # as df rounds it: up, of what non-root users can use
    inodes: int
    inodes_used: int
    inodes_percent: int
    readonly: bool


class DiskRate(ToolOutput):
    disk: str
    read_per_s: float
    write_per_s: float
    reads_per_s: float
    writes_per_s: float
    busy_percent: float


def _ceil_percent(part: int, whole: int) -> int:
    return math.ceil(part * 100 / whole) if whole else 0


def _filesystem(part: Any) -> Filesystem | None:
    try:
        st = os.statvfs(part.mountpoint)
    except OSError:
        return None
    if st.f_blocks == 0:  # proc, sysfs, cgroup, devpts: no space of their own (df hides them)
        return None
    used = (st.f_blocks - st.f_bfree) * st.f_frsize
    available = st.f_bavail * st.f_frsize
    inodes_used = st.f_files - st.f_ffree
    return Filesystem(
        device=part.device,
        mountpoint=part.mountpoint,
        fstype=part.fstype,
        total=st.f_blocks * st.f_frsize,
        used=used,
        available=available,
        percent=_ceil_percent(used, used + available),
        inodes=st.f_files,
        inodes_used=inodes_used,
        inodes_percent=_ceil_percent(inodes_used, st.f_files),
        readonly=bool(st.f_flag & os.ST_RDONLY),
    )


def filesystems() -> list[Filesystem]:
    """The mounted filesystems that hold space, one per mount point (the last mount over a
    point hides the ones below it) and one per device (its shortest mount point), as df."""
    by_mount: dict[str, Filesystem] = {}
    for part in psutil.disk_partitions(all=True):
        fs = _filesystem(part)
        if fs is not None:
            by_mount.pop(fs.mountpoint, None)
            by_mount[fs.mountpoint] = fs
    by_device: dict[tuple[str, int], Filesystem] = {}
    for fs in by_mount.values():
        try:
            dev = os.stat(fs.mountpoint).st_dev
        except OSError:
            continue
        key = (fs.device, dev)
        if key not in by_device or len(fs.mountpoint) < len(by_device[key].mountpoint):
            by_device[key] = fs
    return sorted(by_device.values(), key=lambda f: f.mountpoint)


def disk_rates(sample_s: float) -> list[DiskRate]:
    """Bytes and operations per second of each disk that has ever done I/O, over a sample."""
    before = psutil.disk_io_counters(perdisk=True) or {}
    time.sleep(sample_s)
    after = psutil.disk_io_counters(perdisk=True) or {}
    rates = []
    for name, new in sorted(after.items()):
        old = before.get(name)
        if old is None or not (new.read_count or new.write_count):
            continue
        busy = (getattr(new, "busy_time", 0) - getattr(old, "busy_time", 0)) / (sample_s * 10)
        rates.append(
            DiskRate(
                disk=name,
                read_per_s=(new.read_bytes - old.read_bytes) / sample_s,
                write_per_s=(new.write_bytes - old.write_bytes) / sample_s,
                reads_per_s=(new.read_count - old.read_count) / sample_s,
                writes_per_s=(new.write_count - old.write_count) / sample_s,
                busy_percent=min(100.0, max(0.0, busy)),
            )
        )
    return rates


class Disks(ToolOutput):
    sample_s: float
    filesystems: list[Filesystem]
    rates: list[DiskRate]

    def summary(self) -> str:
        if not self.filesystems:
            return "No mounted filesystem with space of its own could be read."
        fullest = max(self.filesystems, key=lambda f: f.percent)
        inodes = max(self.filesystems, key=lambda f: f.inodes_percent)
        text = (
            f"{len(self.filesystems)} filesystems; the fullest is {fullest.mountpoint} at "
            f"{fullest.percent}% ({human_bytes(fullest.available)} free)"
        )
        if inodes.inodes_percent >= 50:
            text += f"; inodes are {inodes.inodes_percent}% used on {inodes.mountpoint}"
        busy = max(self.rates, key=lambda r: r.read_per_s + r.write_per_s, default=None)
        if busy is not None:
            text += (
                f". Over a {self.sample_s:g} s sample the busiest disk, {busy.disk}, read "
                f"{human_bytes(busy.read_per_s)}/s and wrote {human_bytes(busy.write_per_s)}/s"
            )
        return text + "."

    def table(self) -> Table:
        rows = [
            [
                f.mountpoint,
                f.device,
                f.fstype + (" (ro)" if f.readonly else ""),
                human_bytes(f.total),
                human_bytes(f.used),
                human_bytes(f.available),
                f"{f.percent}%",
                f"{f.inodes_percent}%" if f.inodes else "-",
            ]
            for f in self.filesystems
        ]
        rows += [
            [
                f"disk {r.disk}",
                "",
                "",
                "",
                f"read {human_bytes(r.read_per_s)}/s",
                f"write {human_bytes(r.write_per_s)}/s",
                f"busy {r.busy_percent:.0f}%",
                "",
            ]
            for r in self.rates
        ]
        cols = ["mounted on", "device", "type", "size", "used", "free", "use%", "inodes%"]
        return Table("Filesystems and disks", cols, rows)


def _claim(c: Clause) -> str | None:
    if DISKS_ASKED.search(c.text):
        return "the request asks about the disks, partitions or filesystems"
    return None


@tool(
    risk=Risk.READ,
    card=Card(claim=_claim, stage=Stage.ORDER, rank=5, needs=DISKS_NEEDS, about_files=False),
)
def disks(sample_s: Annotated[float, Field(ge=0.1, le=10)] = SAMPLE_S) -> Disks:
    """Mounted filesystems with size, use and inodes, and each disk's I/O rates over a sample."""
    return Disks(sample_s=sample_s, filesystems=filesystems(), rates=disk_rates(sample_s))


TOOLS = [disks]
