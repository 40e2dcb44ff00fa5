"""Temperatures, fans and battery as the kernel reports them (psutil), and GPUs through
nvidia-smi where it is on PATH. A virtual machine or container usually reports none of them:
the answer says so rather than show an empty table."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import psutil

from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.card import Card, Clause, Stage
from llmchain_os.tools.units import human_bytes

NVIDIA_SMI_S = 5.0
GPU_FIELDS = "index,name,temperature.gpu,utilization.gpu,memory.used,memory.total,power.draw"
SENSORS_ASKED = re.compile(
    r"\btemperatures?\b|\btemps?\b|\bhow\s+hot\b|\boverheat\w*|\bthermal\b|\bfans\b|"
    r"\bfan\s+speeds?\b|\brpm\b|\bbattery\b|\bsensors?\b|\bgpus?\b|\bnvidia(?:-smi)?\b|\bvram\b|"
    r"\bgraphics\s+cards?\b",
    re.I,
)


class Reading(ToolOutput):
    kind: str  # temperature | fan
    chip: str
    label: str
    value: float  # degrees Celsius, or RPM
    high: float | None = None
    critical: float | None = None


class Battery(ToolOutput):
    percent: float
    plugged: bool | None
    seconds_left: int | None


class Gpu(ToolOutput):
    index: int
    name: str
    temperature: float | None
    utilization: float | None
    memory_used: int | None  # bytes
    memory_total: int | None
    power_w: float | None


def _num(text: str) -> float | None:
    try:
        return float(text.strip())
    except ValueError:  # "[N/A]", "[Not Supported]"
        return None


def parse_gpus(csv: str) -> list[Gpu]:
    """Rows of ``nvidia-smi --query-gpu=GPU_FIELDS --format=csv,noheader,nounits``."""
    gpus = []
    for line in csv.splitlines():
        cols = [c.strip() for c in line.split(",")]
        if len(cols) != 7 or not cols[0].isdigit():
            continue
        used, total = _num(cols[4]), _num(cols[5])
        gpus.append(
            Gpu(
                index=int(cols[0]),
                name=cols[1],
                temperature=_num(cols[2]),
                utilization=_num(cols[3]),
                memory_used=int(used * 2**20) if used is not None else None,
                memory_total=int(total * 2**20) if total is not None else None,
                power_w=_num(cols[6]),
            )
        )
    return gpus


def gpus() -> tuple[list[Gpu], str]:
    """The GPUs nvidia-smi reports, and why there are none ("" when it answered)."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return [], "no nvidia-smi on PATH"
    try:
        done = subprocess.run(
            [smi, f"--query-gpu={GPU_FIELDS}", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=NVIDIA_SMI_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [], f"nvidia-smi did not answer ({exc})"
    if done.returncode != 0:
        why = (done.stderr or done.stdout).strip().splitlines()
        return [], f"nvidia-smi failed: {why[0] if why else f'exit {done.returncode}'}"
    return parse_gpus(done.stdout), ""


def _readings() -> list[Reading]:
    found: list[Reading] = []
    temps: dict[str, Any] = getattr(psutil, "sensors_temperatures", dict)() or {}
    for chip, entries in temps.items():
        for i, t in enumerate(entries):
            found.append(
                Reading(
                    kind="temperature",
                    chip=chip,
                    label=t.label or f"{chip} {i}",
                    value=t.current,
                    high=t.high,
                    critical=t.critical,
                )
            )
    fans: dict[str, Any] = getattr(psutil, "sensors_fans", dict)() or {}
    for chip, entries in fans.items():
        for i, f in enumerate(entries):
            found.append(
                Reading(kind="fan", chip=chip, label=f.label or f"fan {i}", value=f.current)
            )
    return found


def _battery() -> Battery | None:
    bat = getattr(psutil, "sensors_battery", lambda: None)()
    if bat is None:
        return None
    left = bat.secsleft if isinstance(bat.secsleft, int) and bat.secsleft >= 0 else None
    return Battery(percent=bat.percent, plugged=bat.power_plugged, seconds_left=left)


class Sensors(ToolOutput):
    readings: list[Reading]
    battery: Battery | None
    gpus: list[Gpu]
    gpu_note: str

    def summary(self) -> str:
        temps = [r for r in self.readings if r.kind == "temperature"]
        fans = [r for r in self.readings if r.kind == "fan"]
        parts, missing = [], []
        if temps:
            hot = max(temps, key=lambda r: r.value)
            parts.append(f"the hottest sensor, {hot.label} ({hot.chip}), reads {hot.value:.0f}°C")
        else:
            missing.append("no temperature sensors")
        if fans:
            parts.append(f"{len(fans)} fans, the fastest at {max(f.value for f in fans):.0f} RPM")
        else:
            missing.append("no fans")
        if self.battery is not None:
            plug = {True: ", plugged in", False: ", on battery", None: ""}[self.battery.plugged]
            parts.append(f"battery {self.battery.percent:.0f}%{plug}")
        else:
            missing.append("no battery")
        for g in self.gpus:
            temp = f"{g.temperature:.0f}°C" if g.temperature is not None else "no temperature"
            busy = f", {g.utilization:.0f}% busy" if g.utilization is not None else ""
            parts.append(f"GPU {g.index} ({g.name}) {temp}{busy}")
        if not self.gpus:
            missing.append(f"no GPU ({self.gpu_note})")
        text = "; ".join(parts)
        if missing:
            lost = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
            text += ("; it reports " if parts else "This machine reports ") + lost
        if not parts:
            text += " - a virtual machine or container usually leaves them to its host"
        return text[:1].upper() + text[1:] + "."

    def table(self) -> Table | None:
        rows = [
            [r.kind, f"{r.chip}: {r.label}", f"{r.value:.0f} {'°C' if r.kind != 'fan' else 'RPM'}"]
            for r in self.readings
        ]
        if self.battery is not None:
            rows.append(["battery", "", f"{self.battery.percent:.0f}%"])
        for g in self.gpus:
            mem = (
                f"{human_bytes(g.memory_used)} of {human_bytes(g.memory_total)}"
                if g.memory_used is not None and g.memory_total is not None
                else "-"
            )
            temp = f"{g.temperature:.0f} °C" if g.temperature is not None else "-"
            rows.append(["gpu", f"{g.index}: {g.name} ({mem})", temp])
        return Table("Sensors", ["kind", "sensor", "value"], rows) if rows else None


def _claim(c: Clause) -> str | None:
    if SENSORS_ASKED.search(c.text):
        return "the request asks about temperatures, fans, battery or GPUs"
    return None


@tool(
    risk=Risk.READ,
    card=Card(claim=_claim, stage=Stage.ORDER, rank=5, needs=SENSORS_ASKED, about_files=False),
)
def sensors() -> Sensors:
    """Temperatures, fan speeds and battery of this machine, and its GPUs (nvidia-smi)."""
    found, note = gpus()
    return Sensors(readings=_readings(), battery=_battery(), gpus=found, gpu_note=note)


TOOLS = [sensors]
