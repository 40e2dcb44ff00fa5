"""Drafting scripts: templates filled from the request and really run on a tmp tree, the
model's drafts, the planner's script steps, and editing a script step before it runs."""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest

from llmchain_os.agent.executor import Executor
from llmchain_os.agent.plan import Plan, Step, StepStatus
from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.policy import Decision, Policy
from llmchain_os.agent.request import Request
from llmchain_os.agent.script_steps import edited_step, is_script_request, script_steps
from llmchain_os.agent.scripting import (
    MAX_TOKENS,
    MODEL_NOTE,
    Draft,
    DraftError,
    draft_script,
    find_days,
    load_templates,
    strip_fences,
)
from llmchain_os.prompts import prompts_dir
from llmchain_os.safety.process import Limits, ProcessResult
from llmchain_os.safety.risk import Risk
from llmchain_os.safety.sandbox import SandboxSpec, run_process
from llmchain_os.scripts.library import ScriptLibrary
from llmchain_os.scripts.lint import assess_script, lint, review
from llmchain_os.tools.base import builtin_registry
from tests.fakes import ScriptedChatModel

DAY = 86_400


def run_draft(draft: Draft, workdir: Path) -> ProcessResult:
    """Run a drafted script for real (in the sandbox where it works), as run_script does."""
    path = workdir / ("script.sh" if draft.language == "bash" else "script.py")
    path.write_text(draft.text)
    argv = ["bash", str(path)] if draft.language == "bash" else ["python3", "-I", str(path)]
    result = None
    for item in run_process(argv, Limits(timeout_s=30), SandboxSpec(workdir), cwd=workdir):
        if isinstance(item, ProcessResult):
            result = item
    assert result is not None
    return result


def age(path: Path, days: int) -> None:
    old = time.time() - days * DAY
    os.utime(path, (old, old))


def checked(request: str) -> Draft:
    draft = draft_script(request, None)
    assert draft.source == "template"
    report = lint(draft.text, draft.language)
    assert report.ok, report.problems
    return draft


def test_every_template_lints_clean_and_has_examples() -> None:
    templates = load_templates()
    assert len(templates) >= 8
    for template in templates.values():
        assert len(template.examples) >= 3, template.name
        assert template.body.startswith("#!"), template.name


def test_backup_writes_a_dated_tarball_with_the_files_and_keeps_n(tmp_path: Path) -> None:
    src, dest = tmp_path / "srv", tmp_path / "backup"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("alpha")
    (src / "sub" / "b.txt").write_text("beta")
    dest.mkdir()
    for stamp in ("20200101-000000", "20200102-000000", "20200103-000000"):
        old = dest / f"srv-{stamp}.tar.gz"
        old.write_bytes(b"")
        age(old, 100)
    draft = checked(f"write a script that backs up {src} to {dest} keeping 2 copies")
    assert draft.template == "backup-dir" and draft.writes == [str(dest)]
    result = run_draft(draft, tmp_path)
    assert result.exit_code == 0, result.stderr
    archives = sorted(dest.glob("srv-*.tar.gz"))
    assert len(archives) == 2  # the new one and the newest old one
    new = [a for a in archives if not a.name.startswith("srv-2020")]
    assert len(new) == 1
    with tarfile.open(new[0]) as tar:
        assert {"srv/a.txt", "srv/sub/b.txt"} <= set(tar.getnames())


def test_clean_old_files_deletes_only_old_ones(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "old.bin").write_text("x")
    (cache / "new.bin").write_text("y")
    age(cache / "old.bin", 20)
    draft = checked(f"delete files older than 10 days in {cache}")
    assert draft.template == "clean-old-files"
    assert assess_script(draft.text, "bash").risk is Risk.DESTRUCTIVE
    result = run_draft(draft, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert str(cache / "old.bin") in result.stdout
    assert not (cache / "old.bin").exists() and (cache / "new.bin").exists()


def test_compress_logs_older_than_a_week(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    for name in ("old.log", "new.log"):
        (logs / name).write_text("line\n" * 100)
    age(logs / "old.log", 9)
    draft = checked(f"write a script that gzips log files older than a week in {logs}")
    assert draft.template == "compress-logs" and "days=7" in draft.text
    result = run_draft(draft, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert (logs / "old.log.gz").exists() and not (logs / "old.log").exists()
    assert (logs / "new.log").exists()


def test_biggest_files_are_listed_largest_first(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name, size in (("small", 10), ("huge", 3_000_000), ("mid", 1_000_000)):
        (data / name).write_bytes(b"x" * size)
    draft = checked(f"write a script to find the 2 biggest files under {data}")
    result = run_draft(draft, tmp_path)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("huge") and lines[1].endswith("mid")


def test_disk_alert_exits_1_over_the_threshold(tmp_path: Path) -> None:
    usage = shutil.disk_usage(tmp_path)
    used_pct = usage.used * 100 / usage.total
    calm = run_draft(checked(f"alert me when {tmp_path} is over 100% full"), tmp_path)
    assert calm.exit_code == 0, calm.stderr
    if used_pct < 2:
        pytest.skip(f"{tmp_path} is {used_pct:.1f}% used: nothing is over a 1% threshold")
    alarm = run_draft(checked(f"warn if {tmp_path} is more than 1 percent used"), tmp_path)
    assert alarm.exit_code == 1 and "WARNING" in alarm.stderr


def test_mirror_copies_the_tree(tmp_path: Path) -> None:
    src, dest = tmp_path / "www", tmp_path / "mirror"
    (src / "css").mkdir(parents=True)
    (src / "css" / "site.css").write_text("body{}")
    draft = checked(f"mirror {src} to {dest}")
    assert draft.template == "mirror-dir"
    result = run_draft(draft, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert (dest / "css" / "site.css").read_text() == "body{}"


def test_python_memory_report_appends_to_the_file(tmp_path: Path) -> None:
    report = tmp_path / "reports" / "mem.txt"
    draft = checked(f"write a python script that writes a memory report to {report}")
    assert draft.language == "python" and draft.writes == [str(report.parent)]
    result = run_draft(draft, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "total" in report.read_text() and " MB " in report.read_text()


def test_service_name_is_read_and_quoted() -> None:
    draft = checked("write a script that restarts nginx if it is down")
    assert draft.template == "service-check" and "service=nginx" in draft.text
    assert draft.name == "check-nginx"


def test_a_path_with_shell_characters_is_refused_not_cut_short() -> None:
    with pytest.raises(DraftError, match="characters"):
        draft_script("delete files older than 3 days in /tmp/a$(reboot)b", None)


def test_home_paths_stay_home_and_are_quoted() -> None:
    draft = checked("back up ~/my-docs to /mnt/usb")
    assert 'src="$HOME"/my-docs' in draft.text and "dest=/mnt/usb" in draft.text


def test_days_in_words() -> None:
    assert find_days("older than two weeks") == 14
    assert find_days("more than a month old") == 30
    assert find_days("older than 45 days") == 45
    assert find_days("every night") is None


def test_a_template_without_a_needed_path_asks_for_it() -> None:
    with pytest.raises(DraftError, match="src"):
        draft_script("write a script that backs up to /backup", None)


def test_no_template_and_no_model_is_an_error() -> None:
    with pytest.raises(DraftError, match="no model"):
        draft_script("write a script that prints hello world", None)


def test_the_model_drafts_what_no_template_fits() -> None:
    model = ScriptedChatModel(replies=["Sure!\n```bash\necho hello world\n```\nEnjoy."])
    draft = draft_script("write a script that prints hello world", model)
    assert draft.source == "model"
    assert draft.text == "#!/usr/bin/env bash\necho hello world\n"
    assert draft.description.startswith(MODEL_NOTE)
    messages, kwargs = model.history[0]
    assert kwargs["max_tokens"] == MAX_TOKENS
    assert "bash" in str(messages[0].content)
    assert messages[1].content == "write a script that prints hello world"


def test_strip_fences_handles_an_unclosed_fence() -> None:
    assert strip_fences("```python\nprint(1)\n") == "print(1)\n"
    assert strip_fences("echo plain") == "echo plain\n"


@pytest.mark.model
def test_the_real_embedded_model_drafts_a_linted_classified_script(local_model: Any) -> None:
    draft = draft_script("write a script that prints a friendly greeting banner", local_model)
    assert draft.source == "model" and draft.text.startswith("#!")
    rv = review(draft.text, draft.language)
    assert rv.lint.tools  # the linters ran on it; its quality is not what is tested here
    assert isinstance(rv.worst.risk, Risk)


def test_write_script_exemplars_are_script_requests() -> None:
    lines = (prompts_dir() / "exemplars" / "write_script.txt").read_text().splitlines()
    requests = [line for line in lines if line and not line.startswith("#")]
    assert len(requests) >= 5
    assert all(is_script_request(r) for r in requests)
    assert not is_script_request("how full is my disk")
    assert not is_script_request("run `df -h`")


def test_planner_saves_runs_and_schedules_with_refs() -> None:
    registry = builtin_registry()
    planner = RetrievalPlanner(registry, None, names=set)
    text = "write a script that backs up /srv to /backup and run it every night"
    outcome = planner.plan(Request(text))
    assert outcome.plan is not None, outcome.unsure
    steps = outcome.plan.steps
    assert steps[0].tool == "save_script" and steps[0].args["name"] == "backup-srv"
    assert "tar -czf" in steps[0].args["text"] and "lint clean" in steps[0].why
    assert steps[1].tool == "run_script" and steps[1].refs == {"name": "script"}
    if "schedule_script" in registry:
        assert steps[2].tool == "schedule_script" and steps[2].refs == {"script": "script"}
        assert steps[2].args["when"] == "every night"


def test_planner_is_unsure_when_the_draft_cannot_be_made() -> None:
    planner = RetrievalPlanner(builtin_registry(), None, names=set)
    outcome = planner.plan(Request("write a script that prints hello world"))
    assert outcome.plan is None and "no model" in (outcome.unsure or "")


def test_a_model_written_script_needs_consent_even_with_yes() -> None:
    model = ScriptedChatModel(replies=["```bash\necho hi\n```"])
    steps = script_steps("write a script that says hi and run it", model, builtin_registry())
    assert all(s.needs_consent for s in steps)
    decision = Policy(auto_write=True, auto_destructive=True).check(
        steps[0],
        builtin_registry()
        .get("save_script")
        .assess(builtin_registry().get("save_script").parse_args(steps[0].args)),
    )
    assert decision.verdict.value == "ask"


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
    edited = edited_step(step, shown.append)
    assert edited is not None and "keep=1" in edited.args["text"]
    assert "keep=7" in step.args["text"] and edited.needs_consent
    assert shown and shown[0].startswith("lint")


def test_editing_at_approval_reruns_the_check_then_saves_the_edit(
    editor: Path, tmp_path: Path
) -> None:
    registry = builtin_registry()
    steps = script_steps("back up /srv to /backup", None, registry)
    asked: list[Step] = []

    def approve(step: Step, decision: Decision) -> bool | Step:
        asked.append(step)
        if len(asked) == 1:
            return edited_step(step, lambda _: None) or False
        return True

    executor = Executor(registry, Policy(), approve)
    list(executor.execute(Plan(steps=steps[:1])))
    assert len(asked) == 2 and "keep=1" in asked[1].args["text"]
    assert executor.records[-1].status is StepStatus.DONE
    assert "keep=1" in ScriptLibrary().text("backup-srv")


def test_repl_approval_e_edits_then_asks_again_and_scripts_lists_it(
    editor: Path, tmp_path: Path
) -> None:
    import threading

    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from llmchain_os.api import Session
    from llmchain_os.config import Settings
    from llmchain_os.repl.app import Environment, Shell, string_console

    session = Session(Settings(), model=ScriptedChatModel())
    keys = [
        "write a script that backs up /srv to /backup\n",
        "e\n",  # opens $EDITOR (keep=7 -> keep=1), re-lints, asks again
        "y\n",
        "/scripts\n",
        "/scripts show backup-srv\n",
        "\x04",
    ]
    console = string_console(width=200)
    with create_pipe_input() as pipe:
        env = Environment(
            input=pipe, output=DummyOutput(), console=console, history_path=tmp_path / "h"
        )
        writer = threading.Thread(target=lambda: [pipe.send_text(k) for k in keys], daemon=True)
        writer.start()
        assert Shell(session, env).run() == 0
        writer.join()
    out = console.file.getvalue()
    assert "Traceback" not in out
    assert "   1 | #!/usr/bin/env bash" in out  # the plan shows the script itself
    assert "keep=1" in ScriptLibrary().text("backup-srv")
    assert "Saved script backup-srv" in out
    assert "Saved scripts" in out  # /scripts: the table
    assert "risk:" in out.split("Saved scripts")[-1]  # /scripts show: text and review


def test_the_planner_runs_and_shows_saved_scripts_by_name() -> None:
    ScriptLibrary().save("backup-srv", "echo hi\n", "bash", "")
    planner = RetrievalPlanner(builtin_registry(), None, names=set)
    for text, tool in (
        ("run the script backup-srv", "run_script"),
        ("run my backup-srv script", "run_script"),
        ("run backup-srv", "run_script"),
        ("show me the script backup-srv", "show_script"),
        ("list my scripts", "list_scripts"),
    ):
        outcome = planner.plan(Request(text))
        assert outcome.plan is not None, (text, outcome.unsure)
        step = outcome.plan.steps[0]
        assert step.tool == tool, text
        if tool != "list_scripts":
            assert step.args == {"name": "backup-srv"}
    outcome = planner.plan(Request("run uptime"))  # a program, not a script
    assert outcome.plan is not None and outcome.plan.steps[0].tool == "run_shell"
