"""Files: find and inspect them, and delete or write them with a way back (the trash).

Deleting moves into the trash, and overwriting keeps the old version there, so ``/undo``
restores either (see ``llmchain_os.safety.trash``). Paths are checked before anything runs:
``~`` expanded, never ``/`` or the home directory itself, nothing under /proc, /sys or /dev.
The exact effect of a call ("delete 3 files, 1.2 GiB, under /var/log/old") is worked out from
the real filesystem when the question is asked; ``deletion.rm_effect`` does the same for a plain
``rm`` typed as a shell command.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import pwd
import re
import stat
import time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from llmchain_os.errors import ToolError
from llmchain_os.safety import trash
from llmchain_os.safety.nofollow import open_nofollow
from llmchain_os.safety.places import sensitive_place
from llmchain_os.safety.risk import Assessment, Risk
from llmchain_os.tools import file_cards
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.deletion import (
    checked,
    deletion_targets,
    describe_deletion,
    glob_base,
    in_system_tree,
    plural,
)
from llmchain_os.tools.units import human_bytes

MAX_SCAN = 500_000  # entries a find looks at before it stops and says so
MAX_LISTED = 50
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.I)
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def _readable(raw: str) -> str:
    """Any existing path but the kernel's trees: reading / or ~ is fine, changing them not."""
    path = Path(os.path.abspath(os.path.expanduser(raw.strip())))
    if tree := in_system_tree(path):
        raise ValueError(f"refusing {path}: nothing under {tree} is a file")
    if not os.path.lexists(path):
        raise ValueError(f"{path} does not exist")
    return str(path)


def _deletable(raw: str) -> str:
    """An existing path, or a glob whose folder exists; never /, ~ or the kernel's trees."""
    path = checked(raw)
    if glob.has_magic(str(path)):
        if not glob_base(path).is_dir():
            raise ValueError(f"{glob_base(path)} does not exist")
    elif not os.path.lexists(path):
        raise ValueError(f"{path} does not exist")
    return str(path)


def _new_or_existing(raw: str) -> str:
    path = checked(raw)
    if not path.parent.is_dir():
        raise ValueError(f"{path.parent} is not an existing folder")
    return str(path)


def _size(value: Any) -> Any:
    """'100MB', '1.5G', '512k' -> bytes (powers of 1024, as `find -size` and `du` count)."""
    if isinstance(value, str):
        m = SIZE.match(value)
        if m is None:
            raise ValueError(f"{value!r} is not a size like 100MB")
        return int(float(m.group(1)) * UNITS[m.group(2).lower()])
    return value


ExistingPath = Annotated[str, Field(min_length=1, max_length=4096), AfterValidator(_readable)]
DeletePath = Annotated[str, Field(min_length=1, max_length=4096), AfterValidator(_deletable)]
FilePath = Annotated[str, Field(min_length=1, max_length=4096), AfterValidator(_new_or_existing)]
Pattern = Annotated[str, Field(min_length=1, max_length=256)]
Days = Annotated[float | None, Field(ge=0)]
# Which files come first: by size or by modification time.
Order = Literal["largest", "smallest", "newest", "oldest"]
Limit = Annotated[int | None, Field(ge=1, le=MAX_LISTED)]
Bytes = Annotated[int | None, BeforeValidator(_size), Field(ge=0)]


def _modified(st: os.stat_result) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(st.st_mtime))


# -- results -------------------------------------------------------------------------------
class FileRow(ToolOutput):
    path: str
    size: int
    modified: str
    mtime: float = Field(default=0.0, exclude=True)  # for ordering by time


class FoundFiles(ToolOutput):
    path: str
    pattern: str
    count: int
    total_bytes: int
    files: list[FileRow]
    complete: bool = True
    order: str = "largest"

    def summary(self) -> str:
        if not self.count:
            return f"No files matching {self.pattern} under {self.path}."
        more = "" if self.complete else f" (stopped after {MAX_SCAN:,} entries)"
        top = self.files[0]
        by_time = self.order in ("newest", "oldest")
        fact = f"modified {top.modified}" if by_time else human_bytes(top.size)
        shown = "" if len(self.files) >= self.count else f", {len(self.files)} shown"
        return (
            f"{plural(self.count, 'file')} matching {self.pattern} under {self.path}, "
            f"{human_bytes(self.total_bytes)} in all{more}{shown}; the {self.order} is "
            f"{top.path} ({fact})."
        )

    def table(self) -> Table:
        rows = [[f.path, human_bytes(f.size), f.modified] for f in self.files]
        return Table(f"Files under {self.path}", ["path", "size", "modified"], rows)


class FileInfo(ToolOutput):
    path: str
    kind: str
    size: int
    mode: str
    owner: str
    modified: str
    files_inside: int | None = None
    target: str | None = None

    def summary(self) -> str:
        inside = f", {plural(self.files_inside, 'file')} inside" if self.files_inside else ""
        link = f" pointing to {self.target}" if self.target else ""
        return (
            f"{self.path} is a {self.kind}{link} of {human_bytes(self.size)}{inside}, "
            f"mode {self.mode}, owned by {self.owner}, modified {self.modified}."
        )


class Deleted(ToolOutput):
    paths: list[str]
    total_bytes: int
    batch: str

    def summary(self) -> str:
        if not self.paths:
            return "Nothing matched, so nothing was deleted."
        return (
            f"Moved {plural(len(self.paths), 'path')} ({human_bytes(self.total_bytes)}) to the "
            f"trash; /undo (or 'llmos undo') restores {'it' if len(self.paths) == 1 else 'them'}."
        )

    def table(self) -> Table:
        return Table("Moved to the trash", ["path"], [[p] for p in self.paths[:MAX_LISTED]])


class Written(ToolOutput):
    path: str
    action: str  # created | overwrote | appended to
    bytes_written: int

    def summary(self) -> str:
        back = "/undo removes it" if self.action == "created" else "/undo restores the old version"
        return (
            f"{self.action.capitalize()} {self.path} ({human_bytes(self.bytes_written)}); {back}."
        )


# -- the tools -----------------------------------------------------------------------------
def _row(
    root: str, name: str, older_than_days: float | None, larger_than: int | None, now: float
) -> FileRow | None:
    try:
        st = os.lstat(os.path.join(root, name))
    except OSError:
        return None
    if larger_than is not None and st.st_size <= larger_than:
        return None
    if older_than_days is not None and now - st.st_mtime <= older_than_days * 86400:
        return None
    return FileRow(
        path=os.path.join(root, name), size=st.st_size, modified=_modified(st), mtime=st.st_mtime
    )


def _walk(
    path: str, pattern: str, older_than_days: float | None, larger_than: int | None
) -> tuple[list[FileRow], bool]:
    """Matching files under path (the kernel's trees skipped), and whether all were seen."""
    now, rows, scanned = time.time(), [], 0
    for root, dirs, names in os.walk(path):
        dirs[:] = [d for d in dirs if not in_system_tree(Path(root, d))]
        scanned += len(names)
        for name in fnmatch.filter(names, pattern):
            if (row := _row(root, name, older_than_days, larger_than, now)) is not None:
                rows.append(row)
        if scanned > MAX_SCAN:
            return rows, False
    return rows, True


@tool(risk=Risk.READ, card=file_cards.FIND)
def find_files(
    path: ExistingPath = ".",
    pattern: Pattern = "*",
    older_than_days: Days = None,
    larger_than: Bytes = None,
    order: Order = "largest",
    limit: Limit = None,
) -> FoundFiles:
    """Files under a folder (the current one unless named) by name pattern, age in days and
    size (e.g. 100MB), largest first (or smallest, newest, oldest); limit: how many to show."""
    if Path(path).is_dir():
        rows, complete = _walk(path, pattern, older_than_days, larger_than)
    else:  # one file named outright: it is the answer if it passes the filters
        row = _row(*os.path.split(path), older_than_days, larger_than, time.time())
        rows, complete = [row] if row is not None else [], True
    by_time = order in ("newest", "oldest")
    rows.sort(key=lambda r: r.mtime if by_time else r.size, reverse=order in ("largest", "newest"))
    return FoundFiles(
        path=path,
        pattern=pattern,
        count=len(rows),
        total_bytes=sum(r.size for r in rows),
        files=rows[: limit or MAX_LISTED],
        complete=complete,
        order=order,
    )


@tool(risk=Risk.READ, card=file_cards.INFO)
def file_info(path: ExistingPath) -> FileInfo:
    """Kind, size, mode, owner and modification date of one file or folder."""
    target = Path(path)
    st = target.lstat()
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    is_dir = stat.S_ISDIR(st.st_mode)
    inside, size = trash.tree_stats(target) if is_dir else (None, st.st_size)
    return FileInfo(
        path=path,
        kind="symlink" if target.is_symlink() else "folder" if is_dir else "file",
        size=size,
        mode=oct(stat.S_IMODE(st.st_mode)),
        owner=owner,
        modified=time.strftime("%Y-%m-%d %H:%M", time.localtime(st.st_mtime)),
        files_inside=inside,
        target=os.readlink(target) if target.is_symlink() else None,
    )


def _delete_effect(args: BaseModel) -> str:
    return describe_deletion(deletion_targets(**args.model_dump()))


@tool(risk=Risk.DESTRUCTIVE, effect=_delete_effect, undo="trash", card=file_cards.DELETE)
def delete_files(
    path: DeletePath,
    pattern: Pattern | None = None,
    older_than_days: Days = None,
    recursive: bool = False,
) -> Deleted:
    """Move files to the trash (undo restores them): a path, a glob, or a pattern in a folder."""
    targets = deletion_targets(path, pattern, older_than_days, recursive)
    writer = trash.TrashWriter("delete_files", describe_deletion(targets))
    moved: list[str] = []
    try:
        for target in targets:
            writer.take(target)
            moved.append(str(target))
    except (OSError, trash.TrashError) as exc:
        raise ToolError(
            f"stopped after moving {len(moved)} of {len(targets)} to the trash: {exc}"
        ) from exc
    finally:
        writer.save()
    return Deleted(paths=moved, total_bytes=writer.batch.size, batch=writer.batch.id)


def _lines(content: str) -> str:
    n = content.count("\n") + (1 if content and not content.endswith("\n") else 0)
    return plural(n, "line")


def _write_effect(args: BaseModel) -> str:
    raw = args.model_dump()
    path, content, append = Path(raw["path"]), str(raw["content"]), bool(raw["append"])
    if not os.path.lexists(path):
        return f"create {path} with {_lines(content)}"
    st = path.lstat()
    old = f"{human_bytes(st.st_size)}, modified {_modified(st)}"
    if append:
        return f"append {_lines(content)} to {path} ({old})"
    return f"overwrite {path} ({old}) with {_lines(content)}"


def _write_risk(args: BaseModel) -> Assessment:
    """Overwriting is destructive (DESIGN.md), even with a copy in the trash: ``--yes`` alone
    must not replace a file the user has; creating or appending is a write, unless the place
    makes it worse (a startup file, ssh keys, /etc: see ``safety.places``)."""
    path = Path(str(getattr(args, "path", "")))
    place = sensitive_place(path)
    if place is not None and place.denied:  # the audit log
        return place
    if path.exists() and not getattr(args, "append", False):
        return Assessment(
            Risk.DESTRUCTIVE, f"overwrites {path} (the old version goes to the trash)"
        )
    verb = "appends to" if path.exists() else "creates"
    if place is not None:
        return Assessment(place.risk, f"{verb} {path}: {place.reason}")
    return Assessment(Risk.WRITE, f"{verb} {path}")


@tool(
    risk=_write_risk,
    effect=_write_effect,
    undo="trash",
    risk_from="the file",
    card=file_cards.WRITE,
)
def write_file(
    path: FilePath,
    content: Annotated[str, Field(max_length=1_000_000)],
    append: bool = False,
) -> Written:
    """Write text to a file; the old version goes to the trash first, so undo restores it."""
    target = Path(path)
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise ToolError(f"{target} is not a plain file - give the file itself")
    real = Path(os.path.realpath(target.parent)) / target.name  # what the check saw
    existed = target.exists()
    writer = trash.TrashWriter("write_file", f"write {target}")
    if not existed:
        entry = writer.note_created(target)
    elif append:
        entry = writer.keep_copy(target)
    else:
        entry = writer.take(target)  # the old version, kept whole with its mode and mtime
    writer.save()
    try:
        _write_new(real, content, append, entry.mode if existed and not append else None)
    except OSError as exc:
        writer.rollback()
        raise ToolError(f"could not write {target}: {exc}; it is left as it was") from exc
    entry.written_sha256 = trash.sha256_of(target)
    writer.save()
    action = "appended to" if append else "overwrote" if existed else "created"
    return Written(path=str(target), action=action, bytes_written=len(content.encode()))


def _write_new(target: Path, content: str, append: bool, mode: int | None) -> None:
    """Write without following a symlink planted after the checks (a /tmp race), on the file
    or on any folder above it (``open_nofollow``): the old file is in the trash by now, so a
    new one must be created (O_EXCL), and an append must open the file itself."""
    how = os.O_APPEND if append else os.O_CREAT | os.O_EXCL
    fd = open_nofollow(target, os.O_WRONLY | how)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(content)
        if mode is not None:
            os.fchmod(fh.fileno(), mode)


TOOLS = [find_files, file_info, delete_files, write_file]
