"""When a saved script runs by itself: schedules in words, cron lines, and the jobs file.

Why it works this way:

- The user's crontab is the truth for "is it scheduled"; ``data_dir()/jobs.json`` keeps what
  was approved (the script's sha256 at that time), so ``llmos jobs`` can list jobs without
  cron and ``scripts run --job ID`` can refuse a script edited since it was approved.
  ``list_jobs`` reports where the two disagree.
- The crontab is read with ``crontab -l`` and written with ``crontab -`` (argv lists, the text
  on stdin). Only lines ending in ``# llmchain-os job ID`` are ours; every other line is
  written back byte for byte.
- Schedules are read from a few plain phrasings or a raw cron line checked field by field;
  anything else is an error with an example, never a guess.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from llmchain_os.errors import ToolError
from llmchain_os.paths import atomic_write, data_dir
from llmchain_os.scripts.cron import ScheduleError, describe, parse_schedule

if TYPE_CHECKING:
    from llmchain_os.scripts.library import ScriptLibrary

__all__ = [
    "Crontab",
    "Job",
    "JobError",
    "JobListing",
    "JobNotFound",
    "ScheduleError",
    "Scheduler",
    "describe",
    "get_job",
    "parse_schedule",
]

MARKER = re.compile(r"#\s*llmchain-os job ([0-9a-f]{4,32})\s*$")
XDG_VARS = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")
CRONTAB_TIMEOUT_S = 15.0


class JobError(ToolError):
    """The crontab or the jobs file could not be read or written; the message says why."""


class JobNotFound(JobError):
    """No job has that id."""


class Job(BaseModel):
    """A script approved to run on a schedule, as jobs.json keeps it."""

    id: str
    script: str
    sha256: str  # the script's hash when the job was approved
    cron: str
    words: str
    created: str
    command: str  # what cron runs

    def line(self) -> str:
        return f"{self.cron} {self.command}  # llmchain-os job {self.id}"


# -- the crontab ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Crontab:
    """The ``crontab`` program for one user (None: the user running llmos)."""

    program: str = "crontab"
    user: str | None = None

    def _argv(self, *args: str) -> list[str]:
        return [self.program, *(["-u", self.user] if self.user else []), *args]

    def read(self) -> str:
        """The crontab's text; no crontab yet is the empty text."""
        done = self._run(self._argv("-l"), None)
        if done.returncode != 0:
            if b"no crontab" in done.stderr.lower():
                return ""
            raise JobError(f"crontab -l failed: {_err(done)}")
        return done.stdout.decode("utf-8", "surrogateescape")

    def write(self, text: str) -> None:
        if text and not text.endswith("\n"):
            text += "\n"  # cron ignores a last line without a newline
        done = self._run(self._argv("-"), text.encode("utf-8", "surrogateescape"))
        if done.returncode != 0:
            raise JobError(f"crontab refused the new table: {_err(done)}")

    def _run(self, argv: list[str], stdin: bytes | None) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(
                argv, input=stdin, capture_output=True, timeout=CRONTAB_TIMEOUT_S, check=False
            )
        except FileNotFoundError:
            raise JobError(
                f"{self.program} is not installed - install cron (e.g. apt install cron)"
            ) from None
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise JobError(f"cannot run {self.program}: {exc}") from None


def _err(done: subprocess.CompletedProcess[bytes]) -> str:
    text = done.stderr.decode("utf-8", "replace").strip()
    return text or f"exit code {done.returncode}"


def our_lines(text: str) -> dict[str, str]:
    """Job id -> its crontab line, for the lines llmchain-os wrote."""
    return {job: line for line in text.splitlines() if (job := _line_id(line))}


def without_job(text: str, job_id: str) -> str:
    """The crontab text minus job ``job_id``'s line; every other line kept as it was."""
    kept = [ln for ln in text.splitlines(keepends=True) if _line_id(ln) != job_id]
    return "".join(kept)


def _line_id(line: str) -> str | None:
    m = MARKER.search(line.rstrip("\n"))
    return m.group(1) if m and not line.lstrip().startswith("#") else None


# -- the jobs file -------------------------------------------------------------------------
def jobs_path() -> Path:
    return data_dir() / "jobs.json"


def load_jobs(path: Path | None = None) -> dict[str, Job]:
    path = path or jobs_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {j["id"]: Job.model_validate(j) for j in raw.get("jobs", [])}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise JobError(f"cannot read the jobs file {path}: {exc} - fix or remove it") from None


def store_jobs(jobs: dict[str, Job], path: Path | None = None) -> None:
    """Write the whole file to a temporary name and move it over: never half a file."""
    path = path or jobs_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = {"jobs": [j.model_dump() for j in sorted(jobs.values(), key=lambda j: j.created)]}
    try:
        atomic_write(path, json.dumps(data, indent=2) + "\n", 0o600)
    except OSError as exc:
        raise JobError(f"cannot write the jobs file {path}: {exc}") from None


def get_job(job_id: str, path: Path | None = None) -> Job:
    """The approved job ``job_id`` from the jobs file (``scripts run --job`` checks it)."""
    job = load_jobs(path).get(job_id)
    if job is None:
        raise JobNotFound(f"No job {job_id!r} - 'llmos jobs' lists them")
    return job


def job_command(script: str, job_id: str) -> str:
    """What cron runs: this Python, the script by name, the job id to check the hash against.

    XDG variables set here are passed on, so the cron run finds the same library and logs.
    """
    env = [f"{var}={shlex.quote(os.environ[var])}" for var in XDG_VARS if os.environ.get(var)]
    argv = [sys.executable, "-m", "llmchain_os", "scripts", "run", script, "--job", job_id]
    command = " ".join([*env, shlex.join(argv)])
    return command.replace("%", "\\%")  # cron turns a bare % into a newline


def _job_of_script(jobs: dict[str, Job], name: str) -> str:
    """The id of the one job that runs script ``name``; ``name`` itself when none does."""
    ids = [j.id for j in jobs.values() if j.script == name]
    if len(ids) > 1:
        raise JobError(f"{name} has {len(ids)} jobs ({', '.join(ids)}) - say which id to remove")
    return ids[0] if ids else name


# -- jobs: crontab and file together -------------------------------------------------------
@dataclass
class JobListing:
    """The jobs, whether the crontab has each, and any disagreement, in words."""

    jobs: list[Job]
    scheduled: set[str]  # ids whose line is in the crontab
    problems: list[str]


class Scheduler:
    """Adds, removes and lists jobs; the crontab, jobs file and library are injectable."""

    def __init__(
        self,
        crontab: Crontab | None = None,
        path: Path | None = None,
        library: ScriptLibrary | None = None,
    ) -> None:
        self.crontab = crontab or Crontab()
        self.path = path
        self._library = library

    def library(self) -> ScriptLibrary:
        if self._library is None:
            from llmchain_os.scripts.library import ScriptLibrary

            self._library = ScriptLibrary()
        return self._library

    def add(self, script: str, when: str) -> Job:
        """Schedule saved script ``script``; the crontab line is written first, then the file."""
        schedule = parse_schedule(when)
        sha = self.library().current_sha256(script)
        jobs = load_jobs(self.path)
        for job in jobs.values():
            if job.script == script and job.cron == schedule.cron:
                raise JobError(
                    f"{script} is already scheduled {job.words} (job {job.id}) - "
                    f"'llmos jobs rm {job.id}' first"
                )
        job_id = uuid.uuid4().hex[:8]
        created = datetime.now(UTC).isoformat(timespec="seconds")
        job = Job(
            id=job_id,
            script=script,
            sha256=sha,
            cron=schedule.cron,
            words=schedule.words,
            created=created,
            command=job_command(script, job_id),
        )
        text = self.crontab.read()
        sep = "" if not text or text.endswith("\n") else "\n"
        self.crontab.write(f"{text}{sep}{job.line()}\n")
        store_jobs({**jobs, job.id: job}, self.path)
        return job

    def remove(self, job_id: str) -> Job:
        """Take job ``job_id`` out of the crontab and the file (either may lack it).

        A script's name does too, when that script has exactly one job."""
        jobs = load_jobs(self.path)
        text = self.crontab.read()
        job_id = _job_of_script(jobs, job_id) if job_id not in jobs else job_id
        in_cron = job_id in our_lines(text)
        job = jobs.pop(job_id, None)
        if job is None and not in_cron:
            raise JobNotFound(f"No job {job_id!r} - 'llmos jobs' lists them")
        if in_cron:
            self.crontab.write(without_job(text, job_id))
        store_jobs(jobs, self.path)
        if job is None:  # only a crontab line was left: report what it was
            return Job(
                id=job_id, script="?", sha256="", cron="?", words="?", created="", command=""
            )
        return job

    def list(self) -> JobListing:
        jobs = load_jobs(self.path)
        try:
            lines = our_lines(self.crontab.read())
        except JobError as exc:
            return JobListing(list(jobs.values()), set(), [f"cannot tell what is scheduled: {exc}"])
        problems = [
            f"job {i} ({j.script}) is not in the crontab: it will not run - "
            f"'llmos jobs rm {i}' and schedule it again"
            for i, j in jobs.items()
            if i not in lines
        ]
        problems += [
            f"the crontab has llmchain-os job {i} that jobs.json does not know - "
            f"'llmos jobs rm {i}' removes it"
            for i in lines
            if i not in jobs
        ]
        problems += [
            f"job {i}'s crontab line was edited by hand: {lines[i]!r}"
            for i, j in jobs.items()
            if i in lines and lines[i].strip() != j.line()
        ]
        return JobListing(list(jobs.values()), set(lines) & set(jobs), problems)
