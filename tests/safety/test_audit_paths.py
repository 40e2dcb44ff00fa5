"""Changes made outside a planned request still reach the audit log: undo, scripts rm,
scripts edit, and cron's ``--job`` runs (approved_by "job <id>")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from llmchain_os.agent.policy import Policy
from llmchain_os.api import ChainResult, Session, undo_last
from llmchain_os.config import Settings
from llmchain_os.safety.audit import AuditEntry, AuditLog
from llmchain_os.scripts.library import ScriptLibrary
from llmchain_os.scripts.schedule import store_jobs
from tests.helpers import approved_job

TOUCH = "#!/bin/bash\ntouch ./ran\necho touched\n"


def _llmos(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llmchain_os", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


def _entries(tool: str) -> list[tuple[str, str | None]]:
    return [(e.status, e.approved_by) for e in AuditLog().read().entries if e.tool == tool]


def test_undo_is_logged(tmp_path: Path) -> None:
    target = tmp_path / "new.txt"
    list(
        Session(Settings()).run_tool(
            "write_file", {"path": str(target), "content": "x"}, policy=Policy(True)
        )
    )
    lines = undo_last()
    assert any("removed" in line for line in lines) and not target.exists()
    assert _entries("undo") == [("started", "user"), ("done", "user")]


def test_scripts_rm_is_logged(tmp_path: Path) -> None:
    ScriptLibrary().save("toucher", TOUCH, "bash", "")
    gone = _llmos(tmp_path, "scripts", "rm", "toucher", "--yes")
    assert gone.returncode == 0, gone.stderr
    assert _entries("remove_script") == [("started", "user"), ("done", "user")]


def test_a_job_run_is_logged_as_approved_by_theapproved_job(tmp_path: Path) -> None:
    record = ScriptLibrary().save("toucher", TOUCH, "bash", "")
    store_jobs({"j1": approved_job("j1", "toucher", record.sha256)})
    ran = _llmos(tmp_path, "scripts", "run", "toucher", "--job", "j1")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert _entries("run_script") == [("started", "job j1"), ("done", "job j1")]


def test_a_lone_surrogate_in_the_arguments_is_logged_not_a_traceback(tmp_path: Path) -> None:
    """A model's tool call can carry "\\udcff" (valid JSON, not encodable UTF-8): the step
    fails in one line and the log still takes the entry, readable."""
    events = Session(Settings()).run_tool(
        "write_file", {"path": str(tmp_path / "x"), "content": "a\udcffb"}, policy=Policy(True)
    )
    record = ChainResult.from_events("x", list(events)).steps[-1]
    assert record.status == "failed" and "bad content" in (record.error or "")
    assert not (tmp_path / "x").exists()
    read = AuditLog().read()
    assert read.unreadable == 0
    assert [e.args["content"] for e in read.entries if e.tool == "write_file"] == ["a\ufffdb"]


def test_a_job_does_not_run_text_swapped_in_after_its_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmchain_os.api import jobs
    from llmchain_os.cli import main

    record = ScriptLibrary().save("toucher", TOUCH, "bash", "")
    store_jobs({"j1": approved_job("j1", "toucher", record.sha256)})
    check = jobs.job_refusal

    def check_then_swap(job_id: str, script: str) -> str | None:
        refusal = check(job_id, script)
        Path(record.path).write_text("#!/bin/bash\nrm -f -- ./victim\n")
        return refusal

    monkeypatch.setattr(jobs, "job_refusal", check_then_swap)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "victim").write_text("x")
    assert main(["scripts", "run", "toucher", "--job", "j1"]) == 3
    assert (tmp_path / "victim").exists()


KEEP = '#!/bin/bash\necho keep=7\necho ran >> "$XDG_STATE_HOME/ran"\n'  # a write: asked


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$EDITOR is a script that changes keep=7 to keep=1 in the file it is given."""
    script = tmp_path / "editor.sh"
    script.write_text('#!/bin/sh\nsed -i "s/keep=7/keep=1/" "$1"\n')
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.delenv("VISUAL", raising=False)
    return script


def _saves_in_the_audit(cwd: Path) -> list[tuple[str, str, str]]:
    """``llmos audit --json`` as a person would run it: each save_script entry's status,
    approver and the text it saved."""
    shown = _llmos(cwd, "audit", "--json", "-n", "0")
    assert shown.returncode == 0, shown.stderr
    entries = [AuditEntry.model_validate_json(line) for line in shown.stdout.splitlines()]
    return [
        (e.status, e.approved_by or "", str(e.args.get("text")))
        for e in entries
        if e.tool == "save_script"
    ]


def test_scripts_edit_saves_through_a_logged_step(tmp_path: Path, editor: Path) -> None:
    ScriptLibrary().save("keeper", KEEP, "bash", "")
    edited = _llmos(tmp_path, "scripts", "edit", "keeper")
    assert edited.returncode == 0, edited.stdout + edited.stderr
    assert "Saved keeper" in edited.stdout
    saved = KEEP.replace("keep=7", "keep=1")
    assert ScriptLibrary().text("keeper") == saved
    assert _saves_in_the_audit(tmp_path) == [("started", "user", saved), ("done", "user", saved)]


def test_editing_at_the_run_question_saves_through_a_logged_step(
    tmp_path: Path, editor: Path
) -> None:
    """The shell's "e" on "run the script keeper": the edit is saved as its own step, asked
    (the first y) and audited, and the run that follows (the second y) runs the edited text."""
    from tests.fakes import ScriptedChatModel
    from tests.helpers import drive

    ScriptLibrary().save("keeper", KEEP, "bash", "")
    session = Session(Settings(), model=ScriptedChatModel())
    keys = ["run the script keeper\n", "e\n", "y\n", "y\n", "\x04"]
    code, out = drive(session, tmp_path / "h", *keys, width=200)
    assert code == 0
    saved = KEEP.replace("keep=7", "keep=1")
    assert ScriptLibrary().text("keeper") == saved
    assert "\nkeep=1\n" in out  # what the run printed: the edited text ran
    assert _saves_in_the_audit(tmp_path) == [("started", "user", saved), ("done", "user", saved)]
    assert [e.tool for e in AuditLog().read().entries if e.status == "started"] == [
        "save_script",
        "run_script",
    ]
