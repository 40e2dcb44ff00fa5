"""The job tools through the executor and policy, `llmos jobs` and `/jobs`, against the real
crontab program on a throwaway user (a `crontab` shim on PATH points the CLI and shell at it)."""

from __future__ import annotations

import builtins
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmchain_os.agent.executor import Executor
from llmchain_os.agent.plan import Plan, Step, StepStatus
from llmchain_os.agent.policy import Decision, Policy, Verdict
from llmchain_os.cli import main
from llmchain_os.safety.audit import AuditLog
from llmchain_os.safety.risk import Risk
from llmchain_os.scripts.library import ScriptLibrary
from llmchain_os.scripts.schedule import Crontab, Scheduler, load_jobs
from llmchain_os.tools.jobs import JobList, JobScheduled, job_tools
from llmchain_os.tools.registry import ToolRegistry, builtin_registry
from tests.scripts.test_schedule import throwaway_user


class Approver:
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked: list[Decision] = []

    def __call__(self, step: Step, decision: Decision) -> bool:
        self.asked.append(decision)
        return self.answer


@pytest.fixture
def crontab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Crontab]:
    """A throwaway user's crontab; `crontab` on PATH is a shim that adds `-u` for it."""
    with throwaway_user() as name:
        shim = tmp_path / "bin" / "crontab"
        shim.parent.mkdir()
        shim.write_text(f'#!/bin/sh\nexec /usr/bin/crontab -u {name} "$@"\n')
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
        monkeypatch.setenv("PATH", f"{shim.parent}{os.pathsep}{os.environ['PATH']}")
        yield Crontab(user=name)


@pytest.fixture
def library() -> ScriptLibrary:
    lib = ScriptLibrary()  # the default place, under the test's private XDG data dir
    lib.save("backup-srv", "tar czf /tmp/x.tgz /srv\n", "bash", "back up /srv")
    return lib


@pytest.fixture
def tools(crontab: Crontab, library: ScriptLibrary) -> ToolRegistry:
    return ToolRegistry(job_tools(lambda: Scheduler(crontab, library=library)))


def run(executor: Executor, step: Step) -> list[StepStatus]:
    list(executor.execute(Plan(steps=[step])))
    return [r.status for r in executor.records]


SCHEDULE = Step(tool="schedule_script", args={"script": "backup-srv", "when": "every night at 2"})


def test_the_tools_are_built_in_with_their_risks(library: ScriptLibrary) -> None:
    registry = builtin_registry()
    assert registry.get("list_jobs").risk is Risk.READ
    assert registry.get("remove_job").risk is Risk.WRITE
    schedule = {"script": "backup-srv", "when": "nightly"}
    assert registry.risk_of("schedule_script", schedule) is Risk.WRITE
    assert registry.risk_of("schedule_script", {**schedule, "script": "nope"}) is Risk.WRITE


def test_scheduling_a_destructive_script_asks_as_destructive_even_with_yes(
    tools: ToolRegistry, crontab: Crontab, library: ScriptLibrary
) -> None:
    library.save("wipe-cache", "rm -rf /var/cache/app\n", "bash", "empty the cache")
    approver = Approver(answer=False)
    step = Step(tool="schedule_script", args={"script": "wipe-cache", "when": "nightly"})

    assert run(Executor(tools, Policy(auto_write=True), approver), step) == [StepStatus.DECLINED]

    assert approver.asked[0].risk is Risk.DESTRUCTIVE
    assert "cron will run wipe-cache unasked" in approver.asked[0].reason
    assert crontab.read() == ""


def test_scheduling_asks_first_and_a_no_leaves_the_crontab_alone(
    tools: ToolRegistry, crontab: Crontab
) -> None:
    approver = Approver(answer=False)

    assert run(Executor(tools, Policy(), approver), SCHEDULE) == [StepStatus.DECLINED]

    assert approver.asked[0].verdict is Verdict.ASK
    assert approver.asked[0].risk is Risk.WRITE
    assert crontab.read() == ""
    assert load_jobs() == {}


def test_yes_schedules_it_and_says_when_in_words(tools: ToolRegistry, crontab: Crontab) -> None:
    approver = Approver(answer=False)
    executor = Executor(tools, Policy(auto_write=True), approver, audit=AuditLog())

    events = list(executor.execute(Plan(steps=[SCHEDULE])))

    assert approver.asked == []
    (job,) = load_jobs().values()
    assert crontab.read() == job.line() + "\n"
    output = JobScheduled.model_validate(executor.records[0].output)
    summary = f"backup-srv will run every day at 02:00 (cron `0 2 * * *`), as job {job.id}."
    assert output.summary() == summary
    assert events[-1].text == summary
    assert executor.subjects[-1] == {"job": job.id, "script": "backup-srv"}
    logged = [(e.tool, e.status, e.approved_by) for e in AuditLog().read().entries]
    assert logged == [("schedule_script", "started", "--yes"), ("schedule_script", "done", "--yes")]


def test_listing_runs_without_asking_and_removing_asks(
    tools: ToolRegistry, crontab: Crontab
) -> None:
    run(Executor(tools, Policy(auto_write=True)), SCHEDULE)
    (job,) = load_jobs().values()

    lister = Executor(tools, Policy(), Approver(answer=False))
    run(lister, Step(tool="list_jobs"))
    listing = JobList.model_validate(lister.records[0].output)
    assert [(j.id, j.script, j.scheduled) for j in listing.jobs] == [(job.id, "backup-srv", True)]
    assert listing.summary().startswith(
        f"1 scheduled job: backup-srv every day at 02:00 (job {job.id})."
    )
    table = listing.table()
    assert table is not None and table.rows[0][:5] == [
        job.id,
        "backup-srv",
        *table.rows[0][2:4],
        "yes",
    ]

    remover = Approver(answer=True)
    statuses = run(
        Executor(tools, Policy(), remover), Step(tool="remove_job", args={"job": job.id})
    )
    assert statuses == [StepStatus.DONE]
    assert remover.asked[0].risk is Risk.WRITE
    assert crontab.read() == ""


def test_an_unreadable_schedule_fails_the_step_with_examples(
    tools: ToolRegistry, crontab: Crontab
) -> None:
    step = Step(tool="schedule_script", args={"script": "backup-srv", "when": "now and then"})
    executor = Executor(tools, Policy(auto_write=True))

    assert run(executor, step) == [StepStatus.FAILED]
    assert "every 15 minutes" in (executor.records[0].error or "")
    assert crontab.read() == ""


# -- `llmos jobs` and `/jobs` --------------------------------------------------------------
def test_llmos_jobs_lists_then_removes_with_yes(
    crontab: Crontab, library: ScriptLibrary, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["jobs"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "no scheduled jobs"
    job = Scheduler(crontab, library=library).add("backup-srv", "every monday at 9")

    assert main(["jobs", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["id", "script", "when"]
    assert out[1].startswith(f"{job.id}  backup-srv  every Monday at 09:00")

    assert main(["jobs", "rm", job.id]) == 3  # no terminal to ask at, no --yes: nothing happens
    assert job.line() in crontab.read()
    assert main(["jobs", "rm", job.id, "--yes"]) == 0
    assert "is removed" in capsys.readouterr().out
    assert crontab.read() == ""
    logged = [(e.tool, e.status, e.approved_by) for e in AuditLog().read().entries]
    assert logged[-1] == ("remove_job", "done", "--yes")


def test_slash_jobs_lists_and_asks_before_removing(
    crontab: Crontab, library: ScriptLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prompt_toolkit.history import InMemoryHistory
    from rich.console import Console

    from llmchain_os.api import Session
    from llmchain_os.config import Settings
    from llmchain_os.repl.commands import run_slash

    job = Scheduler(crontab, library=library).add("backup-srv", "hourly")
    screen = io.StringIO()
    session, console = Session(Settings()), Console(file=screen, width=120)
    run_slash("/jobs", session, console, InMemoryHistory())
    assert f"{job.id}  backup-srv  every hour" in screen.getvalue()

    answers = iter(["n", "y"])
    monkeypatch.setattr(builtins, "input", lambda *_: next(answers))
    run_slash(f"/jobs rm {job.id}", session, console, InMemoryHistory())
    assert "Not removed." in screen.getvalue()
    assert job.line() in crontab.read()

    run_slash(f"/jobs rm {job.id}", session, console, InMemoryHistory())
    text = screen.getvalue()
    assert f"Remove job {job.id} (backup-srv, every hour)?" in text
    assert "is removed" in text
    assert crontab.read() == ""


# -- planning: the request names the script and the time, or points back at "it" ----------
@pytest.mark.parametrize(
    ("text", "tool_name", "args"),
    [
        (
            "schedule backup-srv every night at 2",
            "schedule_script",
            {"script": "backup-srv", "when": "every night at 2"},
        ),
        ("run backup-srv nightly", "schedule_script", {"script": "backup-srv", "when": "nightly"}),
        ("list my scheduled jobs", "list_jobs", {}),
        ("what is scheduled", "list_jobs", {}),
        ("remove job 1a2b3c4d", "remove_job", {"job": "1a2b3c4d"}),
        ("unschedule backup-srv", "remove_job", {"job": "backup-srv"}),
    ],
)
def test_requests_plan_the_job_tools_with_their_arguments(
    library: ScriptLibrary, text: str, tool_name: str, args: dict[str, str]
) -> None:
    from llmchain_os.agent.planner import RetrievalPlanner
    from llmchain_os.agent.request import Request

    outcome = RetrievalPlanner(builtin_registry(), None, names=set).plan(Request(text))

    assert outcome.unsure is None, outcome.unsure
    assert outcome.plan is not None
    assert [(s.tool, s.args) for s in outcome.plan.steps] == [(tool_name, args)]


def test_run_it_nightly_alone_is_unsure_rather_than_a_guess(library: ScriptLibrary) -> None:
    from llmchain_os.agent.planner import RetrievalPlanner
    from llmchain_os.agent.request import Request

    outcome = RetrievalPlanner(builtin_registry(), None, names=set).plan(Request("run it nightly"))

    assert outcome.plan is None
    assert outcome.unsure is not None and "schedule_script" in outcome.unsure


def test_run_it_nightly_after_a_script_step_schedules_that_script(
    crontab: Crontab, library: ScriptLibrary
) -> None:
    from llmchain_os.agent.planner import RetrievalPlanner
    from llmchain_os.agent.request import Request
    from llmchain_os.tools import scripts

    registry = ToolRegistry(
        [*scripts.TOOLS, *job_tools(lambda: Scheduler(crontab, library=library))]
    )
    request = Request("show the script backup-srv, then run it nightly")
    outcome = RetrievalPlanner(registry, None, names=set).plan(request)
    assert outcome.plan is not None, outcome.unsure
    assert [(s.tool, s.refs) for s in outcome.plan.steps] == [
        ("show_script", {}),
        ("schedule_script", {"script": "script"}),
    ]

    executor = Executor(registry, Policy(auto_write=True))
    list(executor.execute(outcome.plan))

    (job,) = load_jobs().values()
    assert (job.script, job.cron) == ("backup-srv", "0 2 * * *")
    assert crontab.read() == job.line() + "\n"


def test_jobs_output_says_cron_is_used_even_where_systemd_user_timers_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmchain_os.tools.jobs import scheduler_notes

    fake = tmp_path / "fakebin" / "systemctl"  # a user manager that answers, as on a desktop
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\n[ "$1 $2" = "--user show-environment" ] && exit 0\nexit 1\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    assert "systemd user timers are available; llmchain-os schedules with cron anyway." in (
        scheduler_notes()
    )

    fake.write_text("#!/bin/sh\necho 'Failed to connect to bus' >&2\nexit 1\n")
    assert not any("systemd" in note for note in scheduler_notes())
