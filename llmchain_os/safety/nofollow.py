"""Open a file by a resolved path without following a symlink anywhere on the way.

A path is checked (resolved, shown in the question) before it is written; if any folder on
it is swapped for a symlink in between, a plain ``open`` would follow the link and write
somewhere the approval never named. ``open_nofollow`` walks the path one component at a
time with ``openat``-style calls (``dir_fd``), each with ``O_NOFOLLOW``, so a symlink at any
component fails the open instead.
"""

from __future__ import annotations

import os
from pathlib import Path

WALK = os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def open_nofollow(path: Path, flags: int, mode: int = 0o666) -> int:
    """An fd for ``path`` (absolute, already resolved) opened with ``flags``; OSError (ELOOP or
    ENOTDIR) when any of its components is a symlink now."""
    if not path.is_absolute():
        raise ValueError(f"{path} is not an absolute path")
    *folders, name = path.parts[1:] or [""]
    fd = os.open("/", WALK)
    try:
        for part in folders:
            inner = os.open(part, WALK, dir_fd=fd)
            os.close(fd)
            fd = inner
        return os.open(name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=fd)
    finally:
        os.close(fd)
