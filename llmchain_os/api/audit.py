"""What was done, and taking it back: the audit log (shown, verified) and the trash (undo)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from llmchain_os.exitcodes import ExitCode

if TYPE_CHECKING:
    from llmchain_os.safety.audit import AuditLog


@dataclass(frozen=True)
class AuditReport:
    """``llmos audit`` and ``/audit``: the lines to print; ``note`` says what was skipped,
    ``error`` why there is no report (a bad --since)."""

    lines: list[str] = field(default_factory=list)
    note: str | None = None
    error: str | None = None


def audit_report(
    last: int | None = 50,
    since: str | None = None,
    risk: str | None = None,
    status: str | None = None,
    grep: str | None = None,
    as_json: bool = False,
    log: AuditLog | None = None,
) -> AuditReport:
    """The audit log's last ``last`` entries (0 or None: all) that pass the filters."""
    from llmchain_os.safety.audit import AuditError
    from llmchain_os.safety.audit import audit_report as report

    try:
        lines, note = report(last, since, risk, status, grep, as_json=as_json, log=log)
    except AuditError as exc:
        return AuditReport(error=str(exc))
    return AuditReport(lines, note)


def verify_audit(log: AuditLog | None = None) -> tuple[str, int]:
    """``llmos audit verify`` and ``/audit verify``: does the log's hash chain hold?

    Returns one line (ok with the count, or the first problem) and the exit code."""
    from llmchain_os.safety.audit import AuditError, AuditLog

    try:
        found = (log or AuditLog()).verify()
    except AuditError as exc:
        return str(exc), ExitCode.UNVERIFIED
    return found.summary(), ExitCode.DONE if found.ok else ExitCode.UNVERIFIED


def undo_last() -> list[str]:
    """/undo and ``llmos undo``: restore what the last delete or overwrite put in the trash.

    It only puts things back; a path that exists again is left alone and reported. Returns
    the lines that say what came back and what did not."""
    from llmchain_os.safety.audit import AuditError, logged_action
    from llmchain_os.safety.trash import undo_last as restore

    try:
        return logged_action("undo", {}, lambda: restore().lines(), request="undo")
    except AuditError as exc:  # nothing unlogged changes the machine, undo included
        return [f"Nothing restored: {exc}"]


def trash_listing() -> list[str]:
    """``llmos undo --list``: the batches in the trash, newest first, one line each."""
    from llmchain_os.safety.trash import list_batches

    return [batch.line() for batch in reversed(list_batches())] or ["The trash is empty."]
