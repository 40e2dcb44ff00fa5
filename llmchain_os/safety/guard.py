"""What a confined step did beyond its grant, found and undone just after it runs.

A mount can keep an existing entry read-only, but not everything a grant must hold to:
a startup file that does not exist yet (``Grant.watch``), a symlink in a writable folder,
the content of a file a write may only add to (``Grant.keep``), the mode and owner of a
writable folder (``Grant.steady``). ``begin`` notes them just before the run (and creates
the empty targets the grant names); ``finish`` puts back what changed, moving whatever the
step left to the trash, and says what it undid: a step with anything undone failed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from llmchain_os.safety.confine import Grant, entries


@dataclass
class Guard:
    """What a step's run is checked against afterwards; see ``begin`` and ``finish``."""

    made: list[tuple[Path, int]] = field(default_factory=list)  # created empty, with mtime
    absent: list[Path] = field(default_factory=list)  # watched places missing before it
    links: list[tuple[Path, str]] = field(default_factory=list)  # symlinks and their targets
    kept: list[tuple[Path, int, str, Path]] = field(default_factory=list)  # size, sha, copy
    owned: list[tuple[Path, int, int, int]] = field(default_factory=list)  # mode, uid, gid
    copies: Path | None = None


def begin(grant: Grant) -> Guard:
    """Just before the run: create the empty targets the grant names (the approved change
    begins here), note the watched places that are missing, the symlinks in writable
    folders (a mount cannot make a link itself read-only) and a copy of each kept file."""
    found = Guard(absent=[p for p in grant.watch if not os.path.lexists(p)])
    for path, is_folder in grant.create:
        if os.path.lexists(path):
            continue
        if is_folder:
            path.mkdir(mode=0o755)
        else:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644))
        found.made.append((path, os.lstat(path).st_mtime_ns))
    for path in grant.steady:
        with contextlib.suppress(OSError):
            info = os.lstat(path)
            found.owned.append((path, info.st_mode, info.st_uid, info.st_gid))
    named = {*grant.files, *(p for p, _ in grant.create)}
    for folder in grant.folders:
        found.links += [(e, os.readlink(e)) for e in entries(folder) if e.is_symlink()]
    found.links = [(e, to) for e, to in found.links if e not in named]
    if grant.keep:
        from llmchain_os.paths import state_dir

        (state_dir()).mkdir(parents=True, exist_ok=True)
        found.copies = Path(tempfile.mkdtemp(prefix="kept-", dir=state_dir()))  # hidden
        for n, path in enumerate(grant.keep):
            copy = found.copies / str(n)
            shutil.copy2(path, copy)  # with its mode, put back with it
            found.kept.append((path, copy.stat().st_size, _digest(copy), copy))
    return found


def finish(found: Guard, succeeded: bool) -> list[str]:
    """Just after the run: take away what ``begin`` created if the failed step never touched
    it, and undo what the grant did not allow. Returns what was undone, in words; a step
    with any is a failed step."""
    if not succeeded:
        _undo_made(found.made)
    undone = _take_back(found)
    if found.copies is not None:
        shutil.rmtree(found.copies, ignore_errors=True)
    return undone


def _digest(path: Path, size: int | None = None) -> str:
    """sha256 of ``path``'s first ``size`` bytes (all of it when None)."""
    sha, left = hashlib.sha256(), size
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20 if left is None else min(1 << 20, left)):
            sha.update(chunk)
            if left is not None:
                left -= len(chunk)
    return sha.hexdigest()


def _undo_made(made: list[tuple[Path, int]]) -> None:
    for path, mtime in made:
        try:
            info = os.lstat(path)
            if info.st_mtime_ns != mtime or (stat.S_ISREG(info.st_mode) and info.st_size):
                continue  # the step wrote it
            path.rmdir() if stat.S_ISDIR(info.st_mode) else path.unlink()
        except OSError:
            continue  # not empty any more, or gone


def _still_there(path: Path, size: int, sha: str) -> bool:
    """Whether the regular file ``path`` still starts with what it held (an append is fine)."""
    try:
        info = os.lstat(path)
        return stat.S_ISREG(info.st_mode) and info.st_size >= size and _digest(path, size) == sha
    except OSError:
        return False


def _take_back(found: Guard) -> list[str]:
    """Startup files that appeared, links replaced and kept files rewritten: what the step
    left is moved to the trash (nothing it wrote is lost) and the old state put back."""
    from llmchain_os.safety.trash import TrashWriter

    appeared = [p for p in found.absent if os.path.lexists(p)]
    links = [(p, to) for p, to in found.links if not (p.is_symlink() and os.readlink(p) == to)]
    kept = [(p, copy) for p, size, sha, copy in found.kept if not _still_there(p, size, sha)]
    owned = _owners_put_back(found.owned, {p for p, _ in kept})
    if not (appeared or links or kept):
        return owned
    writer = TrashWriter("confinement", "a confined step changed more than it was allowed")
    for path in [*appeared, *(p for p, _ in links), *(p for p, _ in kept)]:
        if os.path.lexists(path):
            writer.take(path)
    writer.save()
    for path, to in links:
        os.symlink(to, path)
    for path, copy in kept:
        shutil.copy2(copy, path)
    undone = [f"created {p}, which no step may create; it was moved to the trash" for p in appeared]
    undone += [f"replaced the link {p}; it was put back" for p, _ in links]
    undone += [f"rewrote {p}, which it may only add to; it was put back" for p, _ in kept]
    return undone + owned


def _owners_put_back(owned: list[tuple[Path, int, int, int]], replaced: set[Path]) -> list[str]:
    """Put back the mode and owner of each steady place that changed (a kept file that was
    rewritten is put back whole instead)."""
    undone = []
    for path, mode, uid, gid in owned:
        try:
            info = os.lstat(path)
        except OSError:
            continue  # gone: a folder cannot go while it is a mount; a file is checked above
        if path in replaced or (info.st_mode, info.st_uid, info.st_gid) == (mode, uid, gid):
            continue
        os.chown(path, uid, gid, follow_symlinks=False)
        os.chmod(path, stat.S_IMODE(mode))
        undone.append(f"changed the mode or owner of {path}, which it was not asked; put back")
    return undone
