"""renice, suspend and resume a real sleeping child, checked through psutil afterwards;
init and this shell are refused; each is planned from plain requests with its pid."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator

import psutil
import pytest

from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.request import Request
from llmchain_os.errors import ToolError
from llmchain_os.reading.world import FixedWorld
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.procctl import Changed, renice_process, resume_process, suspend_process
from llmchain_os.tools.registry import builtin_registry


@pytest.fixture
def sleeper() -> Iterator[psutil.Process]:
    proc = subprocess.Popen(["sleep", "60"])
    child = psutil.Process(proc.pid)
    deadline = time.monotonic() + 5
    # between fork and exec the child is still the test's python, without its own command line
    while child.cmdline() != ["sleep", "60"] and time.monotonic() < deadline:
        time.sleep(0.01)
    yield child
    proc.kill()
    proc.wait()


def test_renice_changes_the_niceness_and_says_the_exact_effect_first(
    sleeper: psutil.Process,
) -> None:
    args = renice_process.parse_args({"pid": sleeper.pid, "niceness": 10})
    before = sleeper.nice()

    effect = renice_process.describe(args)
    out = renice_process.call(args)

    assert effect == f"renice pid {sleeper.pid} (sleep 60) from {before} to 10"
    assert isinstance(out, Changed) and sleeper.nice() == 10
    assert out.summary() == f"sleep (pid {sleeper.pid}): niceness, {before} -> 10."
    assert renice_process.assess(args).risk is Risk.WRITE


def test_suspend_then_resume_a_process(sleeper: psutil.Process) -> None:
    pid = {"pid": sleeper.pid}

    assert "with SIGSTOP" in suspend_process.describe(suspend_process.parse_args(pid))
    suspend_process.call(suspend_process.parse_args(pid))
    assert sleeper.status() == psutil.STATUS_STOPPED

    out = resume_process.call(resume_process.parse_args(pid))
    assert sleeper.status() != psutil.STATUS_STOPPED
    assert out.summary().startswith(f"sleep (pid {sleeper.pid}): SIGCONT, stopped -> ")


@pytest.mark.parametrize("tool", [renice_process, suspend_process, resume_process])
def test_init_and_this_shell_are_never_touched(tool: object) -> None:
    from llmchain_os.tools.base import Tool

    assert isinstance(tool, Tool)
    extra = {"niceness": 5} if tool is renice_process else {}
    for pid, why in ((1, "it is init"), (os.getpid(), "it is this shell itself")):
        with pytest.raises(ToolError, match=f"refusing to .* pid {pid}: {why}"):
            tool.parse_args({"pid": pid, **extra})


def test_a_missing_process_and_a_bad_niceness_are_one_clear_line() -> None:
    with pytest.raises(ToolError, match="bad niceness"):
        renice_process.parse_args({"pid": 4242, "niceness": 40})
    dead = subprocess.Popen(["true"])
    dead.wait()
    with pytest.raises(ToolError, match=f"No process with pid {dead.pid}"):
        suspend_process.call(suspend_process.parse_args({"pid": dead.pid}))


@pytest.mark.parametrize(
    ("text", "tool", "args"),
    [
        ("renice 4242 to 10", "renice_process", {"pid": 4242, "niceness": 10}),
        (
            "lower the priority of the stuckjob process",
            "renice_process",
            {"pid": 4242, "niceness": 10},
        ),
        ("suspend process 4242", "suspend_process", {"pid": 4242}),
        ("pause stuckjob", "suspend_process", {"pid": 4242}),
        ("resume pid 4242", "resume_process", {"pid": 4242}),
        ("continue the process 4242", "resume_process", {"pid": 4242}),
        ("stop process 4242", "kill_process", {"pid": 4242}),
    ],
)
def test_plain_requests_plan_the_acting_tools(
    text: str, tool: str, args: dict[str, object]
) -> None:
    world = FixedWorld({"stuckjob": [4242]})
    outcome = RetrievalPlanner(builtin_registry(), world=world).plan(Request(text))
    assert outcome.plan is not None, outcome.unsure
    step = outcome.plan.steps[0]
    assert (step.tool, step.args) == (tool, args)
    assert step.risk is not Risk.READ


def test_a_renice_without_a_niceness_is_unsure_not_invented() -> None:
    outcome = RetrievalPlanner(builtin_registry(), world=FixedWorld()).plan(Request("renice 4242"))
    assert outcome.plan is None and "niceness" in (outcome.unsure or "")


def test_a_declined_renice_or_suspend_leaves_the_process_as_it_was(
    sleeper: psutil.Process,
) -> None:
    from llmchain_os.agent.executor import Executor, decline_all
    from llmchain_os.agent.plan import Plan, Step, StepStatus
    from llmchain_os.agent.policy import Policy

    before = sleeper.nice()  # its status is 'running' for a moment after it starts
    steps = [
        Step(tool="renice_process", args={"pid": sleeper.pid, "niceness": 15}),
        Step(tool="suspend_process", args={"pid": sleeper.pid}),
    ]
    statuses = []
    for step in steps:  # one request each, both declined
        executor = Executor(builtin_registry(), Policy(), decline_all)
        list(executor.execute(Plan(steps=[step])))
        statuses += [r.status for r in executor.records]

    assert statuses == [StepStatus.DECLINED, StepStatus.DECLINED]
    assert sleeper.nice() == before and sleeper.status() != psutil.STATUS_STOPPED
