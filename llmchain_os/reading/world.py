"""The outside world a request is read against: which processes run, which scripts are
saved. Handed to the planner and to the tools' cards as one object, so planner tests need no
real processes (``FixedWorld``) and the live one is read at most once per request."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol


class World(Protocol):
    def running_names(self) -> set[str]:
        """Names of the running processes."""
        ...

    def pids_named(self, name: str) -> list[int]:
        """Pids of the running processes called exactly ``name``."""
        ...

    def saved_scripts(self) -> set[str]:
        """Names in the script library."""
        ...

    def host_words(self) -> set[str]:
        """Names of the remote hosts, their groups, tags and tag values (the inventory)."""
        ...


@dataclass
class LiveWorld:
    """This machine, as psutil and the script library see it now; the inventory's words
    come from ``hosts`` (the session hands in the inventory's reader)."""

    hosts: Callable[[], Iterable[str]] | None = None

    def running_names(self) -> set[str]:
        import psutil

        return {p.info["name"] for p in psutil.process_iter(["name"]) if p.info["name"]}

    def pids_named(self, name: str) -> list[int]:
        import psutil

        return sorted(
            p.info["pid"] for p in psutil.process_iter(["pid", "name"]) if p.info["name"] == name
        )

    def saved_scripts(self) -> set[str]:
        """None when the library cannot be read: the planner goes on without it."""
        from llmchain_os.errors import ToolError
        from llmchain_os.scripts.library import ScriptLibrary

        try:
            return {r.name for r in ScriptLibrary().list()}
        except ToolError:
            return set()

    def host_words(self) -> set[str]:
        return set(self.hosts()) if self.hosts is not None else set()


@dataclass
class FixedWorld:
    """A world given outright (tests, or a request replayed): process name -> pids."""

    processes: dict[str, list[int]] = field(default_factory=dict)
    scripts: set[str] = field(default_factory=set)
    hosts: set[str] = field(default_factory=set)

    def running_names(self) -> set[str]:
        return set(self.processes)

    def pids_named(self, name: str) -> list[int]:
        return sorted(self.processes.get(name, []))

    def saved_scripts(self) -> set[str]:
        return set(self.scripts)

    def host_words(self) -> set[str]:
        return set(self.hosts)


@dataclass
class NamesWorld:
    """Running names from a callable (the planner's ``names=`` shortcut); pids and saved
    scripts from the live machine."""

    names: Callable[[], set[str]]
    live: LiveWorld = field(default_factory=LiveWorld)

    def running_names(self) -> set[str]:
        return set(self.names())

    def pids_named(self, name: str) -> list[int]:
        return self.live.pids_named(name)

    def saved_scripts(self) -> set[str]:
        return self.live.saved_scripts()

    def host_words(self) -> set[str]:
        return self.live.host_words()


class Snapshot:
    """One request's view of a world: each question is asked of it once."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._names: set[str] | None = None
        self._scripts: set[str] | None = None
        self._hosts: set[str] | None = None

    def running_names(self) -> set[str]:
        if self._names is None:
            self._names = self._world.running_names()
        return set(self._names)

    def pids_named(self, name: str) -> list[int]:
        return self._world.pids_named(name)

    def saved_scripts(self) -> set[str]:
        if self._scripts is None:
            self._scripts = self._world.saved_scripts()
        return set(self._scripts)

    def host_words(self) -> set[str]:
        if self._hosts is None:
            self._hosts = self._world.host_words()
        return set(self._hosts)
