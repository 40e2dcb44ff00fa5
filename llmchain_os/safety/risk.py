"""How much a step can change the world, and the reason it was judged so."""

from __future__ import annotations

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
