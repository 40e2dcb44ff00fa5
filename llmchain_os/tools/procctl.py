"""Acting on a running process without ending it: renice, suspend (SIGSTOP) and resume
(SIGCONT). Each asks with its exact effect, and never touches init or this shell."""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable
from typing import Annotated, Any

import psutil
from pydantic import AfterValidator, BaseModel, Field

from llmchain_os.errors import ToolError
from llmchain_os.reading.operands import PID, names_in
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import ToolOutput, tool
from llmchain_os.tools.card import Card, Clause, Stage
from llmchain_os.tools.process_cards import pid_by_name
from llmchain_os.tools.processes import protected_pids

SETTLE_S = 2.0  # how long a signal gets to show in the process's state
VERBS = {
    "renice": r"renice|(?:lower|raise|change|set|increase|decrease|reduce)\s+(?:the\s+)?"
    r"(?:cpu\s+)?(?:priority|niceness|nice\s+value)|deprioriti[sz]e|niceness|nice\s+(?:value|level)",
    "suspend": r"suspend|pause|freeze|sigstop",
    "resume": r"resume|unpause|unfreeze|un-?suspend|sigcont|wake\s+up|"
    r"continue\s+(?:the\s+)?(?:process|pid|job|\d)",
}
PROCESS_CONTEXT = re.compile(r"\b(?:process(?:es)?|pid|job|program)\b|\b\d{2,7}\b", re.I)
NICENESS = re.compile(
    r"\bto\s+(?:niceness\s+|nice\s+|priority\s+)?(-?\d{1,2})\b|\bnice(?:ness)?\s+(?:of\s+|to\s+)?"
    r"(-?\d{1,2})\b|\s(?:-n\s*)(-?\d{1,2})\b",
    re.I,
)
LOWER = re.compile(r"\b(?:lower|reduce|decrease)\s+(?:the\s+)?(?:cpu\s+)?priority|deprioriti", re.I)


def _target(pid: int, verb: str) -> psutil.Process:
    why = protected_pids().get(pid)
    if why is not None:
        raise ToolError(f"Refusing to {verb} pid {pid}: {why}")
    try:
        return psutil.Process(pid)
    except psutil.NoSuchProcess:
        raise ToolError(f"No process with pid {pid}") from None


def _allowed(verb: str) -> Callable[[int], int]:
    def check(pid: int) -> int:
        why = protected_pids().get(pid)
        if why is not None:
            raise ValueError(f"refusing to {verb} pid {pid}: {why}")
        return pid

    return check


def _label(proc: psutil.Process) -> str:
    with proc.oneshot():
        return f"{proc.pid} ({' '.join(proc.cmdline())[:60] or proc.name()})"


class Changed(ToolOutput):
    pid: int
    name: str
    action: str
    before: str
    after: str

    def summary(self) -> str:
        return f"{self.name} (pid {self.pid}): {self.action}, {self.before} -> {self.after}."


def _state(proc: psutil.Process, want: Callable[[str], bool]) -> str:
    """The process's state once it shows the signal's effect (or after SETTLE_S)."""
    deadline = time.monotonic() + SETTLE_S
    status = proc.status()
    while not want(status) and time.monotonic() < deadline:
        time.sleep(0.05)
        status = proc.status()
    return str(status)


def _pid_args(verb: str) -> Callable[[Clause], dict[str, Any]]:
    bare = re.compile(
        rf"\b(?:{VERBS[verb]})\s+(?:the\s+)?(?:process\s+|pid\s+)?(\d{{1,7}})\b", re.I
    )

    def extract(c: Clause) -> dict[str, Any]:
        m = PID.search(c.text) or bare.search(c.text)
        args: dict[str, Any] = {"pid": int(m.group(1))} if m else {}
        if verb == "renice":
            if n := NICENESS.search(c.text):
                args["niceness"] = int(next(g for g in n.groups() if g is not None))
            elif LOWER.search(c.text):
                args["niceness"] = 10
        return args

    return extract


def _claim(verb: str) -> Callable[[Clause], str | None]:
    said = re.compile(rf"\b(?:{VERBS[verb]})", re.I)

    def claim(c: Clause) -> str | None:
        if not said.search(c.text):
            return None
        if not (PROCESS_CONTEXT.search(c.text) or names_in(c.text, c.world.running_names())):
            return None
        return f"the request asks to {verb} a process"

    return claim


def _card(verb: str, **extra: Any) -> Card:
    return Card(
        extract=_pid_args(verb),
        claim=_claim(verb),
        stage=Stage.ORDER,
        rank=1,
        choices=pid_by_name(
            f"Which process should I {verb}? Say its pid or the name of a running process"
        ),
        about_files=False,
        **extra,
    )


def _renice_effect(args: BaseModel) -> str:
    raw = args.model_dump()
    proc = _target(int(raw["pid"]), "renice")
    return f"renice pid {_label(proc)} from {proc.nice()} to {raw['niceness']}"


@tool(
    risk=Risk.WRITE,
    effect=_renice_effect,
    card=_card("renice", never_invent=frozenset({"niceness"})),
)
def renice_process(
    pid: Annotated[int, Field(ge=1), AfterValidator(_allowed("renice"))],
    niceness: Annotated[int, Field(ge=-20, le=19)],
) -> Changed:
    """Set a process's niceness (-20 first in line for the CPU, 19 last); lowering it needs root."""
    proc = _target(pid, "renice")
    try:
        name, before = proc.name(), proc.nice()
        proc.nice(niceness)
        after = proc.nice()
    except psutil.NoSuchProcess:
        raise ToolError(f"Process {pid} ended before it could be reniced") from None
    except psutil.AccessDenied:
        raise ToolError(
            f"Not allowed to renice pid {pid} to {niceness} - only root may lower a niceness "
            "or renice another user's process"
        ) from None
    return Changed(pid=pid, name=name, action="niceness", before=str(before), after=str(after))


def _signal_effect(verb: str, sig: signal.Signals, then: str) -> Callable[[BaseModel], str]:
    def effect(args: BaseModel) -> str:
        proc = _target(int(args.model_dump()["pid"]), verb)
        return f"{verb} pid {_label(proc)}, now {proc.status()}, with {sig.name}; {then}"

    return effect


def _signal(pid: int, verb: str, sig: signal.Signals, want: Callable[[str], bool]) -> Changed:
    proc = _target(pid, verb)
    try:
        name, before = proc.name(), proc.status()
        proc.send_signal(sig)
        after = _state(proc, want)
    except psutil.NoSuchProcess:
        raise ToolError(f"Process {pid} ended before it could be {verb}d") from None
    except psutil.AccessDenied:
        raise ToolError(f"Not allowed to {verb} process {pid} - try as its owner") from None
    if not want(after):
        raise ToolError(f"{name} (pid {pid}) is still {after} {SETTLE_S:.0f} s after {sig.name}")
    return Changed(pid=pid, name=name, action=sig.name, before=before, after=after)


def _stopped(status: str) -> bool:
    return status == psutil.STATUS_STOPPED


@tool(
    risk=Risk.WRITE,
    effect=_signal_effect("suspend", signal.SIGSTOP, "it does nothing until resumed"),
    card=_card("suspend"),
)
def suspend_process(
    pid: Annotated[int, Field(ge=1), AfterValidator(_allowed("suspend"))],
) -> Changed:
    """Pause a process with SIGSTOP (it keeps its memory and resumes where it was)."""
    return _signal(pid, "suspend", signal.SIGSTOP, _stopped)


@tool(
    risk=Risk.WRITE,
    effect=_signal_effect("resume", signal.SIGCONT, "it runs again"),
    card=_card("resume"),
)
def resume_process(pid: Annotated[int, Field(ge=1), AfterValidator(_allowed("resume"))]) -> Changed:
    """Continue a suspended process with SIGCONT."""
    return _signal(pid, "resume", signal.SIGCONT, lambda s: not _stopped(s))


TOOLS = [renice_process, suspend_process, resume_process]
