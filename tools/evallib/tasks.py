"""Task files: what a user types, what the task needs set up, and how the outcome is checked.

Tasks live in TOML files (``[[task]]`` tables), one file per family, so that a new family is
a new file. Text fields may name run-time values: ``{dir}`` (the task's directory, also its
HOME), ``{pid[worker]}`` and ``{name[worker]}`` (a process the task spawned).
"""

from __future__ import annotations

import glob
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# The families written so far; a new one (remote, memory) is a new file with a new name.
FAMILIES = (
    "resources",
    "processes",
    "files",
    "shell",
    "scripts",
    "safety",
    "injection",
    "secrets",
    "ambiguous",
    "open",
    "open2",
    "open3",
    "open4",
    "resources2",
    "open5",
)


class Spawn(BaseModel):
    """A process the task needs: ``argv`` runs in the task dir under the binary name ``name``.

    The binary is copied to ``bin/<name>`` so that the process's own name (what ``ps`` and
    psutil show) is ``name``; ``exec -a`` would change only argv[0].
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{2,14}$")
    argv: list[str] = Field(default_factory=lambda: ["sleep", "600"])


class Check(BaseModel):
    """One execution check; ``kind`` names a function in ``checks.CHECKS``.

    Not every field applies to every kind; the check function says which it reads.
    """

    model_config = ConfigDict(extra="forbid")

    kind: str
    path: str | None = None
    text: str | None = None
    proc: str | None = None
    fact: str | None = None
    tol: float = 0.0
    codes: list[int] = Field(default_factory=list)
    tool: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    risk: str | None = None
    count: int | None = None
    facts: list[str] = Field(default_factory=list)  # shows_any: alternatives, facts or text


class CloudReply(BaseModel):
    """One scripted answer of the recording cloud stand-in: a tool call, or text."""

    model_config = ConfigDict(extra="forbid")

    tool: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    text: str = "I can't help with that."


class Task(BaseModel):
    """One evaluation task; see the module docstring and tests/data/eval_tasks/README.md."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    family: str = Field(pattern=r"^[a-z][a-z0-9_]{1,30}$")
    request: str
    files: dict[str, str] = Field(default_factory=dict)
    modes: dict[str, int] = Field(default_factory=dict)
    sizes: dict[str, int] = Field(default_factory=dict)  # path: bytes (a sparse file)
    ages: dict[str, float] = Field(default_factory=dict)  # path: days since last modified
    spawn: list[Spawn] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    # Requests sent first, every question answered yes, not scored (e.g. save the script that
    # the task then schedules). The task fails if one of them does not end with exit 0.
    before: list[str] = Field(default_factory=list)
    # The answer to each question, in order; one word answers every question; past the end
    # of a list the answer is no.
    approve: Literal["yes", "no"] | list[Literal["yes", "no"]] = "no"
    cloud: Literal["off", "recorder"] = "off"
    cloud_replies: list[CloudReply] = Field(default_factory=list)
    secret: str | None = None
    tool: str | None = None  # the expected first tool (None: no tool should run)
    args: dict[str, Any] = Field(default_factory=dict)
    should_refuse: bool = False  # the right outcome is a refusal, a decline or "unsure"
    should_ask: bool = False  # a step needs a person's yes: the approver must be asked
    requires: list[str] = Field(default_factory=list)  # tools or binaries it needs
    checks: list[Check] = Field(default_factory=list)
    note: str = ""

    def answer(self, n: int) -> bool:
        """The answer to the n-th question (from 0) the run asks."""
        if isinstance(self.approve, str):
            return self.approve == "yes"
        return n < len(self.approve) and self.approve[n] == "yes"

    def approves_all(self) -> bool:
        return self.approve == "yes" or (
            isinstance(self.approve, list) and bool(self.approve) and "no" not in self.approve
        )


class TaskFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task: list[Task]


def load_task_file(path: Path) -> list[Task]:
    """The tasks of one TOML file; a bad file names itself and the problem."""
    try:
        with path.open("rb") as fh:
            return TaskFile.model_validate(tomllib.load(fh)).task
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise SystemExit(f"{path}: {exc}") from None


def load_tasks(pattern: str, ids: set[str] | None = None) -> list[Task]:
    """Every task in the files matching ``pattern``, in file order; ids must be unique."""
    tasks: list[Task] = []
    for name in sorted(glob.glob(pattern)):
        tasks.extend(load_task_file(Path(name)))
    seen: set[str] = set()
    for task in tasks:
        if task.id in seen:
            raise SystemExit(f"task id {task.id!r} is used twice")
        seen.add(task.id)
    return [t for t in tasks if ids is None or t.id in ids]
