"""Schedules in words, and jobs in a real crontab (a throwaway user's, never yours)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from llmchain_os.scripts.cron import ScheduleError, describe, find_schedule, parse_schedule
from llmchain_os.scripts.library import ScriptLibrary, ScriptNotFound
from llmchain_os.scripts.schedule import (
    Crontab,
    JobError,
    JobNotFound,
    Scheduler,
    get_job,
    jobs_path,
)

FOREIGN = (
    "# m h dom mon dow command  (kept by hand, caf\u00e9)\n"
    'MAILTO=""\n'
    "PATH=/usr/bin:/bin\n"
    "\n"
    "*/5 * * * *\t/usr/bin/true   # trailing spaces and a tab   \n"
    "@reboot echo 'up' >/dev/null 2>&1\n"
    "# 0 3 * * * /bin/false  # llmchain-os job deadbeef (a comment, not a job)\n"
)


# -- words to cron -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "cron", "words"),
    [
        ("every night", "0 2 * * *", "every day at 02:00"),
        ("nightly", "0 2 * * *", "every day at 02:00"),
        ("every night at 2", "0 2 * * *", "every day at 02:00"),
        ("every night at 11", "0 23 * * *", "every day at 23:00"),
        ("daily at 3am", "0 3 * * *", "every day at 03:00"),
        ("every day at 14:30", "30 14 * * *", "every day at 14:30"),
        ("daily at 2:30 pm", "30 14 * * *", "every day at 14:30"),
        ("at noon", "0 12 * * *", "every day at 12:00"),
        ("hourly", "0 * * * *", "every hour"),
        ("every 2 hours", "0 */2 * * *", "every 2 hours"),
        ("every 15 minutes", "*/15 * * * *", "every 15 minutes"),
        ("every minute", "* * * * *", "every minute"),
        ("every monday at 9", "0 9 * * 1", "every Monday at 09:00"),
        ("every monday and thursday at 9pm", "0 21 * * 1,4", "every Monday and Thursday at 21:00"),
        ("weekdays at 8:15", "15 8 * * 1-5", "every weekday at 08:15"),
        ("weekly", "0 0 * * 0", "every Sunday at 00:00"),
        ("monthly", "0 0 1 * *", "on day 1 of every month at 00:00"),
        ("on the 15th at 6", "0 6 15 * *", "on day 15 of every month at 06:00"),
        ("at reboot", "@reboot", "at every boot"),
        ("0 2 * * *", "0 2 * * *", "every day at 02:00"),
        ("*/10 1-5 * jan,jul mon-fri", "*/10 1-5 * jan,jul mon-fri", None),
        ("@daily", "0 0 * * *", "every day at 00:00"),
    ],
)
def test_a_schedule_in_words_becomes_cron(text: str, cron: str, words: str | None) -> None:
    schedule = parse_schedule(text)
    assert schedule.cron == cron
    assert schedule.words == (words or f"on the cron schedule `{cron}`")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("whenever you like", "every night"),
        ("", "No schedule given"),
        ("61 * * * *", "minute field has 61, outside 0-59"),
        ("0 24 * * *", "hour field has 24"),
        ("0 0 0 * *", "day of month field has 0"),
        ("0 0 * 13 *", "month field has 13"),
        ("0 0 * * 8", "day of week field has 8"),
        ("0 0 * * fri-mon", "backwards range"),
        ("0 0 * * xyz", "not a day of week"),
        ("*/0 * * * *", "step of 0"),
        ("every 90 minutes", "use 1-59 minutes"),
        ("at 25", "not a time of day"),
        ("at 13pm", "not a time"),
    ],
)
def test_an_unreadable_schedule_says_what_would_do(text: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse_schedule(text)


def test_describe_quotes_shapes_it_has_no_words_for() -> None:
    assert describe("5 4 * * 0") == "every Sunday at 04:05"
    assert describe("0 4 1,15 * *") == "on the cron schedule `0 4 1,15 * *`"


@pytest.mark.parametrize(
    ("request_text", "phrase"),
    [
        ("run it nightly", "nightly"),
        ("schedule backup-srv every night at 2 please", "every night at 2"),
        ("run backup-srv daily at 3am for me", "daily at 3am"),
        ("schedule backup-srv `30 1 * * 6`", "30 1 * * 6"),
        ("how full is my disk", None),
        ("show every process", None),
    ],
)
def test_the_schedule_is_found_inside_a_request(request_text: str, phrase: str | None) -> None:
    assert find_schedule(request_text) == phrase


# -- a real crontab, a throwaway user ------------------------------------------------------
@contextmanager
def throwaway_user() -> Iterator[str]:
    """A system user made for one test and deleted after it, with its crontab; skips the
    test (saying why) where that cannot be done. Never the real user's crontab."""
    if os.geteuid() != 0:
        pytest.skip("needs root to create a throwaway user for crontab -u")
    for program in ("useradd", "userdel", "crontab"):
        if shutil.which(program) is None:
            pytest.skip(f"{program} is not installed (the cron package provides crontab)")
    name = f"llmos-test-{uuid.uuid4().hex[:8]}"
    made = subprocess.run(
        ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot create a throwaway user: {made.stderr.strip()}")
    try:
        yield name
    finally:
        subprocess.run(["crontab", "-u", name, "-r"], capture_output=True, check=False)
        subprocess.run(["userdel", name], capture_output=True, check=False)


@pytest.fixture
def crontab() -> Iterator[Crontab]:
    """The real crontab program on a throwaway user."""
    with throwaway_user() as name:
        yield Crontab(user=name)


@pytest.fixture
def library(tmp_path: Path) -> ScriptLibrary:
    lib = ScriptLibrary(tmp_path / "scripts")
    lib.save("backup-srv", "tar czf /tmp/x.tgz /srv\n", "bash", "back up /srv")
    lib.save("clean-tmp", "find /tmp -mtime +7 -print\n", "bash", "list old tmp files")
    return lib


def raw_crontab(crontab: Crontab) -> bytes:
    assert crontab.user is not None
    return subprocess.run(
        ["crontab", "-u", crontab.user, "-l"], capture_output=True, check=True
    ).stdout


def test_no_crontab_yet_reads_as_empty(crontab: Crontab) -> None:
    assert crontab.read() == ""


def test_adding_and_removing_a_job_keeps_every_other_line_byte_for_byte(
    crontab: Crontab, library: ScriptLibrary
) -> None:
    crontab.write(FOREIGN)
    assert raw_crontab(crontab) == FOREIGN.encode()
    scheduler = Scheduler(crontab, library=library)

    job = scheduler.add("backup-srv", "every night at 2")

    after = raw_crontab(crontab).decode()
    assert after.startswith(FOREIGN)
    added = after[len(FOREIGN) :]
    assert added == job.line() + "\n"
    assert added.startswith("0 2 * * * ")
    assert added.endswith(f"  # llmchain-os job {job.id}\n")

    scheduler.remove(job.id)

    assert raw_crontab(crontab) == FOREIGN.encode()
    assert scheduler.list().jobs == []


def test_the_cron_line_runs_this_python_on_the_script_with_its_job_id(
    crontab: Crontab, library: ScriptLibrary
) -> None:
    job = Scheduler(crontab, library=library).add("backup-srv", "hourly")

    words = shlex.split(job.command)
    env = dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("-"))
    argv = [w for w in words if w not in {f"{k}={v}" for k, v in env.items()}]
    run = ["scripts", "run", "backup-srv", "--job", job.id]
    assert argv == [sys.executable, "-m", "llmchain_os", *run]
    assert env["XDG_DATA_HOME"] == os.environ["XDG_DATA_HOME"]  # the cron run finds our files


def test_a_job_keeps_the_scripts_hash_at_approval_and_get_job_finds_it(
    crontab: Crontab, library: ScriptLibrary
) -> None:
    job = Scheduler(crontab, library=library).add("backup-srv", "daily at 3am")

    stored = get_job(job.id)
    assert stored == job
    assert stored.sha256 == library.current_sha256("backup-srv")
    assert jobs_path().is_file()

    library.save("backup-srv", "rm -rf /srv\n", "bash", "edited later")
    assert get_job(job.id).sha256 != library.current_sha256("backup-srv")
    with pytest.raises(JobNotFound, match="llmos jobs"):
        get_job("0000")


def test_listing_reports_where_crontab_and_jobs_file_disagree(
    crontab: Crontab, library: ScriptLibrary
) -> None:
    scheduler = Scheduler(crontab, library=library)
    kept = scheduler.add("backup-srv", "nightly")
    lost = scheduler.add("clean-tmp", "weekly")
    text = crontab.read()
    lines = text.splitlines()
    lines.remove(lost.line())  # someone ran crontab -e and deleted it
    lines[lines.index(kept.line())] = kept.line().replace("0 2 ", "0 4 ", 1)  # ... and edited
    lines.append("5 5 * * * /bin/true  # llmchain-os job abcdef12")  # ... and pasted one
    crontab.write("\n".join(lines) + "\n")

    listing = scheduler.list()

    assert listing.scheduled == {kept.id}
    text = " | ".join(listing.problems)
    assert f"job {lost.id} (clean-tmp) is not in the crontab" in text
    assert "llmchain-os job abcdef12 that jobs.json does not know" in text
    assert f"job {kept.id}'s crontab line was edited by hand" in text
    assert len(listing.problems) == 3


def test_removing_a_job_only_the_crontab_knows_cleans_the_line(crontab: Crontab) -> None:
    crontab.write(FOREIGN + "5 5 * * * /bin/true  # llmchain-os job abcdef12\n")

    Scheduler(crontab).remove("abcdef12")

    assert raw_crontab(crontab) == FOREIGN.encode()
    with pytest.raises(JobNotFound):
        Scheduler(crontab).remove("abcdef12")


def test_the_same_script_and_time_is_not_scheduled_twice(
    crontab: Crontab, library: ScriptLibrary
) -> None:
    scheduler = Scheduler(crontab, library=library)
    job = scheduler.add("backup-srv", "every night")

    with pytest.raises(JobError, match=f"already scheduled every day at 02:00 \\(job {job.id}\\)"):
        scheduler.add("backup-srv", "nightly")
    assert len(our_job_lines(crontab)) == 1


def our_job_lines(crontab: Crontab) -> list[str]:
    return [ln for ln in crontab.read().splitlines() if "# llmchain-os job" in ln]


def test_an_unknown_script_or_schedule_changes_nothing(
    crontab: Crontab, library: ScriptLibrary
) -> None:
    scheduler = Scheduler(crontab, library=library)

    with pytest.raises(ScriptNotFound):
        scheduler.add("no-such-script", "nightly")
    with pytest.raises(ScheduleError):
        scheduler.add("backup-srv", "now and then")

    assert crontab.read() == ""
    assert not jobs_path().exists()


def test_a_missing_crontab_program_says_to_install_cron(tmp_path: Path) -> None:
    missing = Crontab(program=str(tmp_path / "no-crontab"))

    with pytest.raises(JobError, match="install cron"):
        missing.read()
    listing = Scheduler(missing).list()
    assert listing.problems and "cannot tell what is scheduled" in listing.problems[0]


def test_a_job_can_be_removed_by_its_scripts_name_when_that_is_unambiguous(
    crontab: Crontab, library: ScriptLibrary
) -> None:
    scheduler = Scheduler(crontab, library=library)
    nightly = scheduler.add("backup-srv", "nightly")
    scheduler.add("backup-srv", "hourly")

    with pytest.raises(JobError, match="backup-srv has 2 jobs"):
        scheduler.remove("backup-srv")
    scheduler.remove(nightly.id)
    gone = scheduler.remove("backup-srv")

    assert gone.words == "every hour"
    assert our_job_lines(crontab) == []


def test_the_crontab_line_run_as_cron_would_runs_the_script_until_it_is_edited(
    crontab: Crontab, tmp_path: Path
) -> None:
    lib = ScriptLibrary()  # the default library, which the cron run must find by itself
    lib.save("say-hi", "echo hi-from-cron\n", "bash", "print a greeting")
    job = Scheduler(crontab, library=lib).add("say-hi", "every 5 minutes")
    command = job.line().split(None, 5)[5]  # what cron hands to /bin/sh
    cron_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SHELL": "/bin/sh"}

    def as_cron() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["/bin/sh", "-c", command],
            env=cron_env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    ran = as_cron()
    assert ran.returncode == 0, ran.stderr
    assert "hi-from-cron" in ran.stdout

    lib.save("say-hi", "echo changed\n", "bash", "edited after approval")
    refused = as_cron()
    assert refused.returncode == 3
    assert "changed since it was scheduled" in refused.stderr
    assert "changed" not in refused.stdout
