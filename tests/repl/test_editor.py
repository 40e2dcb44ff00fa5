"""Editing a script at its approval question (the shell's "e") and what the executor then
runs: the edited save step, or a save of the edited saved script before its run."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from llmchain_os.agent.executor import Executor
from llmchain_os.agent.plan import Plan, Step, StepStatus
from llmchain_os.agent.policy import Decision, Policy
from llmchain_os.agent.script_steps import script_steps
from llmchain_os.repl.editor import edit_step
from llmchain_os.safety.risk import Risk
from llmchain_os.scripts.library import ScriptLibrary
from llmchain_os.tools.registry import builtin_registry
from tests.fakes import ScriptedChatModel


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    script = tmp_path / "editor.sh"
    script.write_text('#!/bin/sh\nsed -i "s/^keep=.*/keep=1/" "$1"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.delenv("VISUAL", raising=False)
    return script


def test_editing_a_save_step_replaces_its_text_and_relints(editor: Path) -> None:
    step = script_steps("back up /srv to /backup", None, builtin_registry())[0]
    shown: list[str] = []
    (edited,) = edit_step(step, shown.append) or []
    assert "keep=1" in edited.args["text"]
    assert "keep=7" in step.args["text"] and edited.needs_consent
    assert shown and shown[0].startswith("lint")


def test_editing_at_approval_reruns_the_check_then_saves_the_edit(
    editor: Path, tmp_path: Path
) -> None:
    registry = builtin_registry()
    steps = script_steps("back up /srv to /backup", None, registry)
    asked: list[Step] = []

    def approve(step: Step, decision: Decision) -> bool | list[Step]:
        asked.append(step)
        if len(asked) == 1:
            return edit_step(step, lambda _: None) or False
        return True

    executor = Executor(registry, Policy(), approve)
    list(executor.execute(Plan(steps=steps[:1])))
    assert len(asked) == 2 and "keep=1" in asked[1].args["text"]
    assert executor.records[-1].status is StepStatus.DONE
    assert "keep=1" in ScriptLibrary().text("backup-srv")


def test_repl_approval_e_edits_then_asks_again_and_scripts_lists_it(
    editor: Path, tmp_path: Path
) -> None:
    from llmchain_os.api import Session
    from llmchain_os.config import Settings
    from tests.helpers import drive

    session = Session(Settings(), model=ScriptedChatModel())
    keys = [
        "write a script that backs up /srv to /backup\n",
        "e\n",  # opens $EDITOR (keep=7 -> keep=1), re-lints, asks again
        "y\n",
        "/scripts\n",
        "/scripts show backup-srv\n",
        "\x04",
    ]
    code, out = drive(session, tmp_path / "h", *keys, width=200)
    assert code == 0
    assert "   1 | #!/usr/bin/env bash" in out  # the plan shows the script itself
    assert "keep=1" in ScriptLibrary().text("backup-srv")
    assert "Saved script backup-srv" in out
    assert "Saved scripts" in out  # /scripts: the table
    assert "risk:" in out.split("Saved scripts")[-1]  # /scripts show: text and review


GONE = "rm -f -- ./llmos-no-such-file\n"  # destructive, so asked; there is nothing to remove


def test_editing_a_run_step_saves_first_as_a_step_of_its_own(editor: Path) -> None:
    """The edit alone changes nothing in the library: the save is a step the executor asks
    about and runs, then the run is judged and asked again on the new text."""
    ScriptLibrary().save("keeper", f"#!/bin/bash\nkeep=7\n{GONE}", "bash", "kept")
    run = Step(tool="run_script", args={"name": "keeper"}, risk=Risk.DESTRUCTIVE)
    shown: list[str] = []
    save, again = edit_step(run, shown.append) or []
    assert save.tool == "save_script" and again == run
    assert save.args["text"] == f"#!/bin/bash\nkeep=1\n{GONE}"
    assert save.args["description"] == "kept" and save.args["language"] == "bash"
    assert "keep=7" in ScriptLibrary().text("keeper") and shown[0].startswith("lint")
    asked: list[str] = []

    def approve(step: Step, decision: Decision) -> bool | list[Step]:
        asked.append(step.tool)
        return (edit_step(step, lambda _: None) or False) if len(asked) == 1 else True

    executor = Executor(builtin_registry(), Policy(), approve)
    list(executor.execute(Plan(steps=[run])))
    assert asked == ["run_script", "save_script", "run_script"]
    assert [(r.tool, r.status) for r in executor.records] == [
        ("save_script", StepStatus.DONE),
        ("run_script", StepStatus.DONE),
    ]
    assert "keep=1" in ScriptLibrary().text("keeper")


def test_a_declined_save_of_the_edit_skips_the_run(editor: Path) -> None:
    ScriptLibrary().save("keeper", f"#!/bin/bash\nkeep=7\n{GONE}", "bash", "")
    run = Step(tool="run_script", args={"name": "keeper"}, risk=Risk.DESTRUCTIVE)
    answers = iter([edit_step(run, lambda _: None) or False, False])
    executor = Executor(builtin_registry(), Policy(), lambda step, decision: next(answers))
    list(executor.execute(Plan(steps=[run])))
    assert [(r.tool, r.status) for r in executor.records] == [
        ("save_script", StepStatus.DECLINED),
        ("run_script", StepStatus.SKIPPED),
    ]
    assert "keep=7" in ScriptLibrary().text("keeper")
