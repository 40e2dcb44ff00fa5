"""How much a step can change the world, and the reason it was judged so."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Risk(StrEnum):
    """The risk classes, in rising order: the worst one of a step wins."""

    READ = "read"
    WRITE = "write"
    REMOTE = "remote"
    PRIVILEGED = "privileged"
    DESTRUCTIVE = "destructive"

    @property
    def rank(self) -> int:
        return list(Risk).index(self)


@dataclass(frozen=True)
class Assessment:
    """A risk with its reason; ``denied`` marks what is never run, whatever the flags."""

    risk: Risk
    reason: str
    denied: bool = False


@dataclass(frozen=True)
class CommandRisk:
    """One simple command or pipeline of a script: where it is, its text, and its risk."""

    line: int  # 1-based
    text: str
    assessment: Assessment


# The shell judge (``commands.classify_command``), handed to the judges of other languages
# that run shell commands (Python's ``subprocess.run("...")``) so they need not import it.
ShellJudge = Callable[[str], Assessment]
