"""Services through systemctl where this machine runs systemd: one unit's status with its
recent journal lines, the failed units, or every service. Where there is no systemd (a
container, another init), the answer says so plainly."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import Annotated

import psutil
from pydantic import Field

from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.card import Card, Clause, Stage

TIMEOUT_S = 5.0
UNIT = r"[A-Za-z0-9][\w@.\-:]*"
SERVICES_ASKED = re.compile(
    r"\bsystemctl\b|\bsystemd\b|\bjournal(?:ctl)?\b|\b(?:failed|failing|broken|crashed)\s+"
    r"(?:services?|units?|daemons?)\b|\b(?:services?|units?)\s+(?:that\s+)?(?:have\s+)?"
    r"failed\b|\b(?:list|show|which|what)\s+(?:the\s+|all\s+)?(?:running\s+)?services\b|"
    rf"\bstatus\s+of\s+(?:the\s+)?{UNIT}\s+(?:service|unit)\b|\bservice\s+status\b|"
    rf"\b{UNIT}\.service\b|\blogs?\s+of\s+(?:the\s+)?{UNIT}\s+service\b",
    re.I,
)
NAMED_UNIT = re.compile(
    rf"\b(?P<a>{UNIT})\.service\b|\b(?:the\s+)?(?P<b>{UNIT})\s+(?:service|unit|daemon)\b|"
    rf"\b(?:service|unit)\s+(?P<c>{UNIT})\b|\bsystemctl\s+status\s+(?P<d>{UNIT})",
    re.I,
)
NOT_A_UNIT = {
    "the",
    "a",
    "any",
    "all",
    "every",
    "failed",
    "failing",
    "broken",
    "crashed",
    "running",
    "which",
    "what",
    "systemd",
    "this",
    "that",
    "my",
    "each",
    "status",
    "list",
    "show",
    "of",
    "is",
    "are",
    "services",
    "units",
}
NEEDS = re.compile(r"\b(?:services?|units?|daemons?|systemd|systemctl|journal\w*)\b", re.I)
FAILED_ASKED = re.compile(r"\b(?:failed|failing|broken|crashed)\b", re.I)


class Unit(ToolOutput):
    name: str
    load: str
    active: str
    sub: str
    description: str


def no_systemd() -> str:
    """Why systemctl cannot answer here ("" when it can): sd_booted()'s own test."""
    if shutil.which("systemctl") is None:
        return "there is no systemctl on this machine's PATH"
    if not os.path.isdir("/run/systemd/system"):
        try:
            init = psutil.Process(1).name()
        except psutil.Error:
            init = "unknown"
        return f"this machine does not run systemd (its pid 1 is {init})"
    return ""


def _run(args: list[str]) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"!{exc}"
    return done.stdout


def parse_units(text: str) -> list[Unit]:
    """Rows of ``systemctl list-units --plain --no-legend``: UNIT LOAD ACTIVE SUB DESCRIPTION."""
    units = []
    for line in text.splitlines():
        parts = line.lstrip("● ").split(None, 4)
        if len(parts) >= 4 and not line.startswith("!"):
            name, load, active, sub = parts[:4]
            desc = parts[4] if len(parts) > 4 else ""
            units.append(Unit(name=name, load=load, active=active, sub=sub, description=desc))
    return units


def failed_units() -> list[Unit] | None:
    """The failed units; None where there is no systemd to ask."""
    if no_systemd():
        return None
    return parse_units(
        _run(["systemctl", "list-units", "--failed", "--plain", "--no-legend", "--no-pager"])
    )


def show_unit(unit: str) -> Unit | None:
    """One unit's state as ``systemctl show`` gives it; None if systemctl did not answer."""
    text = _run(
        ["systemctl", "show", unit, "--no-pager",
         "-p", "Id,LoadState,ActiveState,SubState,Description"]
    )  # fmt: skip
    props = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    if not props.get("Id"):
        return None
    return Unit(
        name=props["Id"],
        load=props.get("LoadState", "?"),
        active=props.get("ActiveState", "?"),
        sub=props.get("SubState", "?"),
        description=props.get("Description", ""),
    )


class Services(ToolOutput):
    unit: str | None
    failed_only: bool
    why_not: str  # why systemctl cannot answer here; "" when it did
    units: list[Unit]
    journal: list[str]

    def summary(self) -> str:
        if self.why_not:
            return (
                f"I can't show services: {self.why_not}, so there is no systemctl to ask. "
                "Processes can still be listed and found by name."
            )
        if self.unit is not None:
            if not self.units or self.units[0].load == "not-found":
                return f"There is no unit named {self.unit!r} on this machine."
            u = self.units[0]
            return f"{u.name} is {u.active} ({u.sub}), {u.load}: {u.description}."
        if self.failed_only:
            if not self.units:
                return "No unit has failed."
            return f"{len(self.units)} failed: {', '.join(u.name for u in self.units[:10])}."
        running = sum(u.sub == "running" for u in self.units)
        failed = sum(u.active == "failed" for u in self.units)
        return f"{len(self.units)} services, {running} running, {failed} failed."

    def table(self) -> Table | None:
        if self.why_not:
            return None
        rows = [[u.name, u.load, u.active, u.sub, u.description[:60]] for u in self.units]
        rows += [["journal", "", "", "", line[:100]] for line in self.journal]
        return Table("Services", ["unit", "load", "active", "sub", "description"], rows)


def _unit_named(text: str) -> str | None:
    for m in NAMED_UNIT.finditer(text):
        name = m.group("a") or m.group("b") or m.group("c") or m.group("d")
        if name and name.lower() not in NOT_A_UNIT:
            return name
    return None


def _extract(c: Clause) -> dict[str, object]:
    if (unit := _unit_named(c.text)) is not None:
        return {"unit": unit}
    return {"failed_only": True} if FAILED_ASKED.search(c.text) else {}


def _claim(c: Clause) -> str | None:
    return "the request asks about services" if SERVICES_ASKED.search(c.text) else None


@tool(
    risk=Risk.READ,
    card=Card(
        extract=_extract,
        claim=_claim,
        stage=Stage.ORDER,
        rank=5,
        needs=NEEDS,
        about_files=False,
    ),
)
def services(
    unit: Annotated[str | None, Field(pattern=rf"^{UNIT}$", max_length=256)] = None,
    failed_only: bool = False,
    lines: Annotated[int, Field(ge=0, le=200)] = 10,
) -> Services:
    """A service's status and recent journal lines, the failed units, or every service."""
    why_not = no_systemd()
    found: list[Unit] = []
    journal: list[str] = []
    if not why_not and unit is not None:
        one = show_unit(unit)
        found = [one] if one is not None else []
        if lines and found and found[0].load != "not-found":
            out = _run(
                [
                    "journalctl",
                    "-u",
                    found[0].name,
                    "-n",
                    str(lines),
                    "--no-pager",
                    "-o",
                    "short-iso",
                ]
            )
            journal = [ln for ln in out.splitlines() if ln and not ln.startswith("!")]
    elif not why_not:
        which = ["--failed"] if failed_only else ["--type=service", "--all"]
        found = parse_units(
            _run(["systemctl", "list-units", *which, "--plain", "--no-legend", "--no-pager"])
        )
    return Services(
        unit=unit, failed_only=failed_only, why_not=why_not, units=found, journal=journal
    )


TOOLS = [services]
