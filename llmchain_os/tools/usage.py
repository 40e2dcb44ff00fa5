"""Where the memory goes (used, cache, buffers, shared, swap) and what each CPU core does,
sampled over a stated interval (a CPU percentage needs two readings)."""

from __future__ import annotations

import os
import re
from typing import Annotated

import psutil
from pydantic import Field

from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.card import Card, Clause, Stage
from llmchain_os.tools.units import human_bytes

MEMORY_ASKED = re.compile(
    r"\bmemory\s+(?:breakdown|details?)\b|\bbreak\s*down\s+(?:the\s+)?(?:memory|ram)\b|"
    r"\b(?:buffers?|page\s+cache|cached\s+memory|slab)\b|\bfree\s+-[mhg]\b|\bmeminfo\b",
    re.I,
)
CPU_ASKED = re.compile(
    r"\b(?:per|each|every|individual)[\s-]+(?:cpu|core|processor)s?\b|\bcores?\s+by\s+cores?\b|"
    r"\biowait\b|\bio\s+wait\b|\bsteal\s+time\b|\bmpstat\b",
    re.I,
)
# Retrieval offers each tool only to a request with one of its own words ("mem?" is the
# overview's, "the 3 busiest procs" the top processes').
MEMORY_NEEDS = re.compile(
    r"\b(?:cach\w*|buffers?|break\s*down|breakdown|details?|detailed|shared|slab|swapped|"
    r"where|really)\b|\bfree\s+-\w",
    re.I,
)
CPU_NEEDS = re.compile(
    r"\b(?:cores?|per|each|iowait|io\s*wait|steal|user\s+and\s+system|sample|spread|mpstat|"
    r"utili[sz]ation)\b",
    re.I,
)
SECONDS = re.compile(
    r"\b(?:over|for|during|sample(?:d)?\s+(?:over|for)?)\s*(\d{1,2})\s*s(?:ec\w*)?\b", re.I
)


class MemoryRow(ToolOutput):
    part: str
    bytes: int
    note: str


class MemoryBreakdown(ToolOutput):
    total: int
    available: int
    used: int
    rows: list[MemoryRow]
    swap_total: int
    swap_used: int
    swapped_in: int
    swapped_out: int

    def summary(self) -> str:
        parts = {r.part: r.bytes for r in self.rows}
        cache = parts.get("cache", 0) + parts.get("buffers", 0)
        swap = (
            f"swap {human_bytes(self.swap_used)} used of {human_bytes(self.swap_total)}"
            if self.swap_total
            else "no swap is set up"
        )
        return (
            f"Of {human_bytes(self.total)} memory, {human_bytes(self.used)} is used by programs, "
            f"{human_bytes(cache)} is cache and buffers the kernel gives back on demand, and "
            f"{human_bytes(self.available)} is available; {swap}."
        )

    def table(self) -> Table:
        rows = [[r.part, human_bytes(r.bytes), r.note] for r in self.rows]
        rows.append(
            ["swap used", human_bytes(self.swap_used), f"of {human_bytes(self.swap_total)}"]
        )
        rows.append(
            [
                "swapped in / out",
                f"{human_bytes(self.swapped_in)} / {human_bytes(self.swapped_out)}",
                "since boot",
            ]
        )
        return Table("Memory", ["part", "size", "meaning"], rows)


def _memory_claim(c: Clause) -> str | None:
    return "the request asks where the memory goes" if MEMORY_ASKED.search(c.text) else None


@tool(
    risk=Risk.READ,
    card=Card(
        claim=_memory_claim, stage=Stage.ORDER, rank=6, needs=MEMORY_NEEDS, about_files=False
    ),
)
def memory_breakdown() -> MemoryBreakdown:
    """Where the memory goes: used by programs, cache, buffers, shared, available; swap."""
    mem = psutil.virtual_memory()
    swap = psutil.swap_memory()
    notes = {
        "used": "by programs",
        "cache": "file cache, given back when programs need it",
        "buffers": "kernel buffers, given back when needed",
        "shared": "shared memory and tmpfs",
        "slab": "kernel data structures",
        "free": "not used at all",
        "available": "what programs can still get",
    }
    values = {
        "used": mem.total - mem.available,
        "cache": getattr(mem, "cached", 0),
        "buffers": getattr(mem, "buffers", 0),
        "shared": getattr(mem, "shared", 0),
        "slab": getattr(mem, "slab", 0),
        "free": mem.free,
        "available": mem.available,
    }
    return MemoryBreakdown(
        total=mem.total,
        available=mem.available,
        used=mem.total - mem.available,
        rows=[MemoryRow(part=k, bytes=v, note=notes[k]) for k, v in values.items()],
        swap_total=swap.total,
        swap_used=swap.used,
        swapped_in=swap.sin,
        swapped_out=swap.sout,
    )


class Core(ToolOutput):
    core: int
    percent: float
    user: float
    system: float
    iowait: float


class CpuUsage(ToolOutput):
    sample_s: float
    percent: float
    cores: list[Core]
    load: tuple[float, float, float]

    def summary(self) -> str:
        busiest = max(self.cores, key=lambda c: c.percent)
        n = len(self.cores)
        iowait = sum(c.iowait for c in self.cores) / n
        return (
            f"Over a {self.sample_s:g} s sample, the {n} cores were {self.percent:.0f}% busy on "
            f"average (the busiest, core {busiest.core}, {busiest.percent:.0f}%; iowait "
            f"{iowait:.0f}%); load average {self.load[0]:.2f} / {self.load[1]:.2f} / "
            f"{self.load[2]:.2f} over 1 / 5 / 15 min, {self.load[0] / n:.2f} per core."
        )

    def table(self) -> Table:
        rows = [
            [
                str(c.core),
                f"{c.percent:.0f}%",
                f"{c.user:.0f}%",
                f"{c.system:.0f}%",
                f"{c.iowait:.0f}%",
            ]
            for c in self.cores
        ]
        cols = ["core", "busy", "user", "system", "iowait"]
        return Table(f"CPU per core ({self.sample_s:g} s sample)", cols, rows)


def _cpu_args(c: Clause) -> dict[str, float]:
    m = SECONDS.search(c.text)
    return {"sample_s": float(m.group(1))} if m and 1 <= int(m.group(1)) <= 10 else {}


def _cpu_claim(c: Clause) -> str | None:
    return "the request asks what each CPU core does" if CPU_ASKED.search(c.text) else None


@tool(
    risk=Risk.READ,
    card=Card(
        extract=_cpu_args,
        claim=_cpu_claim,
        stage=Stage.ORDER,
        rank=6,
        needs=CPU_NEEDS,
        about_files=False,
    ),
)
def cpu_usage(sample_s: Annotated[float, Field(ge=0.1, le=10)] = 1.0) -> CpuUsage:
    """Busy share of each CPU core (user, system, iowait) over a sample, and the load average."""
    psutil.cpu_times_percent(interval=None, percpu=True)  # primes the sampler
    times = psutil.cpu_times_percent(interval=sample_s, percpu=True)
    cores = [
        Core(
            core=i,
            percent=max(0.0, 100.0 - t.idle - getattr(t, "iowait", 0.0)),
            user=t.user + t.nice,
            system=t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0),
            iowait=getattr(t, "iowait", 0.0),
        )
        for i, t in enumerate(times)
    ]
    return CpuUsage(
        sample_s=sample_s,
        percent=sum(c.percent for c in cores) / len(cores),
        cores=cores,
        load=os.getloadavg(),
    )


TOOLS = [memory_breakdown, cpu_usage]
