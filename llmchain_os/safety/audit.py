"""The audit log: every step the executor ran, declined or refused, one JSON line each.

Why it is built this way:

- Append-only JSONL at ``state_dir()/audit.jsonl`` (mode 0600). Each entry is one
  ``os.write`` of one line on a descriptor opened with ``O_APPEND``, then ``os.fsync``, so a
  completed step is on disk before the next one starts, and a process killed with SIGKILL
  leaves at most one torn last line. The file is never rewritten.
- A torn line does not break reading: the reader skips it and counts it (``unreadable``).
  If the file does not end in a newline when we append (a write cut short), the new entry
  starts on a line of its own, so only the torn entry is lost.
- Secrets never go in: every entry is passed through ``redact_data`` before it is written.
  ``output_sha256`` is the hash of the step's full output JSON, so a result can be matched
  later without keeping it.
- A step that changes things gets a ``started`` entry before it runs and a finished entry
  after; if the ``started`` entry cannot be written (disk full, permissions) the step is
  refused: nothing unlogged changes the machine. A read step gets one entry after it ran; a
  failure to log it is reported but does not undo the read. Dry runs log nothing.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from llmchain_os.paths import state_dir
from llmchain_os.safety.programs import short
from llmchain_os.safety.redact import redact_data

T = TypeVar("T")
SURROGATE = re.compile("[\ud800-\udfff]")

STARTED = "started"
SINCE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.I)
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class AuditError(Exception):
    """The audit log cannot be written or a filter is malformed; the message says what to do."""


class AuditEntry(BaseModel):
    """One line of the log. ``status`` is ``started`` or a step status (done, failed ...)."""

    ts: str
    user: str
    host: str
    pid: int
    step_id: str  # pairs a ``started`` entry with its finished one
    request: str = ""
    tool: str
    args: dict[str, Any]
    risk: str
    # policy: read | --yes | --yes-destructive | user | denied | declined
    approved_by: str | None = None
    status: str
    exit_code: int | None = None
    duration_s: float = 0.0
    output_sha256: str | None = None
    error: str | None = None

    def command(self) -> str:
        """The exact command line for run_shell, else the tool call as ``tool(arg=value)``."""
        if self.tool == "run_shell" and "command" in self.args:
            return str(self.args["command"])
        inner = ", ".join(f"{k}={v!r}" for k, v in self.args.items())
        return f"{self.tool}({inner})"

    def when(self) -> datetime:
        return datetime.fromisoformat(self.ts)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def current_user() -> str:
    """The login name; a uid when there is no passwd entry (some containers)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def new_entry(**fields: Any) -> AuditEntry:
    """An entry stamped with now, this user, host and process."""
    base = {"ts": now_iso(), "user": current_user(), "host": socket.gethostname()}
    return AuditEntry.model_validate({**base, "pid": os.getpid(), **fields})


def output_sha256(output: Any) -> str:
    """The sha256 of the output as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(output, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class AuditRead:
    """What the reader found: the entries in file order and how many lines it could not read."""

    entries: list[AuditEntry] = field(default_factory=list)
    unreadable: int = 0


def default_audit_path() -> Path:
    return state_dir() / "audit.jsonl"


class AuditLog:
    """An append-only JSONL file of AuditEntry lines; see the module docstring for why."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_audit_path()

    def append(self, entry: AuditEntry) -> None:
        """Write one redacted entry and fsync it; raises AuditError when it cannot."""
        data = redact_data(entry.model_dump(mode="json"))
        line = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
        try:
            raw = line.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (bad bytes, a model's "\udcff"): marked
            raw = SURROGATE.sub("\ufffd", line).encode("utf-8")
        try:
            self._write(raw)
        except OSError as exc:
            raise AuditError(f"cannot write the audit log at {self.path}: {exc}") from exc

    def _write(self, line: bytes) -> None:
        created = not self.path.parent.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.path, flags, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # the last write was cut short: keep ours whole
            written = os.write(fd, line)
            if written != len(line):
                raise OSError(f"short write ({written} of {len(line)} bytes)")
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            _fsync_dir(self.path.parent)

    def read(self) -> AuditRead:
        """Every readable entry in order; a missing file is an empty log."""
        found = AuditRead()
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return found
        except OSError as exc:
            raise AuditError(f"cannot read the audit log at {self.path}: {exc}") from exc
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            try:
                found.entries.append(AuditEntry.model_validate_json(line))
            except ValidationError:
                found.unreadable += 1
        return found


def logged_action(
    tool: str,
    args: dict[str, Any],
    action: Callable[[], T],
    *,
    request: str,
    approved_by: str = "user",
    risk: str = "write",
    log: AuditLog | None = None,
) -> T:
    """Run a change the user asked for outside the executor (``undo``, ``scripts rm``) with
    the same promise as a step: a ``started`` entry first (raises AuditError, and nothing
    runs, if it cannot be written), then ``done`` or ``failed``."""
    log = log or AuditLog()
    step_id, start = uuid.uuid4().hex[:12], time.perf_counter()
    fields = {"step_id": step_id, "request": request, "tool": tool, "args": args, "risk": risk}
    log.append(new_entry(**fields, approved_by=approved_by, status="started"))
    error: str | None = None
    try:
        return action()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        end = new_entry(
            **fields,
            approved_by=approved_by,
            status="failed" if error else "done",
            duration_s=round(time.perf_counter() - start, 6),
            error=error,
        )
        with contextlib.suppress(AuditError):  # it ran; a lost end entry must not hide that
            log.append(end)


def _fsync_dir(path: Path) -> None:
    """A new file's directory entry is durable only once its directory is synced."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``1h``, ``30m``, ``2d``, ``1w`` ago, or an ISO date/time (UTC when no zone is given)."""
    now = now or datetime.now(UTC)
    m = SINCE.match(text)
    if m:
        return now - timedelta(**{UNITS[m.group(2).lower()]: int(m.group(1))})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise AuditError(
            f"cannot read --since {text!r} - use e.g. 30m, 1h, 2d, 1w or 2026-01-31T12:00"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class AuditFilter:
    """What ``llmos audit`` narrows the log to; empty fields match everything."""

    since: datetime | None = None
    risk: str | None = None
    status: str | None = None
    grep: str | None = None
    last: int | None = None

    def matches(self, entry: AuditEntry) -> bool:
        if self.since is not None and entry.when() < self.since:
            return False
        if self.risk and entry.risk != self.risk.lower():
            return False
        if self.status and entry.status != self.status.lower():
            return False
        if self.grep:
            return self.grep.lower() in entry.model_dump_json().lower()
        return True

    def apply(self, entries: Iterable[AuditEntry]) -> list[AuditEntry]:
        kept = [e for e in entries if self.matches(e)]
        return kept[-self.last :] if self.last and self.last > 0 else kept


COLUMNS = ("time", "risk", "status", "approved_by", "command", "request")


def entry_row(entry: AuditEntry, width: int = 60) -> list[str]:
    """The table row of one entry: local time to the second, long fields cut to ``width``."""
    local = entry.when().astimezone().strftime("%Y-%m-%d %H:%M:%S")
    status = entry.status if entry.exit_code is None else f"{entry.status} ({entry.exit_code})"
    return [
        local,
        entry.risk,
        status,
        entry.approved_by or "",
        short(entry.command(), width),
        short(entry.request, width),
    ]


def audit_report(
    last: int | None = 50,
    since: str | None = None,
    risk: str | None = None,
    status: str | None = None,
    grep: str | None = None,
    as_json: bool = False,
    log: AuditLog | None = None,
) -> tuple[list[str], str | None]:
    """``llmos audit``: the lines to print, and a note about unreadable lines (or None)."""
    log = log or AuditLog()
    found = log.read()
    note = None
    if found.unreadable:
        s = "s" if found.unreadable != 1 else ""
        note = f"{found.unreadable} unreadable line{s} in {log.path} skipped (a write cut short)"
    if not found.entries:
        return ["no audit entries yet"], note
    when = parse_since(since) if since else None
    kept = AuditFilter(when, risk, status, grep, last or None).apply(found.entries)
    if as_json:
        return [e.model_dump_json() for e in kept], note
    if not kept:
        return ["no audit entries match"], note
    return plain_table(list(COLUMNS), [entry_row(e) for e in kept]), note


def plain_table(columns: list[str], rows: list[list[str]]) -> list[str]:
    """Columns padded to their widest cell, for a terminal or a pipe alike."""
    widths = [max(len(c) for c in col) for col in zip(columns, *rows, strict=True)]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [columns, *rows]
    ]
