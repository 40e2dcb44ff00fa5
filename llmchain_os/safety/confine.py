"""Confinement by approval: an approved step may touch what its question named, and no more.

The classifier decides what to ask; this is the guarantee. Every step the shell runs for the
user (commands, composed commands, saved scripts, jobs, a model's tool calls) runs in
bubblewrap with rights that come from its approval (``Grant``):

- **read**: ``/`` read-only, no network, its own pid namespace (it sees the host's processes
  through a read-only /proc but cannot signal them), no capabilities, and llmchain-os's own
  config, data and state (the audit log) hidden behind empty folders. Only a private scratch
  folder (``TMPDIR``) is writable.
- **write**: as a read, plus the resolved targets the question named. A target's folder is
  writable for new entries, but every entry already in it stays read-only unless it is a
  target, so a misjudged command cannot overwrite a neighbour. A target that is an existing
  folder (``tar -x``, ``cp -r src/. dir``, ``touch .``) gets new entries, not what it holds,
  unless the command changes it through and through (``chmod -R``, git's working tree) and
  the question says so. An existing file a step approved as a write names may be added to
  (``>>``, ``chmod``), not rewritten: a copy is kept while it runs and put back, failing
  the step, if its old content changed. Symlinks in a writable folder (a mount cannot make a
  link read-only) are checked the same way (``safety/guard.py`` does both, after the run).
  In a home a step may add new entries, but what is there stays read-only and a startup
  file or key that appears is taken back; a system tree (/etc, /usr) never gets new
  entries, and a named file there that does not exist yet is created empty first, so
  renames and deletes fail instead of reaching what is beside it. Startup files,
  ``~/.ssh``, autostart and unit folders and the shell's own files stay read-only inside
  any writable place unless the question named exactly that place. The network and other
  processes only when the approval covered them.
- **unconfined**: a change whose targets cannot be known from the command (``make``, a
  package manager, an unknown program). Its risk says so (``scope_risk``), so it needs the
  approval a destructive step needs; and ``!cmd`` typed by the user, which is theirs.

What can be checked before the question is, and is put in the question: a target with
more than one hard link, or a folder too big to protect entry by entry, makes the step
destructive with that reason. A grant is worked out on resolved paths when the question is
asked and again just before the run; if the two differ (a symlink swapped in between), the
step fails instead of writing somewhere else.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from llmchain_os.safety.places import holds_protected, protected_places, sensitive_place
from llmchain_os.safety.risk import Assessment, Risk
from llmchain_os.safety.scope import Scope

if TYPE_CHECKING:
    from llmchain_os.safety.sandbox import SandboxSpec

MAX_ENTRIES = 1000  # entries protected one by one in a writable folder; more is not confined
MAX_KEPT = 64 * 1024 * 1024  # an existing target copied while a write runs; a bigger one asks
READ = "read"
WRITE = "write"
UNCONFINED = "unconfined"


class ConfinementError(Exception):
    """What was approved can no longer be confined as asked; the message says what changed."""


@dataclass(frozen=True)
class Grant:
    """What one approved step may do when it runs (paths resolved)."""

    mode: str = READ
    folders: tuple[Path, ...] = ()  # writable for new entries; existing ones stay read-only
    files: tuple[Path, ...] = ()  # the named targets: writable (a folder: all inside it)
    create: tuple[tuple[Path, bool], ...] = ()  # (path, is_folder) made empty before the run
    network: bool = False
    processes: bool = False
    why: str = ""  # for unconfined: why it cannot be confined
    # Startup files and keys that do not exist yet in a writable folder that holds them
    # (a home, for a delete a person approved): bubblewrap cannot mount over what is not
    # there, so any of them that appears during the step is taken away after it.
    watch: tuple[Path, ...] = field(default=(), compare=False)  # the log may appear between
    # Existing files a step approved only as a write may add to but not rewrite (`>>`,
    # chmod, touch): a copy is kept while it runs and put back if their content changed.
    keep: tuple[Path, ...] = ()
    # Writable folders and kept files whose mode and owner stay as they are (the question
    # named no chmod or chown of them): put back, failing the step, if they change.
    steady: tuple[Path, ...] = ()

    def describe(self) -> str:
        """The grant in words, for the question and the result."""
        if self.mode == UNCONFINED:
            return f"runs unconfined ({self.why})" if self.why else "runs unconfined"
        places = [f"{p} (adding only)" if p in self.keep else str(p) for p in self.files]
        places += [str(p) for p, _ in self.create]
        places += [f"new files in {p}" for p in self.folders if p not in self.files]
        parts = [f"may write only {', '.join(places)}" if places else "read-only"]
        if self.network:
            parts.append("network")
        if self.processes:
            parts.append("may signal processes")
        return "; ".join(parts)


READ_ONLY = Grant()


def _resolve(raw: str) -> Path:
    return Path(os.path.realpath(raw))


def _anchor(path: Path) -> tuple[Path, Path | None]:
    """The nearest existing folder of ``path``, and the first missing part under it."""
    missing: Path | None = None
    while not os.path.lexists(path) and path != path.parent:
        missing, path = path, path.parent
    return path, missing


def _hard_links(path: Path) -> int:
    try:
        info = os.lstat(path)
    except OSError:
        return 1
    return info.st_nlink if stat.S_ISREG(info.st_mode) else 1


def entries(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as found:
            return [Path(e.path) for e in found]
    except OSError:
        return []


def scope_risk(scope: Scope) -> Assessment | None:
    """Why a change cannot be confined to its targets, as a risk the question must carry;
    None when it can. Called only for commands that change something."""
    if scope.unknown:
        return Assessment(Risk.DESTRUCTIVE, f"it runs unconfined: {scope.unknown}")
    for made_in in scope.new_in:  # `unzip x.zip -d /etc` makes new entries in a system tree
        if (place := sensitive_place(made_in)) is not None:
            why = f"it makes new files in {made_in}: {place.reason}"
            return Assessment(place.risk, why, place.denied)
    for raw in (*scope.writes, *scope.mkdirs):
        real = _resolve(raw)
        if (place := sensitive_place(raw)) is not None:  # `$HOME/.bashrc`, `cd ~; > .profile`
            return Assessment(place.risk, f"it writes {raw}: {place.reason}", place.denied)
        if (links := _hard_links(real)) > 1:
            why = f"{raw} has {links} hard links: writing it changes the file under every name"
            return Assessment(Risk.DESTRUCTIVE, why)
        if real.is_file() and real.stat().st_size > MAX_KEPT and raw not in scope.whole:
            why = f"{raw} is over {MAX_KEPT >> 20} MiB, too big to keep a copy of while it runs"
            return Assessment(Risk.DESTRUCTIVE, why)
        folder, _ = _anchor(real if not os.path.lexists(real) else real.parent)
        if not holds_protected(folder) and len(entries(folder)) > MAX_ENTRIES:
            why = f"{folder} holds over {MAX_ENTRIES} entries, too many to keep read-only"
            return Assessment(Risk.DESTRUCTIVE, why)
    return None


def _system(folder: Path) -> bool:
    """A system tree (/etc, /usr ...), where no new entry is safe; a home is not one: what
    it holds stays read-only and a startup file that appears is taken back."""
    return sensitive_place(folder) is not None


def grant_for(scope: Scope, risk: Risk) -> Grant:
    """The grant an approval of ``risk`` gives a command of ``scope``."""
    if risk is Risk.READ:
        return Grant(network=scope.network)
    if scope.unknown:
        return Grant(mode=UNCONFINED, why=scope.unknown)
    folders: list[Path] = []
    files: list[Path] = []
    create: list[tuple[Path, bool]] = []
    approved_by_person = risk in (Risk.PRIVILEGED, Risk.DESTRUCTIVE)
    whole = {_resolve(w) for w in scope.whole}
    for raw in (*scope.writes, *scope.mkdirs):
        real = _resolve(raw)
        exists = os.path.lexists(real)
        if real in whole:
            files.append(real)  # its whole tree: the question named it so
            continue
        if exists and real.is_dir() and not approved_by_person:
            # `tar -x`, `cp -r src/. dir`, `touch .`: new entries in it, not what it holds
            # (in a home, a startup file or key that appears is taken back: ``watch``)
            if not _system(real):
                folders.append(real)
            continue
        folder, missing = _anchor(real.parent if exists else real)
        strict = not approved_by_person or sensitive_place(real) is not None
        if holds_protected(folder) and strict and (exists or missing is not None):
            if exists:
                files.append(real)
            elif missing == real and sensitive_place(real) is None and not _system(folder):
                folders.append(folder)  # a new file in a home (`gzip -k` makes its .gz)
            elif missing is not None:
                create.append((missing, missing != real or raw in scope.mkdirs))
            continue
        folders.append(folder)
        if exists:
            files.append(real)
    folders += [_resolve(f) for f in scope.new_in if os.path.isdir(f) and not _system(Path(f))]
    kept = () if approved_by_person else tuple(dict.fromkeys(f for f in files if f.is_file()))
    meta = {_resolve(m) for m in scope.meta}
    named = {*files, *(p for p, _ in create)}
    own = {_resolve(str(d)) for d in _own_dirs()}
    watch = [
        place
        for place in map(_resolve, map(str, protected_places()))
        if place not in named
        and place not in own  # llmchain-os's own folders: it writes them itself (the log)
        and not os.path.lexists(place)
        and any(place.parent == f or place.is_relative_to(f) for f in folders)
    ]
    return Grant(
        mode=WRITE,
        folders=tuple(dict.fromkeys(folders)),
        files=tuple(dict.fromkeys(files)),
        create=tuple(dict.fromkeys(create)),
        network=scope.network,
        processes=scope.processes,
        watch=tuple(dict.fromkeys(watch)),
        keep=kept,
        steady=tuple(p for p in dict.fromkeys((*folders, *kept)) if p not in meta),
    )


def check_unchanged(approved: Grant, scope: Scope, risk: Risk) -> None:
    """Raise ConfinementError when the targets resolve elsewhere than when they were asked."""
    now = grant_for(scope, risk)
    if now != approved:
        raise ConfinementError(
            "the command's targets changed after it was approved "
            f"(asked: {approved.describe()}; now: {now.describe()}) - not run; ask again"
        )


def protected_binds(grant: Grant) -> list[Path]:
    """Existing paths to keep read-only inside the grant's writable places: each writable
    folder's entries that are not targets, and every protected place under a writable
    path that the question did not name."""
    named = {*grant.files, *(p for p, _ in grant.create)}
    keep: list[Path] = []
    for folder in grant.folders:
        keep += [e for e in entries(folder) if e not in named and not e.is_symlink()]
    writable = [*grant.folders, *grant.files, *(p for p, _ in grant.create)]
    for place in protected_places():
        real = _resolve(str(place))
        if real in named or not os.path.lexists(real) or real.is_symlink():
            continue
        if any(real.is_relative_to(w) for w in writable):
            keep.append(real)
    return list(dict.fromkeys(keep))


def _own_dirs() -> list[Path]:
    from llmchain_os.paths import config_dir, data_dir, state_dir

    return [config_dir(), data_dir(), state_dir()]


def sandbox_spec(grant: Grant, cwd: Path) -> SandboxSpec | None:
    """The bubblewrap spec of a grant, starting in ``cwd``; None when it is unconfined."""
    from llmchain_os.safety.sandbox import SandboxSpec

    if grant.mode == UNCONFINED:
        return None
    # A target inside a writable folder is writable through it: a bind of its own would
    # make it a mount point, which cannot be removed or renamed (`rm -r dir` would fail).
    alone = [f for f in grant.files if not any(f.parent == d for d in grant.folders)]
    writable = (*grant.folders, *alone, *(p for p, _ in grant.create))
    return SandboxSpec(
        workdir=cwd,
        writable=tuple(dict.fromkeys(writable)),
        network=grant.network,
        workdir_writable=False,
        processes=grant.processes,
        protect=tuple(protected_binds(grant)),
        private_tmp=False,
    )
