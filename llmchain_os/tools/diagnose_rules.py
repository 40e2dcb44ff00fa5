"""The rules of a diagnosis: each reads the evidence and names a cause with a severity
(0-100), what shows it, and remedies the user can ask for. Thresholds are the usual rules of
thumb (a core pegged, load past 1.5 per core, memory past 90%, PSI past 10%, a disk past 90%).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import Field

from llmchain_os.tools.base import ToolOutput
from llmchain_os.tools.evidence import Evidence, Proc
from llmchain_os.tools.folders import folder_size
from llmchain_os.tools.network import network_connections
from llmchain_os.tools.procctl import renice_process, suspend_process
from llmchain_os.tools.processes import kill_process, protected_pids
from llmchain_os.tools.proctree import process_tree
from llmchain_os.tools.services import services
from llmchain_os.tools.units import human_bytes

SHOWN = 25.0  # causes below this severity are evidence, not causes
HOG_CPU = 40.0  # percent of one core over the sample
RUNAWAY = 50  # copies of one program


class Remedy(ToolOutput):
    """A tool call that may help, and the words that plan it ("kill 4242")."""

    tool: str
    args: dict[str, Any]
    risk: str
    why: str
    say: str


class Cause(ToolOutput):
    kind: str
    area: str  # cpu | memory | io | disk | processes | services | network
    severity: float
    headline: str
    evidence: list[str]
    pid: int | None = None
    remedies: list[Remedy] = Field(default_factory=list)


class Consumer(ToolOutput):
    pid: int
    name: str
    resource: str
    amount: str
    value: float


def _remedy(tool: Any, args: dict[str, Any], why: str, say: str) -> Remedy:
    return Remedy(tool=tool.name, args=args, risk=tool.risk_label, why=why, say=say)


def _process_remedies(p: Proc, what: str) -> list[Remedy]:
    """Lower its priority, pause it, or stop it; none for this shell or what it runs under."""
    if p.pid in protected_pids():
        return []
    label = f"{p.name} (pid {p.pid})"
    return [
        _remedy(
            renice_process,
            {"pid": p.pid, "niceness": 10},
            f"{label} gets the CPU only when others do not need it",
            f"renice {p.pid} to 10",
        ),
        _remedy(
            suspend_process,
            {"pid": p.pid},
            f"pauses {label}; it keeps its {what} and can be resumed",
            f"suspend {p.pid}",
        ),
        _remedy(kill_process, {"pid": p.pid}, f"stops {label} for good", f"kill {p.pid}"),
    ]


def _vitals(ev: Evidence) -> list[str]:
    return [f"load {ev.load[0]:.2f} on {ev.cores} cores", f"CPU {ev.busy:.0f}% busy overall"]


def cpu_hogs(ev: Evidence) -> Iterator[Cause]:
    hogs = sorted((p for p in ev.procs if p.cpu >= HOG_CPU), key=lambda p: -p.cpu)[:3]
    for p in hogs:
        boost = 5.0 if ev.busy >= 85 or ev.load[0] >= ev.cores else 0.0
        what = "keeps a core busy" if p.cpu >= 80 else f"uses {p.cpu:.0f}% of a core"
        yield Cause(
            kind="cpu_hog",
            area="cpu",
            severity=min(95.0, p.cpu * 0.9 + boost),
            headline=f"{p.name} (pid {p.pid}) {what}",
            evidence=[f"{p.cpu:.0f}% of one core over the {ev.sample_s:g} s sample", *_vitals(ev)],
            pid=p.pid,
            remedies=_process_remedies(p, "memory"),
        )


def overload(ev: Evidence) -> Iterator[Cause]:
    """Too much work for the cores with no one process to blame (a hog is its own cause,
    with the load as its evidence)."""
    ratio = ev.load[0] / ev.cores
    psi = ev.pressure.get("cpu some", 0.0)
    if (ratio < 1.5 and psi < 20) or any(p.cpu >= HOG_CPU for p in ev.procs):
        return
    top = max(ev.procs, key=lambda p: p.cpu, default=None)
    evidence = [f"load {ev.load[0]:.2f} on {ev.cores} cores ({ratio:.1f} per core)"]
    if psi:
        evidence.append(f"tasks waited for a CPU {psi:.0f}% of the last 10 s (PSI)")
    if top is not None:
        evidence.append(f"the busiest is {top.name} (pid {top.pid}, {top.cpu:.0f}%)")
    yield Cause(
        kind="overload",
        area="cpu",
        severity=min(90.0, max(30 * ratio, psi * 1.5)),
        headline="more work is queued than there are cores",
        evidence=evidence,
        pid=top.pid if top is not None else None,
    )


def steal(ev: Evidence) -> Iterator[Cause]:
    if ev.steal >= 10:
        yield Cause(
            kind="steal",
            area="cpu",
            severity=min(80.0, 2 * ev.steal),
            headline="the host gives this virtual machine less CPU than it asks for",
            evidence=[f"steal {ev.steal:.0f}% over the sample"],
        )


def io_wait(ev: Evidence) -> Iterator[Cause]:
    psi = ev.pressure.get("io some", 0.0)
    if ev.iowait < 15 and psi < 20:
        return
    from llmchain_os.tools.disks import disks

    yield Cause(
        kind="io_wait",
        area="io",
        severity=min(90.0, max(2 * ev.iowait, 1.5 * psi)),
        headline="processes are waiting on the disk",
        evidence=[f"iowait {ev.iowait:.0f}%", f"I/O stalls {psi:.0f}% of the last 10 s (PSI)"],
        remedies=[_remedy(disks, {}, "shows which disk is busy", "show disk io rates")],
    )


def memory_pressure(ev: Evidence) -> Iterator[Cause]:
    psi = ev.pressure.get("memory some", 0.0)
    swapping = ev.swap_io_per_s >= 2**20
    if ev.memory_percent < 90 and psi < 10 and not swapping:
        return
    big = max(ev.procs, key=lambda p: p.rss, default=None)
    evidence = [f"memory {ev.memory_percent:.0f}% used, {human_bytes(ev.memory_available)} left"]
    if psi:
        evidence.append(f"tasks stalled on memory {psi:.0f}% of the last 10 s (PSI)")
    if swapping:
        evidence.append(f"swapping {human_bytes(ev.swap_io_per_s)}/s")
    if big is not None:
        evidence.append(f"the biggest is {big.name} (pid {big.pid}, {human_bytes(big.rss)})")
    yield Cause(
        kind="memory_pressure",
        area="memory",
        severity=min(95.0, max(ev.memory_percent - 5, 3 * psi, 60.0 if swapping else 0.0)),
        headline="memory is running out",
        evidence=evidence,
        pid=big.pid if big is not None else None,
        remedies=[r for r in _process_remedies(big, "memory") if r.tool == kill_process.name]
        if big is not None
        else [],
    )


def memory_hog(ev: Evidence) -> Iterator[Cause]:
    big = max(ev.procs, key=lambda p: p.rss, default=None)
    share = big.rss / ev.memory_total * 100 if big is not None and ev.memory_total else 0.0
    if big is None or share < 30:
        return
    yield Cause(
        kind="memory_hog",
        area="memory",
        severity=min(90.0, share),
        headline=f"{big.name} (pid {big.pid}) holds {share:.0f}% of the memory",
        evidence=[f"{human_bytes(big.rss)} resident of {human_bytes(ev.memory_total)}"],
        pid=big.pid,
        remedies=[r for r in _process_remedies(big, "memory") if r.tool == kill_process.name],
    )


def full_disks(ev: Evidence) -> Iterator[Cause]:
    for fs in ev.filesystems:
        if fs.readonly:  # a squashfs or read-only image is always "full"
            continue
        worst = max(fs.percent, fs.inodes_percent)
        if worst < 90:
            continue
        inodes = fs.inodes_percent > fs.percent
        what = f"inodes {fs.inodes_percent}% used" if inodes else f"{fs.percent}% full"
        yield Cause(
            kind="inodes_full" if inodes else "disk_full",
            area="disk",
            severity=min(95.0, worst - 5.0),
            headline=f"the filesystem at {fs.mountpoint} is {what}",
            evidence=[
                f"{human_bytes(fs.available)} free of {human_bytes(fs.total)}",
                f"{fs.inodes - fs.inodes_used:,} inodes free of {fs.inodes:,}",
            ],
            remedies=[
                _remedy(
                    folder_size,
                    {"path": fs.mountpoint},
                    "shows what takes the space",
                    f"which folder in {fs.mountpoint} takes the most space",
                )
            ],
        )


def crowds(ev: Evidence) -> Iterator[Cause]:
    """Zombies past a handful, and one program run many times over (a fork loop)."""
    zombies = Counter(p.ppid for p in ev.procs if p.status == "zombie")
    for parent, count in zombies.most_common(2):
        yield Cause(
            kind="zombies",
            area="processes",
            severity=min(40.0, 10 + 3 * count),  # they slow nothing; many are a bug
            headline=f"{count} zombie processes wait to be reaped",
            evidence=[f"their parent, pid {parent}, has not collected them; they hold pids only"],
            pid=parent,
            remedies=[
                _remedy(
                    process_tree,
                    {"pid": parent},
                    "shows the parent and its children",
                    f"process tree of pid {parent}",
                )
            ],
        )
    for name, count in ev.by_name().most_common(1):
        if count >= max(RUNAWAY, len(ev.procs) // 4):
            yield Cause(
                kind="runaway",
                area="processes",
                severity=min(80.0, 30 + count / 10),
                headline=f"{count} copies of {name} are running",
                evidence=[f"{count} of {len(ev.procs)} processes are {name}"],
                remedies=[
                    _remedy(
                        process_tree,
                        {"name": name},
                        "shows them under their parents",
                        f"process tree of {name}",
                    )
                ],
            )


def failed(ev: Evidence) -> Iterator[Cause]:
    if ev.failed:
        yield Cause(
            kind="failed_services",
            area="services",
            severity=30.0,
            headline=f"{len(ev.failed)} services have failed",
            evidence=[", ".join(u.name for u in ev.failed[:5])],
            remedies=[
                _remedy(services, {"failed_only": True}, "lists them", "list the failed services")
            ],
        )


def network(ev: Evidence) -> Iterator[Cause]:
    for n in ev.nets:
        used = n.bytes_per_s * 8 / (n.speed_mbps * 1e6) * 100 if n.speed_mbps else 0.0
        if n.errors <= 0 and used < 80:
            continue
        bits = [f"{human_bytes(n.bytes_per_s)}/s"] + ([f"{used:.0f}% of its speed"] if used else [])
        if n.errors:
            bits.append(f"{n.errors} errors or drops in {ev.sample_s:g} s")
        yield Cause(
            kind="network",
            area="network",
            severity=70.0 if used >= 80 else 50.0,
            headline=f"the interface {n.name} is "
            + ("saturated" if used >= 80 else "losing packets"),
            evidence=bits,
            remedies=[
                _remedy(
                    network_connections,
                    {"state": "established"},
                    "shows what is connected",
                    "what is connected to this machine",
                )
            ],
        )


RULES: list[Callable[[Evidence], Iterator[Cause]]] = [
    cpu_hogs,
    overload,
    steal,
    io_wait,
    memory_pressure,
    memory_hog,
    full_disks,
    crowds,
    failed,
    network,
]
AREAS = {
    "slow": {"cpu", "memory", "io", "disk", "processes", "services", "network"},
    "memory": {"memory"},
    "disk": {"disk", "io"},
    "network": {"network"},
}


def rank_causes(question: str, ev: Evidence) -> list[Cause]:
    """The causes the question is about, past the threshold, most severe first."""
    found = [c for rule in RULES for c in rule(ev) if c.area in AREAS[question]]
    return sorted((c for c in found if c.severity >= SHOWN), key=lambda c: -c.severity)


def top_consumers(question: str, ev: Evidence, limit: int = 5) -> list[Consumer]:
    """The biggest users of memory (for a memory question) or of the CPU (otherwise)."""
    if question in ("disk", "network"):
        return []
    if question == "memory":
        used = max(1, ev.memory_total - ev.memory_available)
        procs = sorted(ev.procs, key=lambda p: -p.rss)[:limit]
        return [
            Consumer(
                pid=p.pid,
                name=p.name,
                resource="memory",
                value=float(p.rss),
                amount=f"{human_bytes(p.rss)}, {p.rss * 100 / used:.0f}% of the memory in use",
            )
            for p in procs
        ]
    procs = sorted(ev.procs, key=lambda p: -p.cpu)[:limit]
    return [
        Consumer(
            pid=p.pid, name=p.name, resource="CPU", value=p.cpu, amount=f"{p.cpu:.0f}% of a core"
        )
        for p in procs
    ]


def facts(question: str, ev: Evidence) -> list[list[str]]:
    """The evidence as [what, value] rows, cause or not."""
    rows = [
        ["load", f"{ev.load[0]:.2f} / {ev.load[1]:.2f} / {ev.load[2]:.2f} on {ev.cores} cores"],
        ["cpu busy", f"{ev.busy:.0f}%"],
        ["iowait", f"{ev.iowait:.0f}%"],
        ["memory used", f"{ev.memory_percent:.0f}% ({human_bytes(ev.memory_available)} free)"],
        [
            "swap",
            f"{human_bytes(ev.swap_used)} of {human_bytes(ev.swap_total)}, "
            f"{human_bytes(ev.swap_io_per_s)}/s moving",
        ],
    ]
    some = {k.split()[0]: v for k, v in ev.pressure.items() if k.endswith(" some")}
    psi = ", ".join(f"{k} {v:.0f}%" for k, v in some.items())
    rows.append(["stalled (PSI avg10)", psi or "not reported (no /proc/pressure here)"])
    writable = [f for f in ev.filesystems if not f.readonly]
    if fullest := max(writable, key=lambda f: f.percent, default=None):
        rows.append(["fullest filesystem", f"{fullest.mountpoint} at {fullest.percent}%"])
    if inodes := max(writable, key=lambda f: f.inodes_percent, default=None):
        rows.append(["most inodes used", f"{inodes.mountpoint} at {inodes.inodes_percent}%"])
    zombies = sum(p.status == "zombie" for p in ev.procs)
    rows.append(["processes", f"{len(ev.procs)}, {zombies} zombie{'s' if zombies != 1 else ''}"])
    if ev.failed is not None:
        rows.append(["failed services", str(len(ev.failed))])
    elif question == "slow":
        rows.append(["failed services", "not known (no systemd here)"])
    moved = sum(n.bytes_per_s for n in ev.nets)
    rows.append(["network", f"{human_bytes(moved)}/s, {sum(n.errors for n in ev.nets)} errors"])
    return rows
