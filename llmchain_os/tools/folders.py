"""Folder sizes: how much a folder holds, and which of its entries hold the most (du-like).

The walk never follows a symlink, stays on the folder's own filesystem unless told to
cross, counts a hard-linked file once, and counts a folder it may not read instead of
failing. It stops at a time limit or an entry cap and then says its figures are a lower
bound. On a big tree it reports progress every few seconds.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from llmchain_os.errors import ToolError
from llmchain_os.reading.operands import find_limit, first_path
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.card import Card, Clause, Stage
from llmchain_os.tools.units import human_bytes

PROGRESS_S = 2.0  # a progress line at most this often

SIZE_QUESTION = re.compile(
    r"\bhow\s+(?:big|large|heavy)\b|\bsize\s+of\b|\btotal\s+size\b|\bdu\b|"
    r"\b(?:takes?|taking|uses?|using|eats?|eating|hogs?|hogging)\s+(?:up\s+)?(?:the\s+)?"
    r"most\s+(?:space|room|disk)\b|\b(?:biggest|largest|heaviest)\s+(?:sub)?"
    r"(?:folders?|director(?:y|ies)|dirs?)\b|\bhow\s+much\s+(?:space|room|disk)\s+"
    r"does\b|\b(?:top|biggest|largest)\s+(?:\w+\s+)?(?:sub)?(?:folders|directories|dirs)\b"
    r"|\b(?:folders|directories|dirs)\b.*\bby\s+size\b",
    re.I,
)
FREE_WORDS = re.compile(r"\b(?:free|left|remaining|available|full)\b", re.I)
FILE_WORDS = re.compile(r"\bfiles?\b", re.I)


def _folder(raw: str) -> str:
    path = Path(os.path.abspath(os.path.expanduser(raw.strip())))
    if not path.is_dir():
        raise ValueError(f"{path} is not a folder" if path.exists() else f"{path} does not exist")
    return str(path)


@dataclass
class _Tally:
    disk: int = 0  # bytes of blocks, as du counts
    apparent: int = 0  # the sum of file sizes
    files: int = 0
    folders: int = 0
    kind: str = "folder"

    def add(self, st: os.stat_result) -> None:
        self.disk += st.st_blocks * 512
        if stat.S_ISDIR(st.st_mode):
            self.folders += 1
        else:
            self.files += 1
            self.apparent += st.st_size


@dataclass
class _Walk:
    """One walk under ``root``; ``run`` yields progress lines and fills the figures."""

    root: Path
    cross: bool
    deadline: float
    cap: int
    children: dict[str, _Tally] = field(default_factory=dict)
    total: _Tally = field(default_factory=_Tally)
    unreadable: int = 0
    other_filesystems: int = 0
    stopped: str = ""  # why the walk ended early, "" when it saw everything
    _seen: set[tuple[int, int]] = field(default_factory=set)

    def run(self) -> Iterator[str]:
        root_st = self.root.stat()
        self.total.disk += root_st.st_blocks * 512
        stack: list[tuple[str, str | None]] = [(str(self.root), None)]
        last = time.monotonic()
        while stack and not self.stopped:
            path, child = stack.pop()
            self._scan(path, child, root_st.st_dev, stack)
            now = time.monotonic()
            if now - last >= PROGRESS_S:
                last = now
                yield (
                    f"... {self.total.files + self.total.folders:,} entries, "
                    f"{human_bytes(self.total.disk)} so far\n"
                )

    def _scan(self, path: str, child: str | None, dev: int, stack: list[Any]) -> None:
        try:
            with os.scandir(path) as entries:
                for entry in entries:
                    self._count(entry, child, dev, stack)
                    if self.stopped:
                        return
        except OSError:
            self.unreadable += 1

    def _count(
        self, entry: os.DirEntry[str], child: str | None, dev: int, stack: list[Any]
    ) -> None:
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            self.unreadable += 1
            return
        is_dir = stat.S_ISDIR(st.st_mode)
        if is_dir and not self.cross and st.st_dev != dev:
            self.other_filesystems += 1  # a mount point: its own filesystem is not counted
            return
        if not is_dir and st.st_nlink > 1:
            if (st.st_dev, st.st_ino) in self._seen:
                return
            self._seen.add((st.st_dev, st.st_ino))
        key = child if child is not None else entry.name
        tally = self.children.setdefault(key, _Tally(kind="folder" if is_dir else "file"))
        tally.add(st)
        self.total.add(st)
        if is_dir:
            stack.append((entry.path, key))
        if self.total.files + self.total.folders >= self.cap:
            self.stopped = f"stopped after {self.cap:,} entries"
        elif time.monotonic() > self.deadline:
            self.stopped = "stopped at the time limit"


class Entry(ToolOutput):
    name: str
    kind: str
    disk: int
    apparent: int
    files: int


class FolderSize(ToolOutput):
    path: str
    disk: int
    apparent: int
    files: int
    folders: int
    entries: list[Entry]  # the biggest of the folder's own entries, biggest first
    entry_count: int
    unreadable: int
    other_filesystems: int
    stopped: str
    seconds: float

    def summary(self) -> str:
        text = (
            f"{self.path} holds {human_bytes(self.disk)} on disk "
            f"({human_bytes(self.apparent)} in file sizes) in {self.files:,} files and "
            f"{self.folders:,} folders"
        )
        if self.entries:
            top = self.entries[0]
            text += (
                f"; the biggest of its {self.entry_count} entries is {top.name} "
                f"({human_bytes(top.disk)})"
            )
        text += "."
        if self.unreadable:
            were = "entry was" if self.unreadable == 1 else "entries were"
            text += f" {self.unreadable} unreadable {were} not counted (permission denied)."
        if self.other_filesystems:
            text += (
                f" {self.other_filesystems} other filesystems mounted under it are not counted"
                " (ask to cross filesystems to include them)."
            )
        if self.stopped:
            text += (
                f" The walk {self.stopped} ({self.seconds:.0f} s): these figures are a lower bound."
            )
        return text

    def table(self) -> Table:
        rows = [
            [
                e.name,
                e.kind,
                human_bytes(e.disk),
                human_bytes(e.apparent),
                f"{e.files:,}",
                f"{100 * e.disk / self.disk:.0f}%" if self.disk else "-",
            ]
            for e in self.entries
        ]
        cols = ["entry", "kind", "on disk", "file sizes", "files", "share"]
        return Table(f"Biggest entries of {self.path}", cols, rows)

    def subject(self) -> dict[str, Any]:
        return {"path": os.path.join(self.path, self.entries[0].name)} if self.entries else {}


def _extract(c: Clause) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if (path := first_path(c.text)) is not None:
        args["path"] = path
    if (limit := find_limit(c.text)) is not None:
        args["limit"] = limit
    return args


def _claim(c: Clause) -> str | None:
    """ "how big is /usr", "which folder in /var takes the most space": a size question
    about a folder that exists here (a file's size, or the space left, is another tool's)."""
    if not SIZE_QUESTION.search(c.text) or FREE_WORDS.search(c.text):
        return None
    if FILE_WORDS.search(c.text) and not re.search(r"\bfolders?\b|\bdirector", c.text, re.I):
        return None  # "the biggest files in /tmp" is a search for files
    path = first_path(c.text)
    if path is None or path == "/" or not os.path.isdir(os.path.expanduser(path)):
        return None
    return f"the request asks how much the folder {path} holds"


CARD = Card(extract=_extract, claim=_claim, stage=Stage.ORDER, rank=2, text_blind=True)


@tool(risk=Risk.READ, card=CARD)
def folder_size(
    path: Annotated[str, AfterValidator(_folder)] = ".",
    limit: Annotated[int, Field(ge=1, le=50)] = 10,
    cross_filesystems: bool = False,
    time_limit_s: Annotated[float, Field(gt=0, le=600)] = 30.0,
    max_entries: Annotated[int, Field(ge=1, le=20_000_000)] = 2_000_000,
) -> Iterator[str | FolderSize]:
    """Total size of a folder (the current one unless named) and its biggest entries (like
    du), without following symlinks."""
    if not os.access(path, os.R_OK | os.X_OK):
        raise ToolError(f"Not allowed to read the folder {path} - try as its owner or root")
    start = time.monotonic()
    walk = _Walk(Path(path), cross_filesystems, start + time_limit_s, max_entries)
    yield from walk.run()
    ranked = sorted(walk.children.items(), key=lambda kv: kv[1].disk, reverse=True)
    entries = [
        Entry(name=name, kind=t.kind, disk=t.disk, apparent=t.apparent, files=t.files)
        for name, t in ranked[:limit]
    ]
    yield FolderSize(
        path=path,
        disk=walk.total.disk,
        apparent=walk.total.apparent,
        files=walk.total.files,
        folders=walk.total.folders,
        entries=entries,
        entry_count=len(walk.children),
        unreadable=walk.unreadable,
        other_filesystems=walk.other_filesystems,
        stopped=walk.stopped,
        seconds=time.monotonic() - start,
    )


TOOLS = [folder_size]
