"""Drafting scripts: templates filled from the request and really run on a tmp tree, the
model's drafts, the planner's script steps, and editing a script step before it runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.policy import Policy
from llmchain_os.agent.request import Request
from llmchain_os.agent.script_slots import find_days, find_message
from llmchain_os.agent.script_steps import is_script_request, script_steps
from llmchain_os.agent.scripting import (
    MAX_TOKENS,
    MODEL_NOTE,
    Draft,
    DraftError,
    Slot,
    draft_script,
    fill_slots,
    load_templates,
    strip_fences,
)
from llmchain_os.prompts import prompts_dir
from llmchain_os.safety.process import Limits, ProcessResult
from llmchain_os.safety.risk import Risk
from llmchain_os.safety.sandbox import SandboxSpec, run_process
from llmchain_os.scripts.library import ScriptLibrary
from llmchain_os.scripts.lint import assess_script, lint, review
from llmchain_os.tools.registry import builtin_registry
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
        draft_script("write a script that lists the mounted filesystems", None)


def test_the_model_drafts_what_no_template_fits() -> None:
    model = ScriptedChatModel(replies=["Sure!\n```bash\nfindmnt -l\n```\nEnjoy."])
    draft = draft_script("write a script that lists the mounted filesystems", model)
    assert draft.source == "model"
    assert draft.text == "#!/usr/bin/env bash\nfindmnt -l\n"
    assert draft.description.startswith(MODEL_NOTE)
    messages, kwargs = model.history[0]
    assert kwargs["max_tokens"] == MAX_TOKENS
    assert "bash" in str(messages[0].content)
    assert messages[1].content == "write a script that lists the mounted filesystems"


def test_strip_fences_handles_an_unclosed_fence() -> None:
    assert strip_fences("```python\nprint(1)\n") == "print(1)\n"
    assert strip_fences("echo plain") == "echo plain\n"


class Recording:
    """The real model, keeping what it wrote: the gate is judged against that text."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.replies: list[str] = []

    def invoke(self, *args: Any, **kwargs: Any) -> Any:
        reply = self.model.invoke(*args, **kwargs)
        self.replies.append(str(reply.content))
        return reply


def flaws_of(text: str) -> list[str]:
    """What makes a bash draft unusable, found without the gate's own code: ``bash -n`` for
    the syntax, the lines themselves for the rest (in the words the gate uses)."""
    found = []
    parsed = subprocess.run(["bash", "-n"], input=text, text=True, capture_output=True)
    if parsed.returncode != 0:
        found.append("does not parse")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#!")]
    if lines and max(Counter(lines).values()) >= 4:
        found.append("repeats itself")
    code = [ln for ln in lines if not ln.startswith("#")]
    if not code:
        found.append("no commands")
    elif all(re.match(r"(?:echo|printf)\b[^$`]*$", ln) for ln in code):
        found.append("only prints text")
    return found


@pytest.mark.model
def test_the_real_embedded_model_drafts_a_linted_classified_script(local_model: Any) -> None:
    """The 135M model's draft reaches the person only when it is a usable script, and is
    refused, with the true reason, when it is not (it often runs on, repeating one comment).
    Which of the two happens is decided here from what the model wrote, not by the gate."""
    model = Recording(local_model)
    draft, refusal = None, None
    try:
        draft = draft_script("write a script that prints a friendly greeting banner", model)  # type: ignore[arg-type]
    except DraftError as exc:
        refusal = str(exc)
    (reply,) = model.replies  # no template fits: the model was asked, once
    flaws = flaws_of(strip_fences(reply))
    if flaws:
        assert draft is None, f"an unusable draft ({flaws}) reached the person:\n{reply}"
        assert refusal is not None and "not usable" in refusal
        assert any(flaw in refusal for flaw in flaws), (refusal, flaws)
    else:
        assert draft is not None, f"a usable draft was refused: {refusal}\n{reply}"
        assert draft.source == "model" and draft.text.startswith("#!")
        assert strip_fences(reply).strip() in draft.text
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
    outcome = planner.plan(Request("write a script that lists the mounted filesystems"))
    assert outcome.plan is None and "no model" in (outcome.unsure or "")


def test_a_model_written_script_needs_consent_even_with_yes() -> None:
    model = ScriptedChatModel(replies=["```bash\nfindmnt -l\n```"])
    steps = script_steps(
        "write a script that lists the mounted filesystems and run it", model, builtin_registry()
    )
    assert all(s.needs_consent for s in steps)
    decision = Policy(auto_write=True, auto_destructive=True).check(
        steps[0],
        builtin_registry()
        .get("save_script")
        .assess(builtin_registry().get("save_script").parse_args(steps[0].args)),
    )
    assert decision.verdict.value == "ask"


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


# -- which template, and only with the paths the request states ----------------------------
def test_no_template_has_a_default_path_and_a_missing_path_is_asked_for() -> None:
    for template in load_templates().values():
        assert all(s.default is None for s in template.slots if s.kind == "path"), template.name
    with pytest.raises(DraftError, match="dir"):
        draft_script("write a script to compress old logs", None)  # never /var/log


def test_a_path_default_in_a_header_is_ignored_all_the_same() -> None:
    template = load_templates()["compress-logs"]
    planted = replace(template, slots=[Slot("dir", "path", "/var/log"), Slot("days", "days", "7")])
    with pytest.raises(DraftError, match="dir"):
        fill_slots(planted, "gzip logs older than 3 days")
    assert fill_slots(planted, "gzip logs in /srv/logs")["days"] == "7"  # numbers may default


@pytest.mark.parametrize(
    ("request_text", "template"),
    [
        ("create a script that renames app.log to app.log.1", "rename-file"),
        ("create a script that counts the .log files in /srv/logs", "count-files"),
        ("write a script that compresses old logs in /srv/logs", "compress-logs"),
        ("save a script that deletes the .tmp files in /srv/tmp", "delete-matching"),
        ("write a script that prints the disk usage of /", "disk-usage"),
    ],
)
def test_the_template_is_the_one_whose_purpose_the_request_states(
    request_text: str, template: str
) -> None:
    assert checked(request_text).template == template


@pytest.mark.parametrize(
    "request_text",
    [
        "create a script that renames the logs",  # rename, but no paths: not compress-logs
        "write a script that appends the date to /srv/heartbeat.log",
        "write a script that deletes everything in my home directory",  # not backup-dir
    ],
)
def test_a_request_no_template_does_gets_none(request_text: str) -> None:
    with pytest.raises(DraftError):
        draft = draft_script(request_text, None)
        pytest.fail(f"{request_text!r} got the {draft.template} template")


def test_rename_renames_and_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "app.log").write_text("old lines\n")
    draft = checked("create a script that renames app.log to app.log.1")
    assert run_draft(draft, tmp_path).exit_code == 0
    assert (tmp_path / "app.log.1").read_text() == "old lines\n"
    (tmp_path / "app.log").write_text("new\n")
    refused = run_draft(draft, tmp_path)
    assert refused.exit_code == 1 and "already exists" in refused.stderr
    assert (tmp_path / "app.log.1").read_text() == "old lines\n"


def test_count_and_delete_by_pattern_touch_only_matching_files(tmp_path: Path) -> None:
    for name in ("a.log", "b.log", "c.txt", "sub/d.log"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x")
    counted = run_draft(checked(f"a script that counts the .log files in {tmp_path}"), tmp_path)
    assert counted.stdout.strip() == "2", counted.stderr
    run_draft(checked(f"write a script that deletes the *.log files in {tmp_path}"), tmp_path)
    assert sorted(p.name for p in tmp_path.rglob("*.*")) == ["c.txt", "d.log", "script.sh"]


def test_a_spelled_out_message_is_printed_literally(tmp_path: Path) -> None:
    draft = checked("write a script that says 'hi $(touch pwned)'")
    assert run_draft(draft, tmp_path).stdout == "hi $(touch pwned)\n"
    assert not (tmp_path / "pwned").exists()
    assert find_message("save a script that prints hello world") == "hello world"
    for described in ("prints the number of cpu cores", "prints free memory", "prints a banner"):
        assert find_message(f"write a script that {described}") is None, described


# -- the model's draft, behind a gate --------------------------------------------------------
@pytest.mark.parametrize(
    ("reply", "flaw"),
    [
        ("```bash\n# rename it\n" + "# replace app.log\n" * 6 + "```", "repeats"),
        ('```bash\necho "Re-name app.log to app.log.1"\n```', "only prints"),
        ("```bash\n# TODO\n```", "no commands"),
        ("```bash\nif then fi (\n```", "parse"),
    ],
)
def test_an_unusable_model_draft_is_refused_not_offered(reply: str, flaw: str) -> None:
    model = ScriptedChatModel(replies=[reply])
    with pytest.raises(DraftError, match=flaw):
        draft_script("write a script that lists the mounted filesystems", model)


# -- names, and scripts by name --------------------------------------------------------------
@pytest.mark.parametrize(
    ("request_text", "name"),
    [
        ("save a script named greet that prints hello world", "greet"),
        (
            "write a script called disk-report that prints the disk usage of / and save it",
            "disk-report",
        ),
        (
            "save a bash script named cleanup-tmp.sh that deletes the .tmp files in /srv/t",
            "cleanup-tmp",
        ),
        ("create a script named count-logs that counts the .log files in /srv/logs", "count-logs"),
    ],
)
def test_the_name_the_request_gives_is_the_saved_name(request_text: str, name: str) -> None:
    steps = script_steps(request_text, None, builtin_registry())
    assert steps[0].args["name"] == name


def test_a_missing_saved_script_is_unsure_and_lists_the_saved_ones() -> None:
    ScriptLibrary().save("greet", "#!/bin/bash\necho hi\n", "bash", "")
    planner = RetrievalPlanner(builtin_registry(), None, names=set)
    outcome = planner.plan(Request("run my saved script nightly-report"))
    assert outcome.plan is None
    assert "nightly-report" in (outcome.unsure or "") and "greet" in (outcome.unsure or "")
    assert not is_script_request("schedule the greet script to run every day at 2am")


def test_a_named_machine_fact_is_printed_by_a_fixed_template(tmp_path: Path) -> None:
    draft = checked("write a python script that prints the number of cpu cores")
    assert draft.template == "system-fact" and draft.name == "print-cpus"
    assert assess_script(draft.text, draft.language).risk is Risk.READ  # no socket: not remote
    assert run_draft(draft, tmp_path).stdout.strip() == str(os.cpu_count())
    hostname = run_draft(checked("a script that shows the hostname"), tmp_path)
    assert hostname.stdout.strip() == os.uname().nodename
    with pytest.raises(DraftError, match="no model"):  # a fact it does not know
        draft_script("write a script that prints my ip address", None)
