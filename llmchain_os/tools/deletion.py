"""What a delete would remove, checked path by path, and that effect in words.

Shared by delete_files and by run_shell's question for a plain ``rm``: both say "delete 3
files, 1.2 GiB, under /var/log/old", worked out from the real filesystem when asked.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import re
import shlex
import stat
import time
from pathlib import Path

from llmchain_os.errors import ToolError
from llmchain_os.safety import trash
from llmchain_os.safety.places import holds_audit_log
from llmchain_os.tools.units import human_bytes

SYSTEM_TREES = ("/proc", "/sys", "/dev")
MAX_TARGETS = 10_000  # one delete moves at most this many paths; narrow the pattern beyond


def in_system_tree(path: Path) -> str | None:
    """The kernel's trees (/proc, /sys, /dev) hold no files to find, change or delete."""
    for tree in SYSTEM_TREES:
        if path == Path(tree) or path.is_relative_to(tree):
            return tree
    return None


def _refuse(path: Path) -> None:
    if path == Path("/"):
        raise ValueError("refusing / itself")
    if path == Path.home():
        raise ValueError(f"refusing the home directory itself ({path})")
    if tree := in_system_tree(path):
        raise ValueError(f"refusing {path}: nothing under {tree} is a file to change")


def checked(raw: str) -> Path:
    """The absolute path (``~`` expanded, symlinks in its parents resolved for the checks)."""
    path = Path(os.path.abspath(os.path.expanduser(raw.strip())))
    _refuse(path)
    if path != Path("/"):
        _refuse(Path(os.path.realpath(path.parent)) / path.name)
    return path


def glob_base(path: Path) -> Path:
    parts: list[str] = []
    for part in path.parts:
        if glob.has_magic(part):
            break
        parts.append(part)
    return Path(*parts)


def _old_enough(path: Path, older_than_days: float | None, now: float) -> bool:
    if older_than_days is None:
        return True
    return now - path.lstat().st_mtime > older_than_days * 86400


def deletion_targets(
    path: str, pattern: str | None, older_than_days: float | None, recursive: bool
) -> list[Path]:
    """The paths a delete_files call removes, checked one by one."""
    base, now = Path(path), time.time()
    if glob.has_magic(path):
        found = [Path(p) for p in sorted(glob.glob(path, recursive=recursive))]
    elif base.is_dir() and not base.is_symlink() and (pattern or older_than_days is not None):
        found = _matching(base, pattern or "*", recursive)
    elif base.is_dir() and not base.is_symlink() and not recursive:
        raise ToolError(
            f"{base} is a folder: give a pattern (e.g. '*.log') to delete files in it, or "
            "recursive=true to delete the folder and everything in it"
        )
    else:
        found = [base]
    if pattern and glob.has_magic(path):
        found = [p for p in found if fnmatch.fnmatch(p.name, pattern)]
    targets = _outermost([p for p in found if _old_enough(p, older_than_days, now)])
    if len(targets) > MAX_TARGETS:
        raise ToolError(f"{len(targets):,} paths match; the limit is {MAX_TARGETS:,} - narrow it")
    root = trash.trash_root()
    for target in targets:
        try:
            checked(str(target))
        except ValueError as exc:
            raise ToolError(str(exc)) from None
        if target == root or target.is_relative_to(root) or root.is_relative_to(target):
            raise ToolError(f"refusing {target}: it holds the trash ('llmos undo --list')")
        if holds_audit_log(target):  # append-only: no tool of ours removes it
            raise ToolError(f"refusing {target}: it holds the audit log ('llmos audit' reads it)")
    return targets


def _outermost(paths: list[Path]) -> list[Path]:
    """Each path once, and none inside another (a "**" glob yields a folder and its files)."""
    kept: set[Path] = set()
    for path in sorted(set(paths)):  # a folder sorts before what is inside it
        if not any(parent in kept for parent in path.parents):
            kept.add(path)
    return sorted(kept)


def _matching(base: Path, pattern: str, recursive: bool) -> list[Path]:
    """Files (and symlinks) under base whose names match pattern; folders are not matched."""
    found: list[Path] = []
    for root, dirs, files in os.walk(base):
        links = [d for d in dirs if os.path.islink(os.path.join(root, d))]
        found += [Path(root, n) for n in sorted(files + links) if fnmatch.fnmatch(n, pattern)]
        if not recursive:
            break
        if len(found) > MAX_TARGETS:
            break
    return found


def _measure(targets: list[Path]) -> tuple[int, int, int, int]:
    """(files, folders, files inside those folders, bytes) of the targets."""
    files = folders = inside = size = 0
    for target in targets:
        st = target.lstat()
        if stat.S_ISDIR(st.st_mode):
            folders += 1
            count, total = trash.tree_stats(target)
            inside, size = inside + count, size + total
        else:
            files += 1
            size += st.st_size
    return files, folders, inside, size


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def describe_deletion(targets: list[Path]) -> str:
    """ "delete 3 files, 1.2 GiB, under /var/log/old" (or the one path and its size)."""
    if not targets:
        return "delete nothing: no file matches"
    files, folders, inside, size = _measure(targets)
    if len(targets) == 1:
        what = f"the folder {targets[0]}" if folders else str(targets[0])
        held = f", {plural(inside, 'file')} inside" if folders else ""
        return f"delete {what} ({human_bytes(size)}{held})"
    parts = [plural(files, "file")] if files else []
    if folders:
        parts.append(f"{plural(folders, 'folder')} holding {plural(inside, 'file')}")
    parent = os.path.commonpath([str(t.parent) for t in targets])
    return f"delete {' and '.join(parts)}, {human_bytes(size)}, under {parent}"


RM_UNSEEN = re.compile(r"[;&|<>`$(){}\n\\]")
RM_FLAGS = {"-r": True, "-R": True, "--recursive": True, "-f": False, "--force": False}


def rm_effect(command: str) -> str:
    """The effect of a plain `rm [-rf] PATH...` (literal paths or globs); "" for anything else.

    Best effort: quoting that stops a glob, or anything with operators, substitution or
    redirection, is not modelled - then there is no effect to show, not a wrong one.
    """
    if RM_UNSEEN.search(command):
        return ""
    try:
        words = shlex.split(command)
    except ValueError:
        return ""
    if len(words) < 2 or os.path.basename(words[0]) != "rm":
        return ""
    recursive, operands, options = False, [], True
    for word in words[1:]:
        if options and word == "--":
            options = False
        elif options and word.startswith("-") and len(word) > 1:
            flags = [word] if word.startswith("--") else [f"-{c}" for c in word[1:]]
            if any(f not in RM_FLAGS and f not in ("-v", "-i", "-I") for f in flags):
                return ""
            recursive = recursive or any(RM_FLAGS.get(f, False) for f in flags)
        else:
            operands.append(os.path.expanduser(word))
    return describe_deletion(_rm_targets(operands, recursive))


def _rm_targets(operands: list[str], recursive: bool) -> list[Path]:
    found: list[str] = []
    for op in operands:
        found += sorted(glob.glob(op)) if glob.has_magic(op) else [op]
    paths = [Path(os.path.abspath(p)) for p in found if os.path.lexists(p)]
    return [p for p in paths if recursive or p.is_symlink() or not p.is_dir()]
