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
- Tamper-evident: each entry carries ``seq`` (1, 2, 3 ... over the chained entries) and
  ``prev``, the sha256 of the exact bytes of the line before it, newline excluded (the first
  line of a file chains to ``GENESIS``, 64 zeros). After each append ``audit.head`` beside the
  log is replaced atomically with that entry's seq and its line's hash; if that write fails
  ``append`` raises AuditError as for the entry itself (the step is refused).
  Appends stay O(1): under an exclusive ``flock`` the writer reads the head and the last line
  (backwards from the end), never the whole file. A torn line is chained over like any other
  line (the next entry's ``prev`` is its hash), so ``verify`` reports it at its spot and its
  later removal shows too.
- What ``AuditLog.verify`` finds: a changed line (the next line's ``prev``, or the head for
  the last line, stops matching: it cannot tell an edited line from a forged next line, and
  blames the edit unless the next line lies past the head); removed lines (a gap in ``seq``);
  a line added by hand with a wrong ``prev`` or ``seq``, with no link after the chain began,
  or past the head; lines cut from the end (the last seq is below the head's, or the head is
  missing; an entry appended after a cut shows a gap, as seq goes on from the head); a torn
  line. What it cannot find: a rewrite that recomputes every later
  ``prev`` and the head (anyone who can write both files can; keep the head hash that
  ``llmos audit verify`` prints somewhere else to catch that); changes among entries written
  before the chain (counted as unchained, not failed); a deleted log together with its head.
  A crash between an entry and its head write shows as a line past the head until the next
  append heals it; so can a power cut, as the head's rename is not fsync'd on its folder.
"""

from __future__ import annotations

import contextlib
import fcntl
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
from llmchain_os.safety.program_words import short
from llmchain_os.safety.redact import redact_data

T = TypeVar("T")
SURROGATE = re.compile("[\ud800-\udfff]")

STARTED = "started"
SINCE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.I)
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
GENESIS = "0" * 64  # what the first line of a log chains to
BLOCK = 4096  # how much of the file's end the writer reads at a time to find the last line


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
    seq: int | None = None  # set by AuditLog.append: the entry's place in the chain
    prev: str | None = None  # set by AuditLog.append: the sha256 of the line before

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


class AuditHead(BaseModel):
    """``audit.head``: where the log ended after the last append, so a cut end shows."""

    seq: int
    sha256: str


def line_hash(line: bytes) -> str:
    """The chain's hash of one line: the sha256 of its exact bytes, without the newline."""
    return hashlib.sha256(line).hexdigest()


class AuditLog:
    """An append-only JSONL file of AuditEntry lines; see the module docstring for why."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_audit_path()

    @property
    def head_path(self) -> Path:
        return self.path.with_suffix(".head")

    def append(self, entry: AuditEntry) -> None:
        """Write one redacted, chained entry, fsync it and move the head on; raises AuditError
        when it cannot."""
        data = redact_data(entry.model_dump(mode="json", exclude={"seq", "prev"}))
        try:
            self._write(data)
        except OSError as exc:
            raise AuditError(f"cannot write the audit log at {self.path}: {exc}") from exc

    def _write(self, data: dict[str, Any]) -> None:
        created = not self.path.parent.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.path, flags, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # the last line and the head must stay ours
            self._append_locked(fd, data)
        finally:
            os.close(fd)  # and the lock with it
        if created:
            _fsync_dir(self.path.parent)

    def _append_locked(self, fd: int, data: dict[str, Any]) -> None:
        size = os.fstat(fd).st_size
        last = _last_line(fd, size)
        seq = self._next_seq(last)
        line = _encode({**data, "seq": seq, "prev": line_hash(last) if size else GENESIS})
        raw = line + b"\n"
        if size and os.pread(fd, 1, size - 1) != b"\n":
            raw = b"\n" + raw  # the last write was cut short: keep ours whole
        written = os.write(fd, raw)
        if written != len(raw):
            raise OSError(f"short write ({written} of {len(raw)} bytes)")
        os.fsync(fd)
        self._write_head(AuditHead(seq=seq, sha256=line_hash(line)))

    def _next_seq(self, last: bytes) -> int:
        """One past the head's seq or the last line's, whichever is further on: after a cut
        end the next entry then shows a gap instead of quietly chaining on."""
        seqs = [0]
        with contextlib.suppress(ValueError):
            head = self.load_head()
            seqs += [head.seq] if head else []
        with contextlib.suppress(ValueError):
            link = _link_of(last)
            seqs += [link[0]] if link else []
        return max(seqs) + 1

    def load_head(self) -> AuditHead | None:
        """The head, None when there is none; raises ValueError when it cannot be read as one."""
        try:
            return AuditHead.model_validate_json(self.head_path.read_bytes())
        except FileNotFoundError:
            return None

    def _write_head(self, head: AuditHead) -> None:
        """Replace the head atomically: a reader sees the old one or the new, never half."""
        tmp = self.head_path.with_name(f"{self.head_path.name}.{os.getpid()}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(tmp, flags, 0o600)
        try:
            os.write(fd, head.model_dump_json().encode() + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.head_path)

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

    def verify(self) -> AuditVerification:
        """Check the hash chain line by line, and the log's end against the head.

        Every problem is listed in file order; the module docstring says what can and cannot
        be found. Raises AuditError when the log or its head cannot be read at all."""
        try:
            raw, head_bytes = self._snapshot()
        except OSError as exc:
            raise AuditError(f"cannot read the audit log at {self.path}: {exc}") from exc
        result = AuditVerification(self.path)
        head = _parse_head(head_bytes, result)
        if raw is not None:
            _ChainCheck(result, head).scan(raw)
        elif head is not None:
            why = f"the log is missing, but {result.head_name} records {head.seq} entries"
            result.problems.append(AuditProblem(None, why))
        return result

    def _snapshot(self) -> tuple[bytes | None, bytes | None]:
        """The log's bytes and the head's, under a shared lock so no append is half seen."""
        try:
            fh = self.path.open("rb")
        except FileNotFoundError:
            return None, _read_or_none(self.head_path)
        with fh:
            fcntl.flock(fh, fcntl.LOCK_SH)
            return fh.read(), _read_or_none(self.head_path)


def _encode(data: Any) -> bytes:
    line = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    try:
        return line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (bad bytes, a model's "\udcff"): marked
        return SURROGATE.sub("\ufffd", line).encode("utf-8")


def _last_line(fd: int, size: int) -> bytes:
    """The file's last line without its newline (b"" for an empty file), read backwards in
    blocks: the cost is the line's length, not the file's."""
    tail, pos = b"", size
    while pos > 0:
        step = min(BLOCK, pos)
        pos -= step
        tail = os.pread(fd, step, pos) + tail
        cut = tail.rfind(b"\n", 0, len(tail) - 1)  # a newline before the final byte
        if cut >= 0:
            tail = tail[cut + 1 :]
            break
    return tail.removesuffix(b"\n")


def _link_of(line: bytes) -> tuple[int, str] | None:
    """The (seq, prev) an entry line carries, None for one written before the chain; raises
    ValueError when the line is no entry (torn, or edited out of shape)."""
    data = json.loads(line)
    AuditEntry.model_validate(data)  # pydantic's ValidationError is a ValueError
    if "prev" not in data:
        return None
    seq, prev = data.get("seq"), data["prev"]
    if not isinstance(seq, int) or not isinstance(prev, str):
        raise ValueError("seq or prev is not what append writes")
    return seq, prev


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _parse_head(raw: bytes | None, result: AuditVerification) -> AuditHead | None:
    if raw is None:
        return None
    try:
        return AuditHead.model_validate_json(raw)
    except ValidationError:
        result.problems.append(AuditProblem(None, f"{result.head_name} is unreadable"))
        return None


@dataclass(frozen=True)
class AuditProblem:
    """One break in the chain: the line to look at (None for the file as a whole) and why."""

    line: int | None
    why: str


@dataclass
class AuditVerification:
    """What ``AuditLog.verify`` found: chained and older entries, and every problem."""

    path: Path
    entries: int = 0  # chained entries checked
    unchained: int = 0  # entries written before the chain
    head: str | None = None  # the hash of the last line, to keep somewhere else
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def head_name(self) -> str:
        return self.path.with_suffix(".head").name

    def summary(self) -> str:
        """One line: ok with the count and the head hash, or the first problem."""
        if self.problems:
            more = len(self.problems) - 1
            tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
            return f"audit log NOT verified: {self.problems[0].why}{tail} - {self.path}"
        old = f"{self.unchained} unchained (written before the chain)" if self.unchained else ""
        if not self.entries:
            return f"ok: {old or 'no audit entries yet'} - {self.path}"
        old = f", {old}" if old else ""
        return f"ok: {self.entries} entries chained{old}, head {self.head} - {self.path}"


class _ChainCheck:
    """One pass over the log's lines in order, noting every break in the chain."""

    def __init__(self, result: AuditVerification, head: AuditHead | None) -> None:
        self.result, self.head = result, head
        self.before: bytes | None = None  # the line before the one being checked
        self.seq = 0  # the last chained entry's seq
        self.at_head: tuple[int, bytes] | None = None  # the line with the head's seq
        self.past_head: int | None = None  # the first whole line after that

    def problem(self, line: int | None, why: str) -> None:
        self.result.problems.append(AuditProblem(line, why))

    def scan(self, raw: bytes) -> None:
        *lines, tail = raw.split(b"\n")
        for number, line in enumerate(lines, 1):
            past = self.at_head is not None
            if past and self.past_head is None:
                self.past_head = number
            self.check(number, line, past)
        if tail:
            number = len(lines) + 1
            self.problem(number, f"the log ends in a torn line: line {number}, a write cut short")
        self.result.head = line_hash(lines[-1]) if lines else None
        self.check_end()

    def check(self, number: int, line: bytes, past: bool) -> None:
        try:
            link = _link_of(line)
        except ValueError:
            why = f"line {number} is torn or no entry (a write cut short, or edited)"
            self.problem(number, why)
        else:
            if link is not None:
                self.chained(number, line, link, past)
            elif self.result.entries:
                self.problem(number, f"line {number} has no chain link (added by hand)")
            else:
                self.result.unchained += 1
        self.before = line

    def chained(self, number: int, line: bytes, link: tuple[int, str], past: bool) -> None:
        seq, prev = link
        expected, self.seq = self.seq + 1, seq
        self.result.entries += 1
        if self.head is not None and seq == self.head.seq and self.at_head is None:
            self.at_head = number, line
        if seq > expected:
            gap = seq - expected
            missing = "an entry is" if gap == 1 else f"{gap} entries are"
            self.problem(number, f"{missing} missing before line {number}")
        elif seq < expected:
            why = f"line {number} is out of order (entry {seq} after {expected - 1})"
            self.problem(number, why)
        elif prev != (GENESIS if self.before is None else line_hash(self.before)):
            if past or self.before is None:
                self.problem(number, f"line {number} was added by hand (its prev does not match)")
            else:
                why = f"line {number - 1} was changed (line {number}'s prev does not match it)"
                self.problem(number - 1, why)

    def check_end(self) -> None:
        """The head's word on the end: nothing cut from it and nothing added past it."""
        head, name = self.head, self.result.head_name
        if head is None:
            if self.result.entries:
                self.problem(None, f"{name} is missing: a cut end of the log would not show")
        elif self.at_head is None and self.seq < head.seq:
            why = f"the file was truncated: it ends at entry {self.seq}, {name} at {head.seq}"
            self.problem(None, why)
        elif self.at_head is None:
            self.problem(None, f"{name}'s entry {head.seq} is not in the log: it was rewritten")
        elif line_hash(self.at_head[1]) != head.sha256:
            number = self.at_head[0]
            self.problem(number, f"line {number} was changed (it does not match {name})")
        elif self.past_head is not None and self.past_head not in self.flagged():
            number = self.past_head
            why = f"line {number} was added after the last append's {name} (by hand, or a crash)"
            self.problem(number, why)

    def flagged(self) -> set[int | None]:
        return {p.line for p in self.result.problems}


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
            text = entry.model_dump_json(exclude={"seq", "prev"})  # no hex matches
            return self.grep.lower() in text.lower()
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
