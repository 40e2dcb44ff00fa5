"""The trash: what llmchain-os's own file tools delete or overwrite, kept so /undo can restore it.

Each action is one batch under ``paths.data_dir()/trash/<id>/`` with a ``manifest.json``
(written atomically) naming every entry: where it was, what it was (file, dir, symlink), its
size, mode and mtime. A batch may also record a file the action *created* (nothing stored;
undo removes it, but only while it still holds what was written).

Items move into the trash with ``os.rename`` when the trash is on the same filesystem (instant,
metadata kept); across filesystems they are copied with their metadata, then the original is
removed, and only when the trash's filesystem has room for the copy. Old batches are purged
lazily whenever a new one is written: anything older than ``KEEP_DAYS``, then the oldest until
the trash holds at most ``MAX_BYTES`` (the newest batch is always kept).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from llmchain_os import paths

KEEP_DAYS = 30
MAX_BYTES = 5 * 1024**3
MANIFEST = "manifest.json"
Kind = Literal["file", "dir", "symlink"]


class TrashError(Exception):
    """Something could not be moved into or out of the trash; the message says what."""


class TrashEntry(BaseModel):
    """One path an action removed, replaced or created."""

    original: str
    stored: str | None = None  # name inside the batch; None: nothing was there before
    kind: Kind = "file"
    size: int = 0
    mode: int = 0
    mtime: float = 0.0
    # sha256 of what the action wrote at ``original``: undo may replace or remove only that.
    written_sha256: str | None = None


class TrashBatch(BaseModel):
    """The manifest of one action."""

    id: str
    time: float
    tool: str
    request: str = ""
    entries: list[TrashEntry] = Field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(e.size for e in self.entries)

    def line(self) -> str:
        """One line for listings: when, which tool, what it did."""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.time))
        what = self.request or f"{len(self.entries)} paths"
        return f"{when}  {self.tool}: {what}  [{self.id}]"


@dataclass
class UndoResult:
    """What an undo did: one line per restored path and one per path it would not touch."""

    batch: TrashBatch | None
    restored: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.batch is None:
            return ["The trash is empty: nothing to undo."]
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.batch.time))
        head = f"Undo of {self.batch.tool} at {when}:"
        out = [head, *(f"  restored {p}" for p in self.restored)]
        out += [f"  removed {p} (it was created by that action)" for p in self.removed]
        out += [f"  not restored: {c}" for c in self.conflicts]
        return out


def trash_root() -> Path:
    return paths.data_dir() / "trash"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def tree_size(path: Path) -> int:
    """Bytes under path, symlinks not followed (a symlink counts as itself)."""
    return tree_stats(path)[1]


def tree_stats(path: Path) -> tuple[int, int]:
    """(files, bytes) under path in one walk; a file or symlink is (1, its own size)."""
    st = path.lstat()
    if not stat.S_ISDIR(st.st_mode):
        return 1, st.st_size
    count = total = 0
    for root, _dirs, files in os.walk(path):
        count += len(files)
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return count, total


def _kind(st: os.stat_result) -> Kind:
    if stat.S_ISLNK(st.st_mode):
        return "symlink"
    return "dir" if stat.S_ISDIR(st.st_mode) else "file"


def _copy(src: Path, dst: Path) -> None:
    """A copy with mode and times (symlinks as links), for moves across filesystems."""
    if src.is_symlink():
        os.symlink(os.readlink(src), dst)
    elif src.is_dir():
        shutil.copytree(src, dst, symlinks=True)
    else:
        shutil.copy2(src, dst)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def move(src: Path, dst: Path, size: int) -> None:
    """Rename when src and dst share a filesystem; otherwise copy (if it fits), then remove."""
    try:
        os.rename(src, dst)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    free = shutil.disk_usage(dst.parent).free
    if size > free:
        raise TrashError(
            f"{src} ({size:,} bytes) is on another filesystem and the trash has only "
            f"{free:,} bytes free for a copy - free space under {dst.parent}, or delete it "
            "with run_shell (which cannot be undone)"
        )
    try:
        _copy(src, dst)
    except OSError:
        if dst.exists() or dst.is_symlink():
            _remove(dst)
        raise
    _remove(src)


class TrashWriter:
    """Puts one action's paths into a new batch; ``save`` after every change of the list."""

    def __init__(self, tool: str, request: str = "", root: Path | None = None) -> None:
        self.root = root or trash_root()
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        self.batch = TrashBatch(id=f"{stamp}-{secrets.token_hex(3)}", time=time.time(), tool=tool)
        self.batch.request = request
        self.dir = self.root / self.batch.id
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)  # deleted files keep their names and contents: owner only
        self.dir.mkdir()
        purge(self.root, keep=self.batch.id)

    def _entry(self, path: Path) -> TrashEntry:
        st = path.lstat()
        size = tree_size(path) if stat.S_ISDIR(st.st_mode) else st.st_size
        stored = f"{len(self.batch.entries):05d}-{path.name}"[:200]
        return TrashEntry(
            original=str(path),
            stored=stored,
            kind=_kind(st),
            size=size,
            mode=stat.S_IMODE(st.st_mode),
            mtime=st.st_mtime,
        )

    def take(self, path: Path) -> TrashEntry:
        """Move path into the batch (the manifest names it only once it is there)."""
        entry = self._entry(path)
        assert entry.stored is not None
        move(path, self.dir / entry.stored, entry.size)
        self.batch.entries.append(entry)
        return entry

    def keep_copy(self, path: Path) -> TrashEntry:
        """Copy a file into the batch and leave it in place (before an append changes it)."""
        entry = self._entry(path)
        assert entry.stored is not None
        _copy(path, self.dir / entry.stored)
        self.batch.entries.append(entry)
        return entry

    def note_created(self, path: Path) -> TrashEntry:
        """Record a path the action is about to create: undo removes it."""
        entry = TrashEntry(original=str(path))
        self.batch.entries.append(entry)
        return entry

    def rollback(self) -> None:
        """Put everything back as it was before this action (its own write failed)."""
        for entry in reversed(self.batch.entries):
            target = Path(entry.original)
            if entry.stored is not None and (self.dir / entry.stored).exists():
                if target.exists() or target.is_symlink():
                    _remove(target)
                move(self.dir / entry.stored, target, entry.size)
            elif entry.stored is None and target.is_file():
                target.unlink()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.batch.entries = []

    def save(self) -> None:
        """Write the manifest atomically; an empty batch is dropped."""
        if not self.batch.entries:
            shutil.rmtree(self.dir, ignore_errors=True)
            return
        _write_manifest(self.dir, self.batch)


def _write_manifest(folder: Path, batch: TrashBatch) -> None:
    paths.atomic_write(folder / MANIFEST, batch.model_dump_json(indent=1), 0o600)


def list_batches(root: Path | None = None) -> list[TrashBatch]:
    """Every batch with a readable manifest, oldest first."""
    root = root or trash_root()
    if not root.is_dir():
        return []
    found: list[TrashBatch] = []
    for folder in root.iterdir():
        try:
            text = (folder / MANIFEST).read_text(encoding="utf-8")
            found.append(TrashBatch.model_validate(json.loads(text)))
        except (OSError, ValueError):
            continue
    return sorted(found, key=lambda b: (b.time, b.id))


def purge(root: Path, keep: str = "", now: float | None = None) -> list[str]:
    """Drop batches past KEEP_DAYS, then the oldest while the trash is over MAX_BYTES."""
    now = time.time() if now is None else now
    batches = [b for b in list_batches(root) if b.id != keep]
    dropped: list[str] = []
    total = sum(b.size for b in batches)
    for batch in batches:
        if now - batch.time > KEEP_DAYS * 86400 or total > MAX_BYTES:
            shutil.rmtree(root / batch.id, ignore_errors=True)
            dropped.append(batch.id)
            total -= batch.size
    return dropped


def undo_last(root: Path | None = None) -> UndoResult:
    """Restore the newest batch. A path that exists again and is not what the action wrote is
    left alone (its entry stays in the trash, one conflict line each); restoring overwrites
    nothing else."""
    root = root or trash_root()
    batches = list_batches(root)
    if not batches:
        return UndoResult(None)
    batch = batches[-1]
    folder = root / batch.id
    result = UndoResult(batch)
    left: list[TrashEntry] = []
    for entry in reversed(batch.entries):  # the last change first, as it was made last
        problem = _restore(folder, entry, result)
        if problem is not None:
            result.conflicts.append(problem)
            left.insert(0, entry)
    if left:
        _write_manifest(folder, batch.model_copy(update={"entries": left}))
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return result


def _ours(target: Path, entry: TrashEntry) -> bool:
    """Does target still hold exactly what the action wrote there?"""
    if entry.written_sha256 is None or target.is_symlink() or not target.is_file():
        return False
    return sha256_of(target) == entry.written_sha256


def _restore(folder: Path, entry: TrashEntry, result: UndoResult) -> str | None:
    """Put one entry back; the reason it was not put back, or None."""
    target = Path(entry.original)
    there = target.exists() or target.is_symlink()
    kept = folder / entry.stored if entry.stored else None
    if there and not _ours(target, entry):
        if kept is None:
            return f"{target} has changed since it was created; left as it is"
        return f"{target} exists again; the old one is still in the trash at {kept}"
    if kept is None:
        if there:
            target.unlink()
            result.removed.append(str(target))
        return None
    if not (kept.exists() or kept.is_symlink()):
        return f"{target}: its copy is missing from the trash ({kept})"
    if there:
        target.unlink()  # what the action wrote over it; the old one comes back
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        move(kept, target, entry.size)
    except (OSError, TrashError) as exc:
        return f"{target}: {exc}"
    _restore_meta(target, entry)
    result.restored.append(str(target))
    return None


def _restore_meta(target: Path, entry: TrashEntry) -> None:
    if entry.kind != "symlink":
        os.chmod(target, entry.mode)
    os.utime(target, (entry.mtime, entry.mtime), follow_symlinks=False)
