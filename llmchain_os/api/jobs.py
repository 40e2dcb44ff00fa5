"""Scheduled jobs: listed, removed when asked, and the approval a cron run carries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmchain_os.api.session import Session, confirmed, run_confirmed
from llmchain_os.exitcodes import ExitCode

if TYPE_CHECKING:
    from llmchain_os.agent.plan import Step
    from llmchain_os.agent.policy import Decision


class JobNotApproved(Exception):
    """A ``--job`` run that the job no longer vouches for; the message says why."""


def job_lines() -> list[str]:
    """``llmos jobs`` and ``/jobs``: a plain table of the jobs, then what disagrees and what
    to know. Raises ToolError when the jobs file or the crontab cannot be read."""
    from llmchain_os.tools.jobs import job_lines as lines

    return lines()


def remove_job_asked(
    session: Session, job_id: str, ask: Callable[[str], str] | None, yes: bool = False
) -> tuple[str, int]:
    """``llmos jobs rm`` and ``/jobs rm``: name the job, ask y/N (unless ``yes``), remove it.

    Nobody to ask (``ask`` None) and no ``yes`` removes nothing. Returns what to print and
    the exit code."""
    from llmchain_os.scripts.schedule import JobError, get_job

    try:
        job = get_job(job_id)
        what = f"job {job.id} ({job.script}, {job.words})"
    except JobError:  # perhaps only a crontab line is left; remove_job cleans that up too
        what = f"job {job_id}"
    if not yes:
        if ask is None:
            return f"Not removed: {what} - add --yes to remove it unasked", ExitCode.DECLINED
        if not confirmed(ask, f"Remove {what}? [y/N] "):
            return "Not removed.", ExitCode.DECLINED
    result = run_confirmed(session, "remove_job", {"job": job_id}, f"jobs rm {job_id}", yes)
    record = result.steps[-1]
    return record.summary or record.error or "", result.exit_code


def job_refusal(job_id: str, script: str) -> str | None:
    """Why job ``job_id`` may not run ``script`` now; None while the job still vouches for it
    (it exists, names this script, and the file has the hash approved when it was scheduled)."""
    from llmchain_os.scripts.library import ScriptLibrary
    from llmchain_os.scripts.schedule import JobError, get_job

    try:
        job = get_job(job_id)
    except JobError as exc:
        return str(exc)
    if job.script != script:
        return f"job {job_id} runs {job.script}, not {script}"
    if job.sha256 != ScriptLibrary().current_sha256(script):
        return (
            "the script changed since it was scheduled - run it by hand, or schedule it again "
            "to approve the new text"
        )
    return None


@dataclass(frozen=True)
class JobApprover:
    """The approver of a cron run (``llmos scripts run NAME --job ID``), nobody to ask: it
    approves the text approved when the job was scheduled, and only that text."""

    job_id: str
    script: str
    sha256: str

    @property
    def audit_name(self) -> str:
        """Who approved the step, as the audit log says it."""
        return f"job {self.job_id}"

    def __call__(self, step: Step, decision: Decision) -> bool:
        """The text judged now must be the approved one: the file could change between the
        job check and the judgement."""
        from llmchain_os.tools.scripts import assessed_sha256

        return assessed_sha256(self.script) == self.sha256


def job_approver(job_id: str, script: str) -> JobApprover:
    """The approver for a run of ``script`` as job ``job_id``; raises JobNotApproved."""
    from llmchain_os.scripts.schedule import get_job

    refusal = job_refusal(job_id, script)
    if refusal is not None:
        raise JobNotApproved(refusal)
    return JobApprover(job_id, script, get_job(job_id).sha256)
