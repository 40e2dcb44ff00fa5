"""Find processes by the user that runs them or by a piece of their command line."""

from __future__ import annotations

import pwd
import re
import time
from typing import Annotated, Any

import psutil
from pydantic import Field

from llmchain_os.errors import ToolError
from llmchain_os.reading.words import quoted
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.card import Card, Clause, Stage, Unclear
from llmchain_os.tools.units import human_bytes

NAME = r"(?P<u>[a-z_][\w.\-]{0,31})"
BY_USER = (
    re.compile(rf"\b(?:owned|run|started|launched)\s+by\s+(?:the\s+)?(?:user\s+)?{NAME}", re.I),
    re.compile(
        rf"\bprocess(?:es)?\s+(?:of|for|from|belonging\s+to)\s+(?:the\s+)?user\s+{NAME}", re.I
    ),
    re.compile(rf"\buser\s+{NAME}'?s?\s+(?:processes|programs|jobs)\b", re.I),
    re.compile(rf"\b{NAME}'s\s+(?:processes|programs|jobs)\b", re.I),
    re.compile(rf"\bwhat\s+(?:is|does)\s+(?:the\s+)?user\s+{NAME}\s+(?:running|run)\b", re.I),
    re.compile(rf"\bprocess(?:es)?\s+(?:of|belonging\s+to)\s+{NAME}\b", re.I),
)
UID = re.compile(r"\buid\s*(\d{1,10})\b", re.I)
COMMAND = (
    re.compile(
        r"\b(?:command[\s-]?lines?|cmdlines?|commands?|arguments|args)\s+(?:that\s+)?"
        r"(?:contains?|containing|mentions?|mentioning|match(?:es|ing)?|with|has|have|"
        r"includes?|including)\s+(?P<c>[^\s?,;]+)",
        re.I,
    ),
    re.compile(r"\bprocess(?:es)?\s+(?:matching|containing|mentioning)\s+(?P<c>[^\s?,;]+)", re.I),
)
# Retrieval offers the tool only to a request that says whose processes, or what they run.
# Offered for a word about whose or which processes, and never for a question about files.
NEEDS = re.compile(
    r"^(?!.*\b(?:files?|folders?|director(?:y|ies))\b).*?(?:"
    r"\b(?:users?|uid|owned|run|started|belong\w*|command[\s-]?lines?|cmdlines?|arguments?|"
    r"matching|containing|mention\w*)\b|'s\s+(?:processes|programs|jobs)\b)",
    re.I | re.S,
)
COMMAND_WORD = re.compile(r"\b(?:command[\s-]?lines?|cmdlines?|matching|containing|mention)", re.I)


class Found(ToolOutput):
    pid: int
    name: str
    user: str
    memory_rss: int
    started: float
    command: str


class FoundProcesses(ToolOutput):
    user: str | None
    command: str | None
    processes: list[Found]
    total: int

    def _criteria(self) -> str:
        parts = []
        if self.user is not None:
            parts.append(f"run by {self.user}")
        if self.command is not None:
            parts.append(f"with {self.command!r} in the command line")
        return " and ".join(parts)

    def summary(self) -> str:
        if not self.total:
            return f"No processes {self._criteria()}."
        names = ", ".join(f"{p.name} (pid {p.pid})" for p in self.processes[:5])
        more = f" and {self.total - 5} more" if self.total > 5 else ""
        n = self.total
        return f"{n} process{'es' if n != 1 else ''} {self._criteria()}: {names}{more}."

    def table(self) -> Table:
        rows = [
            [
                str(p.pid),
                p.name,
                p.user,
                human_bytes(p.memory_rss),
                time.strftime("%Y-%m-%d %H:%M", time.localtime(p.started)),
                p.command[:70],
            ]
            for p in self.processes
        ]
        cols = ["pid", "name", "user", "rss", "started", "command"]
        return Table(f"Processes {self._criteria()}", cols, rows)

    def subject(self) -> dict[str, Any]:
        return {"pid": self.processes[0].pid} if self.processes else {}


def _user_named(text: str) -> str | None:
    if (m := UID.search(text)) is not None:
        try:
            return pwd.getpwuid(int(m.group(1))).pw_name
        except KeyError:
            return m.group(1)  # psutil names a user with no account by its number
    for rule in BY_USER:
        if (m := rule.search(text)) is not None:
            return m.group("u")
    return None


def _is_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _command_named(text: str) -> str | None:
    said = quoted(text)
    if said and COMMAND_WORD.search(text):
        return said[0]
    for rule in COMMAND:
        if (m := rule.search(text)) is not None:
            return m.group("c").strip("'\"`.")
    return None


def _extract(c: Clause) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if (user := _user_named(c.text)) is not None:
        args["user"] = user
    if (command := _command_named(c.text)) is not None:
        args["command"] = command
    return args


def _claim(c: Clause) -> str | None:
    """A user that exists here, or a piece of command line, stated as what to look for;
    never a question about files ("the files owned by www-data")."""
    if FILES.search(c.text):
        return None
    if _command_named(c.text) is not None:
        return "the request asks for processes by their command line"
    user = _user_named(c.text)
    if user is None:
        return None
    if not _is_user(user):
        if re.search(rf"\buser\s+{re.escape(user)}\b", c.text, re.I):
            raise Unclear(f"There is no user named {user!r} on this machine")
        return None  # "processes of nginx" names a process, not a user
    return f"the request asks for the processes of the user {user}"


FILES = re.compile(r"\b(?:files?|folders?|director(?:y|ies)|owned)\b", re.I)


CARD = Card(
    extract=_extract, claim=_claim, stage=Stage.ORDER, rank=5, needs=NEEDS, about_files=False
)


@tool(risk=Risk.READ, card=CARD)
def find_processes(
    user: Annotated[str | None, Field(min_length=1, max_length=64)] = None,
    command: Annotated[str | None, Field(min_length=1, max_length=256)] = None,
    limit: Annotated[int, Field(ge=1, le=500)] = 50,
) -> FoundProcesses:
    """Processes run by a user and/or whose command line contains a text, oldest first."""
    if user is None and command is None:
        raise ToolError("find_processes needs a user or a piece of command line to look for")
    if user is not None and not _is_user(user) and not user.isdigit():
        raise ToolError(f"There is no user named {user!r} on this machine")
    needle = command.lower() if command is not None else None
    found: list[Found] = []
    for proc in psutil.process_iter(["pid", "name", "username", "cmdline", "create_time"]):
        info = proc.info
        line = " ".join(info["cmdline"] or []) or str(info["name"] or "")
        if user is not None and info["username"] != user:
            continue
        if needle is not None and (needle not in line.lower() or proc.pid == psutil.Process().pid):
            continue
        try:
            rss = proc.memory_info().rss
        except psutil.Error:
            rss = 0
        found.append(
            Found(
                pid=proc.pid,
                name=str(info["name"] or "?"),
                user=str(info["username"] or "?"),
                memory_rss=rss,
                started=info["create_time"] or 0.0,
                command=line,
            )
        )
    found.sort(key=lambda f: f.started)
    return FoundProcesses(user=user, command=command, processes=found[:limit], total=len(found))


TOOLS = [find_processes]
