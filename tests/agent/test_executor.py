"""The executor: every step through the policy, then the tool, with events streamed in order.

The tools here are small real tools made with the ``tool`` decorator: a write tool appends to a
file under tmp_path, so whether it ran is read off the disk, not off the executor's own report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from llmchain_os.agent.events import EventKind
from llmchain_os.agent.executor import Executor
from llmchain_os.agent.plan import Plan, Step, StepStatus
from llmchain_os.agent.policy import Decision, Policy, Verdict
from llmchain_os.errors import ToolError
from llmchain_os.safety.commands import classify_command
from llmchain_os.safety.risk import Assessment, Risk
from llmchain_os.tools.base import ToolOutput, tool
from llmchain_os.tools.registry import ToolRegistry, builtin_registry

K = EventKind


class Note(ToolOutput):
    text: str

    def summary(self) -> str:
        return f"noted {self.text}"


class Found(ToolOutput):
    pid: int

    def summary(self) -> str:
        return f"found pid {self.pid}"

    def subject(self) -> dict[str, Any]:
        return {"pid": self.pid}


class Exited(ToolOutput):
    """A result that is a failure when its code is non-zero, like a shell command's."""

    code: int

    def summary(self) -> str:
        return f"exited {self.code}"

    def failure(self) -> str | None:
        return f"exited with {self.code}" if self.code else None


@dataclass
class Approver:
    """Answers every question with ``answer`` and keeps the questions."""

    answer: bool
    calls: list[tuple[Step, Decision]] = field(default_factory=list)

    def __call__(self, step: Step, decision: Decision) -> bool:
        self.calls.append((step, decision))
        return self.answer


@dataclass
class Bench:
    registry: ToolRegistry
    log: Path  # append_line and shell_like write here
    seen_pids: list[int]  # show_pid records what it was given


@pytest.fixture
def bench(tmp_path: Path) -> Bench:
    log = tmp_path / "log.txt"
    seen: list[int] = []

    @tool(risk=Risk.READ)
    def find_pid(pid: int = 4242) -> Found:
        """Pretend to find a process."""
        return Found(pid=pid)

    @tool(risk=Risk.READ)
    def show_pid(pid: int) -> Note:
        """Show a pid."""
        seen.append(pid)
        return Note(text=str(pid))

    @tool(risk=Risk.WRITE)
    def append_line(text: str) -> Note:
        """Append a line to the log file."""
        with log.open("a") as fh:
            fh.write(text + "\n")
        return Note(text=text)

    def shell_risk(args: Any) -> Assessment:
        return classify_command(args.command)

    @tool(risk=shell_risk)
    def shell_like(command: str) -> Note:
        """Record a command line in the log file instead of running it."""
        with log.open("a") as fh:
            fh.write(command + "\n")
        return Note(text=command)

    @tool(risk=Risk.READ)
    def explode(kind: str) -> Note:
        """Fail in the way asked."""
        if kind == "tool":
            raise ToolError("disk not mounted")
        if kind == "bug":
            raise RuntimeError("index went wrong")
        if kind == "ctrl-c":
            raise KeyboardInterrupt
        return Note(text=kind)

    @tool(risk=Risk.READ)
    def exit_with(code: int) -> Exited:
        """Finish with an exit code."""
        return Exited(code=code)

    registry = ToolRegistry([find_pid, show_pid, append_line, shell_like, explode, exit_with])
    return Bench(registry, log, seen)


def plan(*steps: Step) -> Plan:
    return Plan(steps=list(steps))


def run(executor: Executor, the_plan: Plan) -> list[K]:
    return [event.kind for event in executor.execute(the_plan)]


def statuses(executor: Executor) -> list[StepStatus]:
    return [r.status for r in executor.records]


READ_STEP = Step(tool="find_pid")
WRITE_STEP = Step(tool="append_line", args={"text": "hello"}, risk=Risk.WRITE)


def test_read_step_runs_without_asking_and_streams_events_in_order(bench: Bench) -> None:
    approver = Approver(answer=False)
    executor = Executor(bench.registry, Policy(), approver)

    events = list(executor.execute(plan(READ_STEP)))

    assert [e.kind for e in events] == [K.PLAN, K.STEP_STARTED, K.OUTPUT, K.STEP_DONE]
    assert approver.calls == []
    assert events[0].data["plan"] == [READ_STEP.public()]
    assert events[2].text == "found pid 4242"
    assert events[2].data["output"] == {"pid": 4242}
    assert events[3].data["status"] == "done"
    assert [e.step for e in events[1:]] == [0, 0, 0]


def test_write_step_asks_and_runs_when_approved(bench: Bench) -> None:
    approver = Approver(answer=True)
    executor = Executor(bench.registry, Policy(), approver)

    kinds = run(executor, plan(WRITE_STEP))

    assert kinds == [K.PLAN, K.STEP_STARTED, K.OUTPUT, K.STEP_DONE]
    assert bench.log.read_text() == "hello\n"
    assert len(approver.calls) == 1
    step, decision = approver.calls[0]
    assert step.tool == "append_line"
    assert decision.verdict is Verdict.ASK
    assert decision.risk is Risk.WRITE


def test_declined_write_does_not_run_and_later_steps_are_skipped(bench: Bench) -> None:
    approver = Approver(answer=False)
    executor = Executor(bench.registry, Policy(), approver)
    later = Step(tool="show_pid", args={"pid": 1})

    kinds = run(executor, plan(WRITE_STEP, later))

    assert kinds == [K.PLAN, K.STEP_DECLINED, K.STEP_SKIPPED]
    assert not bench.log.exists()
    assert bench.seen_pids == []
    assert len(approver.calls) == 1
    assert statuses(executor) == [StepStatus.DECLINED, StepStatus.SKIPPED]
    assert executor.records[0].error.startswith("not approved")
    assert executor.records[1].error == "an earlier step did not run"


def test_auto_write_runs_a_write_step_without_asking(bench: Bench) -> None:
    approver = Approver(answer=False)
    executor = Executor(bench.registry, Policy(auto_write=True), approver)

    run(executor, plan(WRITE_STEP))

    assert approver.calls == []
    assert bench.log.read_text() == "hello\n"


def test_risk_is_assessed_from_the_arguments_not_taken_from_the_plan(bench: Bench) -> None:
    approver = Approver(answer=False)
    executor = Executor(bench.registry, Policy(), approver)
    # The plan claims read; the command is destructive: the policy asks, the user declines.
    sneaky = Step(tool="shell_like", args={"command": "rm -r build"}, risk=Risk.READ)

    run(executor, plan(sneaky))

    assert not bench.log.exists()
    assert approver.calls[0][1].risk is Risk.DESTRUCTIVE
    assert executor.records[0].risk is Risk.DESTRUCTIVE


def test_dry_run_runs_nothing_and_marks_steps_skipped(bench: Bench) -> None:
    approver = Approver(answer=True)
    executor = Executor(bench.registry, Policy(), approver, dry_run=True)

    kinds = run(executor, plan(WRITE_STEP, READ_STEP))

    assert kinds == [K.PLAN, K.STEP_SKIPPED, K.STEP_SKIPPED]
    assert not bench.log.exists()
    assert approver.calls == []
    assert statuses(executor) == [StepStatus.SKIPPED, StepStatus.SKIPPED]
    assert executor.records[0].error.startswith("dry run: would ask")


def test_dry_run_of_a_read_step_does_not_run_it(bench: Bench) -> None:
    executor = Executor(bench.registry, Policy(), dry_run=True)

    kinds = run(executor, plan(Step(tool="show_pid", args={"pid": 3})))

    assert kinds == [K.PLAN, K.STEP_SKIPPED]
    assert bench.seen_pids == []
    assert executor.records[0].error.startswith("dry run: would allow")


def test_dry_run_checks_every_step(bench: Bench) -> None:
    executor = Executor(bench.registry, Policy(), dry_run=True)

    run(executor, plan(READ_STEP, WRITE_STEP))

    assert executor.records[1].error.startswith("dry run: would ask")


def test_denied_step_never_asks_and_never_runs(bench: Bench) -> None:
    approver = Approver(answer=True)
    executor = Executor(bench.registry, Policy(auto_write=True, auto_destructive=True), approver)
    denied = Step(tool="shell_like", args={"command": "rm -rf /"})

    kinds = run(executor, plan(denied, READ_STEP))

    assert kinds == [K.PLAN, K.STEP_DECLINED, K.STEP_SKIPPED]
    assert approver.calls == []
    assert not bench.log.exists()
    assert executor.records[0].error.startswith("never run:")


def test_tool_error_fails_the_step_with_its_message(bench: Bench) -> None:
    executor = Executor(bench.registry, Policy())

    kinds = run(executor, plan(Step(tool="explode", args={"kind": "tool"}), READ_STEP))

    assert kinds == [K.PLAN, K.STEP_STARTED, K.STEP_FAILED, K.STEP_SKIPPED]
    assert executor.records[0].status is StepStatus.FAILED
    assert executor.records[0].error == "disk not mounted"


def test_unexpected_exception_fails_the_step_with_its_type_name(bench: Bench) -> None:
    executor = Executor(bench.registry, Policy())

    kinds = run(executor, plan(Step(tool="explode", args={"kind": "bug"})))

    assert kinds == [K.PLAN, K.STEP_STARTED, K.STEP_FAILED]
    assert executor.records[0].error == "RuntimeError: index went wrong"


def test_keyboard_interrupt_in_a_tool_cancels_the_rest_of_the_request(bench: Bench) -> None:
    executor = Executor(bench.registry, Policy())
    assert not executor.cancelled

    kinds = run(executor, plan(Step(tool="explode", args={"kind": "ctrl-c"}), READ_STEP))

    assert kinds == [K.PLAN, K.STEP_STARTED, K.STEP_FAILED, K.STEP_SKIPPED]
    assert executor.records[0].error == "cancelled (Ctrl-C)"
    assert executor.cancelled
    assert executor.records[1].error == "the request was cancelled"


def test_after_a_cancel_no_further_step_runs_even_on_its_own(bench: Bench) -> None:
    executor = Executor(bench.registry, Policy(), approve=Approver(True))
    run(executor, plan(Step(tool="explode", args={"kind": "ctrl-c"})))

    run(executor, plan(WRITE_STEP))

    assert statuses(executor) == [StepStatus.FAILED, StepStatus.SKIPPED]
    assert not bench.log.exists()


def test_a_result_that_reports_a_failure_shows_its_output_then_fails_the_step(
    bench: Bench,
) -> None:
    executor = Executor(bench.registry, Policy())

    events = list(executor.execute(plan(Step(tool="exit_with", args={"code": 2}), READ_STEP)))

    kinds = [ev.kind for ev in events]
    assert kinds == [K.PLAN, K.STEP_STARTED, K.OUTPUT, K.STEP_FAILED, K.STEP_SKIPPED]
    assert events[2].data["output"] == {"code": 2}
    record = executor.records[0]
    assert record.status is StepStatus.FAILED
    assert record.error == "exited with 2"
    assert record.output == {"code": 2}
    assert record.summary == "exited 2"
    assert not executor.cancelled


def test_a_result_without_a_failure_is_done(bench: Bench) -> None:
    executor = Executor(bench.registry, Policy())

    kinds = run(executor, plan(Step(tool="exit_with", args={"code": 0})))

    assert kinds == [K.PLAN, K.STEP_STARTED, K.OUTPUT, K.STEP_DONE]
    assert executor.records[0].error is None


def test_a_real_shell_command_exiting_non_zero_is_a_failed_step() -> None:
    executor = Executor(builtin_registry(), Policy(), approve=Approver(True))

    kinds = run(executor, plan(Step(tool="run_shell", args={"command": "echo oops; exit 2"})))

    assert kinds == [K.PLAN, K.STEP_STARTED, K.OUTPUT_CHUNK, K.OUTPUT, K.STEP_FAILED]
    record = executor.records[0]
    assert record.error == "`echo oops; exit 2` exited with 2"
    assert record.output is not None and record.output["stdout"] == "oops\n"


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (Step(tool="no_such_tool"), "No tool named 'no_such_tool'"),
        (Step(tool="show_pid", args={"pid": "many"}), "show_pid: bad pid"),
        (Step(tool="show_pid"), "show_pid: bad pid"),
    ],
    ids=["unknown-tool", "bad-arg-type", "missing-arg"],
)
def test_invalid_step_fails_before_anything_runs(bench: Bench, step: Step, message: str) -> None:
    executor = Executor(bench.registry, Policy())

    kinds = run(executor, plan(step))

    assert kinds == [K.PLAN, K.STEP_FAILED]
    assert message in executor.records[0].error
    assert bench.seen_pids == []


def test_refs_fill_the_pid_from_the_previous_steps_subject(bench: Bench) -> None:
    executor = Executor(bench.registry, Policy())
    follow = Step(tool="show_pid", refs={"pid": "pid"})

    kinds = run(executor, plan(Step(tool="find_pid", args={"pid": 77}), follow))

    assert kinds == [K.PLAN, *[K.STEP_STARTED, K.OUTPUT, K.STEP_DONE] * 2]
    assert bench.seen_pids == [77]
    assert executor.records[1].args == {"pid": 77}


def test_ref_without_an_earlier_result_fails_the_step(bench: Bench) -> None:
    executor = Executor(bench.registry, Policy())

    run(executor, plan(Step(tool="show_pid", refs={"pid": "pid"})))

    assert executor.records[0].status is StepStatus.FAILED
    assert "needs the pid of an earlier result" in executor.records[0].error
    assert bench.seen_pids == []


# -- fallbacks: the next candidate of a composed read -------------------------------------
def _shell_run(step: Step) -> tuple[list[StepStatus], list[str]]:
    executor = Executor(builtin_registry(), Policy(), Approver(answer=True))
    events = list(executor.execute(Plan(steps=[step])))
    done = [e for e in events if e.kind is K.STEP_DONE]
    return [r.status for r in executor.records], [e.text for e in done]


def test_a_read_that_complains_goes_on_with_its_next_candidate(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one\ntwo\n")
    step = Step(
        tool="run_shell",
        args={"command": f"wc --no-such-flag {tmp_path}/a.txt"},
        fallbacks=[{"command": f"wc -x {tmp_path}/a.txt"}, {"command": f"wc -l {tmp_path}/a.txt"}],
    )

    statuses, done = _shell_run(step)

    assert statuses == [StepStatus.RETRIED, StepStatus.RETRIED, StepStatus.DONE]
    assert done == [f"`wc -l {tmp_path}/a.txt` succeeded."]


def test_a_silent_failure_is_an_answer_and_a_change_is_never_retried(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one\n")
    quiet = Step(  # grep finding nothing exits 1 without a word: that is the answer
        tool="run_shell",
        args={"command": f"grep zebra {tmp_path}/a.txt"},
        fallbacks=[{"command": f"cat {tmp_path}/a.txt"}],
    )
    change = Step(  # approved as this command; another one would need its own question
        tool="run_shell",
        args={"command": f"mkdir {tmp_path}/a.txt"},
        risk=Risk.WRITE,
        fallbacks=[{"command": f"mkdir {tmp_path}/b"}],
    )

    assert _shell_run(quiet)[0] == [StepStatus.FAILED]
    assert _shell_run(change)[0] == [StepStatus.FAILED]
    assert not (tmp_path / "b").exists()
