"""Scheduled jobs as tools: schedule a saved script, list the jobs, remove one.

Scheduling writes the user's crontab, so it is a write step the policy asks about (``--yes``
approves it) - or, when the script itself is worse (destructive, privileged), a step of that
risk, since cron will run it with nobody to ask. The job keeps the script's sha256, so an
edited script does not run unapproved.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, Field

from llmchain_os.errors import ToolError
from llmchain_os.safety.risk import Assessment, Risk
from llmchain_os.scripts.schedule import Job, JobListing, Scheduler
from llmchain_os.tools import script_cards
from llmchain_os.tools.base import Table, Tool, ToolOutput, tool


class JobScheduled(ToolOutput):
    job: str
    script: str
    cron: str
    words: str
    sha256: str

    def summary(self) -> str:
        return f"{self.script} will run {self.words} (cron `{self.cron}`), as job {self.job}."

    def subject(self) -> dict[str, Any]:
        return {"job": self.job, "script": self.script}


class JobRow(BaseModel):
    id: str
    script: str
    words: str
    cron: str
    scheduled: bool  # its line is in the crontab
    created: str


class JobList(ToolOutput):
    jobs: list[JobRow]
    problems: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    def summary(self) -> str:
        if not self.jobs:
            head = "No scheduled jobs."
        else:
            each = "; ".join(f"{j.script} {j.words} (job {j.id})" for j in self.jobs)
            head = f"{len(self.jobs)} scheduled job{'s' if len(self.jobs) != 1 else ''}: {each}."
        return " ".join([head, *self.problems, *self.notes])

    def table(self) -> Table | None:
        if not self.jobs:
            return None
        rows = [
            [j.id, j.script, j.words, j.cron, "yes" if j.scheduled else "NO", j.created]
            for j in self.jobs
        ]
        return Table("Jobs", ["id", "script", "when", "cron", "in crontab", "created"], rows)

    def subject(self) -> dict[str, Any]:
        return {"job": self.jobs[-1].id, "script": self.jobs[-1].script} if self.jobs else {}


class JobRemoved(ToolOutput):
    job: str
    script: str
    words: str

    def summary(self) -> str:
        return f"Job {self.job} ({self.script}, {self.words}) is removed; it will not run again."


def job_list(listing: JobListing) -> JobList:
    """The listing as a tool result, with what the scheduler cannot promise in ``notes``."""
    rows = [
        JobRow(
            id=j.id,
            script=j.script,
            words=j.words,
            cron=j.cron,
            scheduled=j.id in listing.scheduled,
            created=j.created,
        )
        for j in listing.jobs
    ]
    return JobList(jobs=rows, problems=listing.problems, notes=scheduler_notes())


def scheduler_notes() -> list[str]:
    """Why a listed job might still not run: no cron daemon; and that cron beats timers."""
    notes = []
    if not cron_running():
        notes.append("No cron daemon is running, so jobs will not start until it does.")
    if systemd_user_available():
        notes.append("systemd user timers are available; llmchain-os schedules with cron anyway.")
    return notes


def cron_running() -> bool:
    import psutil

    names = {"cron", "crond", "cronie", "busybox-crond"}
    return any(p.info["name"] in names for p in psutil.process_iter(["name"]))


def systemd_user_available() -> bool:
    if shutil.which("systemctl") is None:
        return False
    try:
        done = subprocess.run(
            ["systemctl", "--user", "show-environment"], capture_output=True, timeout=3, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def schedule_risk(scheduler: Callable[[], Scheduler]) -> Callable[[BaseModel], Assessment]:
    """A write (the crontab), or the script's own risk when worse: cron runs it unasked,
    so --yes alone must not approve a destructive script for every night."""

    def assess(args: BaseModel) -> Assessment:
        name = str(getattr(args, "script", ""))
        try:
            from llmchain_os.scripts.lint import assess_script

            lib = scheduler().library()
            record, text = lib.read(name)
            worst = assess_script(text, record.language)
        except ToolError:  # no such script: the step fails when it runs
            return Assessment(Risk.WRITE, "it adds a job to your crontab")
        if worst.denied or worst.risk.rank > Risk.WRITE.rank:
            why = f"cron will run {name} unasked, and it is {worst.risk.value}: {worst.reason}"
            return Assessment(worst.risk, why, worst.denied)
        return Assessment(Risk.WRITE, f"it adds {name} to your crontab")

    return assess


def job_tools(scheduler: Callable[[], Scheduler] = Scheduler) -> list[Tool]:
    """The three job tools over ``scheduler()`` (tests pass one with a throwaway user)."""

    @tool(risk=schedule_risk(scheduler), risk_from="the script", card=script_cards.SCHEDULE)
    def schedule_script(
        script: Annotated[str, Field(description="a saved script's name", max_length=40)],
        when: Annotated[str, Field(description="e.g. 'every night at 2'", max_length=80)],
    ) -> JobScheduled:
        """Schedule a saved script to run by itself, through the user's crontab."""
        job: Job = scheduler().add(script, when)
        return JobScheduled(
            job=job.id, script=job.script, cron=job.cron, words=job.words, sha256=job.sha256
        )

    @tool(risk=Risk.READ)
    def list_jobs() -> JobList:
        """List the scheduled jobs, and any that the crontab and the jobs file disagree on."""
        return job_list(scheduler().list())

    @tool(risk=Risk.WRITE, card=script_cards.REMOVE_JOB_CARD)
    def remove_job(
        job: Annotated[str, Field(description="a job id from list_jobs", max_length=32)],
    ) -> JobRemoved:
        """Remove a scheduled job from the crontab."""
        gone = scheduler().remove(job)
        return JobRemoved(job=gone.id, script=gone.script, words=gone.words)

    return [schedule_script, list_jobs, remove_job]


TOOLS = job_tools()


def job_lines(scheduler: Scheduler | None = None) -> list[str]:
    """``llmos jobs``: a plain table of the jobs, then what disagrees and what to know."""
    out = job_list((scheduler or Scheduler()).list())
    table = out.table()
    from llmchain_os.safety.audit import plain_table

    lines = plain_table(table.columns, table.rows) if table else ["no scheduled jobs"]
    return lines + [f"! {p}" for p in out.problems] + [f"note: {n}" for n in out.notes]
