"""Memory's inbox: finished requests and feedback, one JSON line each, written without chromadb.

``llmos run`` and the shell record every request here (a few hundred microseconds, no
chromadb import, no embedding); the store takes the journal in when it next opens
(``MemoryStore.ingest``). Why it is safe with several shells at once:

- a writer appends one line under an exclusive ``flock`` on the journal file, after checking
  that the file it locked is still the one at the path (the store may have just taken it);
- the store takes the journal by locking it and renaming it to ``journal.taken``, so a
  writer that was waiting sees a different file and starts a new journal; ``journal.taken``
  is read after the rename, when nobody can write to it any more, and removed only after its
  entries are in the store (a crash in between leaves it for the next opening; entries are
  upserted by id, so taking one twice does no harm);
- a torn last line (a SIGKILL mid-write) is skipped by the reader, and the next entry starts
  on a line of its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

JOURNAL = "journal.jsonl"
TAKEN = "journal.taken"
MAX_BYTES = 8 * 1024 * 1024  # past this, the oldest half of the journal is dropped


def append(folder: Path, op: dict[str, Any]) -> None:
    """Append one operation (``{"op": "history", ...}``); raises OSError (full disk, read-only)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    line = (json.dumps(op, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    with _locked(folder / JOURNAL) as fd:
        size = os.fstat(fd).st_size
        if size + len(line) > MAX_BYTES:
            _drop_oldest_half(fd)
        elif size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line  # after a torn line (a writer killed mid-write), a line of its own
        os.write(fd, line)
        os.fsync(fd)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[int]:
    """The journal at ``path``, opened for appending and locked; reopened if it was taken."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = -1
            if current == os.fstat(fd).st_ino:
                yield fd
                return
        finally:
            os.close(fd)  # closing drops the lock


def _drop_oldest_half(fd: int) -> None:
    """Keep the newer half of the journal's lines (the oldest history is thinned first)."""
    size = os.fstat(fd).st_size
    data = os.pread(fd, size, 0)
    lines = data.splitlines(keepends=True)
    kept = b"".join(lines[len(lines) // 2 :])
    os.ftruncate(fd, 0)
    os.write(fd, kept)


def take(folder: Path) -> Path | None:
    """Move the journal aside for the store to read; the file to read, or None when empty.

    Call with the store's lock held (one taker at a time). A ``journal.taken`` left by a
    crash is returned first, with the current journal's lines added to it."""
    path, taken = folder / JOURNAL, folder / TAKEN
    if not path.exists():
        return taken if taken.exists() else None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if taken.exists():
            with taken.open("ab") as fh:
                fh.write(os.pread(fd, os.fstat(fd).st_size, 0))
            path.unlink()
        else:
            path.rename(taken)
    finally:
        os.close(fd)
    return taken


def read(path: Path) -> list[dict[str, Any]]:
    """The operations in a taken journal, torn or foreign lines skipped."""
    ops: list[dict[str, Any]] = []
    for raw in path.read_bytes().splitlines():
        try:
            op = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(op, dict) and isinstance(op.get("op"), str):
            ops.append(op)
    return ops
