"""The script tools through the real executor: save (linted), run (real bash and Python,
sandboxed where possible, streamed), list and show."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmchain_os.agent.events import Event, EventKind
from llmchain_os.agent.executor import Executor
from llmchain_os.agent.plan import Plan, Step
from llmchain_os.agent.policy import Decision, Policy
from llmchain_os.errors import ToolError
from llmchain_os.safety.risk import Assessment, Risk
from llmchain_os.safety.sandbox import sandbox_status
from llmchain_os.scripts.library import ScriptLibrary
from llmchain_os.tools.registry import builtin_registry
from llmchain_os.tools.scripts import ScriptShown, run_script

READER = "#!/bin/bash\n# only looks\necho start\nuptime\necho end\n"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # the sandbox's work dir is the current one
    return tmp_path


def execute(*steps: Step, approve: bool = True, policy: Policy | None = None) -> list[Event]:
    executor = Executor(builtin_registry(), policy or Policy(), lambda s, d: approve)
    return list(executor.execute(Plan(steps=list(steps))))


def finished(events: list[Event]) -> Event:
    return [
        e for e in events if e.kind.value.startswith("step_") and e.kind.value != "step_started"
    ][-1]


def save(name: str, text: str, language: str = "bash") -> None:
    ScriptLibrary().save(name, text, language, "test script")  # type: ignore[arg-type]


def test_save_script_reports_lint_and_the_risk_of_running_it() -> None:
    args = {"name": "tidy", "language": "bash", "text": "#!/bin/bash\nrm -f -- /tmp/x\n"}
    events = execute(Step(tool="save_script", args=args, risk=Risk.WRITE))
    done = finished(events)
    assert done.kind is EventKind.STEP_DONE, done.text
    assert "lint clean" in done.text and "destructive" in done.text
    assert ScriptLibrary().get("tidy").language == "bash"


def test_save_script_is_a_write_and_is_declined_without_approval() -> None:
    args = {"name": "t2", "language": "bash", "text": "echo hi\n"}
    done = finished(execute(Step(tool="save_script", args=args), approve=False))
    assert done.kind is EventKind.STEP_DECLINED
    assert ScriptLibrary().list() == []


def test_run_risk_comes_from_the_script_content() -> None:
    save("looker", READER)
    save("deleter", "#!/bin/bash\nfind /tmp/none -name '*.x' -delete\n")

    def assess(name: str) -> Assessment:
        return run_script.assess(run_script.parse_args({"name": name}))

    assert assess("looker").risk is Risk.READ
    assert assess("deleter").risk is Risk.DESTRUCTIVE
    assert "script deleter" in assess("deleter").reason


def test_destructive_script_needs_yes_destructive_not_just_yes() -> None:
    save("deleter", "#!/bin/bash\nrm -f -- ./nothing-here\n")
    step = Step(tool="run_script", args={"name": "deleter"})
    done = finished(execute(step, approve=False, policy=Policy(auto_write=True)))
    assert done.kind is EventKind.STEP_DECLINED


def test_run_streams_output_records_the_run_and_reports_the_sandbox(in_tmp: Path) -> None:
    save("looker", READER)
    events = execute(Step(tool="run_script", args={"name": "looker"}))
    chunks = "".join(e.text for e in events if e.kind is EventKind.OUTPUT_CHUNK)
    assert "start" in chunks and "end" in chunks
    done = finished(events)
    assert done.kind is EventKind.STEP_DONE, done.text
    sandbox = done.data["output"]["sandbox"]
    if sandbox_status().available:
        assert sandbox == "bubblewrap (read-only /, nothing writable, no network)"
    else:
        assert sandbox.startswith("none:")
    record = ScriptLibrary().get("looker")
    assert record.last_result == "exit 0" and record.last_run


@pytest.mark.skipif(not sandbox_status().available, reason="bubblewrap cannot run here")
def test_the_sandbox_keeps_writes_to_the_asked_paths_only_not_the_work_dir(
    in_tmp: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    save("writer", f"#!/bin/bash\ntouch {outside}/x\ntouch ./inside\n")
    step = Step(tool="run_script", args={"name": "writer"})
    assert finished(execute(step)).kind is EventKind.STEP_FAILED
    assert not (in_tmp / "inside").exists() and not (outside / "x").exists()
    step = Step(tool="run_script", args={"name": "writer", "write": [str(outside)]})
    assert finished(execute(step)).kind is EventKind.STEP_FAILED  # the work dir: read-only
    assert (outside / "x").exists() and not (in_tmp / "inside").exists()
    step = Step(tool="run_script", args={"name": "writer", "write": [str(outside), "."]})
    assert finished(execute(step)).kind is EventKind.STEP_DONE
    assert (in_tmp / "inside").exists()


def test_no_sandbox_says_so_and_python_runs_isolated(in_tmp: Path) -> None:
    save("py", "import sys\nprint('isolated', sys.flags.isolated)\n", "python")
    events = execute(Step(tool="run_script", args={"name": "py", "sandbox": False}))
    done = finished(events)
    assert done.kind is EventKind.STEP_DONE, done.text
    assert done.data["output"]["sandbox"] == "none: --no-sandbox"
    assert "isolated 1" in done.data["output"]["stdout"]


def test_a_failing_script_is_a_failed_step_and_recorded() -> None:
    save("fails", "#!/bin/bash\necho oops >&2\nexit 4\n")
    done = finished(execute(Step(tool="run_script", args={"name": "fails"})))
    assert done.kind is EventKind.STEP_FAILED and done.data["error"] == "script fails exited with 4"
    assert ScriptLibrary().get("fails").last_result == "exit 4"


def test_a_script_that_does_not_parse_is_not_run(in_tmp: Path) -> None:
    save("broken", "#!/bin/bash\ntouch ./ran\nif true; then\n")
    done = finished(execute(Step(tool="run_script", args={"name": "broken"})))
    assert done.kind in (EventKind.STEP_FAILED, EventKind.STEP_DECLINED)
    assert "parse" in done.text
    save("broken-py", "open('ran', 'w')\ndef f(:\n", "python")
    done = finished(execute(Step(tool="run_script", args={"name": "broken-py"})))
    assert done.kind in (EventKind.STEP_FAILED, EventKind.STEP_DECLINED)
    assert "parse" in done.text or "compile" in done.text
    assert not (in_tmp / "ran").exists()


def test_a_script_swapped_after_approval_is_refused(in_tmp: Path) -> None:
    save("swap", READER)
    lib = ScriptLibrary()

    def approve(step: Step, decision: Decision) -> bool:
        Path(lib.get("swap").path).write_text("#!/bin/bash\ntouch ./swapped\n")
        return True

    executor = Executor(builtin_registry(), Policy(), approve)
    step = Step(tool="run_script", args={"name": "swap"})
    # The reader is allowed without asking; make it ask by requiring consent.
    events = list(executor.execute(Plan(steps=[step.model_copy(update={"needs_consent": True})])))
    done = finished(events)
    assert done.kind is EventKind.STEP_FAILED and "changed after it was approved" in done.text
    assert not (in_tmp / "swapped").exists()


def test_list_and_show() -> None:
    registry = builtin_registry()
    listing = registry.get("list_scripts")
    empty = listing.call(listing.parse_args({}))
    assert "No saved scripts" in empty.summary() and empty.table() is None
    save("looker", READER)
    table = listing.call(listing.parse_args({})).table()
    assert table is not None and table.rows[0][0] == "looker"
    show = registry.get("show_script")
    shown = show.call(show.parse_args({"name": "looker"}))
    assert isinstance(shown, ScriptShown)
    assert "uptime" in shown.text and "lint" in shown.review and "risk: read" in shown.review
    with pytest.raises(ToolError, match="No saved script"):
        show.call(show.parse_args({"name": "nope"}))


def test_a_script_saved_by_name_from_a_request_runs_by_name() -> None:
    """ "save a script named greet that prints hello world", then "run the greet script":
    planned, saved and run for real (the run once fell to run_shell: greet was never saved)."""
    from llmchain_os.agent.planner import RetrievalPlanner
    from llmchain_os.agent.request import Request

    planner = RetrievalPlanner(builtin_registry(), None, names=set)
    saved = planner.plan(Request("save a script named greet that prints hello world"))
    assert saved.plan is not None, saved.unsure
    assert finished(execute(*saved.plan.steps)).kind is EventKind.STEP_DONE
    run = planner.plan(Request("run the greet script"))
    assert run.plan is not None and run.plan.steps[0].tool == "run_script", run.unsure
    events = execute(*run.plan.steps)
    assert finished(events).kind is EventKind.STEP_DONE, finished(events).text
    chunks = [e.text for e in events if e.kind is EventKind.OUTPUT_CHUNK]
    assert "hello world" in "".join(chunks)
