"""`llmos scripts ...` as a real process: list, show, run (policy, dry run, --job), edit, rm."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from llmchain_os.scripts.library import ScriptLibrary
from llmchain_os.scripts.schedule import store_jobs
from tests.helpers import approved_job

TOUCH = "#!/bin/bash\ntouch ./ran\necho touched\n"
DELETE = "#!/bin/bash\nrm -f -- ./victim\necho removed\n"


def llmos(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llmchain_os", "scripts", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        env=env,
        check=False,
    )


def test_list_show_and_unknown(tmp_path: Path) -> None:
    assert "No saved scripts" in llmos(tmp_path, "list").stdout
    ScriptLibrary().save("toucher", TOUCH, "bash", "touches a file")
    listed = llmos(tmp_path, "list")
    assert listed.returncode == 0 and "toucher" in listed.stdout and "never run" in listed.stdout
    shown = llmos(tmp_path, "show", "toucher")
    assert "touch ./ran" in shown.stdout and "lint clean" in shown.stdout
    assert "would run:" in shown.stdout
    missing = llmos(tmp_path, "run", "nope")
    assert missing.returncode == 1 and "No saved script named 'nope'" in missing.stderr


def test_run_goes_through_the_policy(tmp_path: Path) -> None:
    ScriptLibrary().save("deleter", DELETE, "bash", "")
    (tmp_path / "victim").write_text("x")
    declined = llmos(tmp_path, "run", "deleter", "--yes")  # --yes never covers destructive
    assert declined.returncode == 3, declined.stdout + declined.stderr
    assert (tmp_path / "victim").exists()
    done = llmos(tmp_path, "run", "deleter", "--yes-destructive", "--write", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "removed" in done.stdout and not (tmp_path / "victim").exists()
    assert ScriptLibrary().get("deleter").last_result == "exit 0"


def test_dry_run_explains_and_runs_nothing(tmp_path: Path) -> None:
    ScriptLibrary().save("toucher", TOUCH, "bash", "")
    out = llmos(tmp_path, "run", "toucher", "--dry-run", "--yes-destructive")
    assert out.returncode == 0, out.stderr
    assert "would run:" in out.stdout and "dry run" in out.stdout
    assert not (tmp_path / "ran").exists()


def test_job_runs_only_while_the_approved_text_is_unchanged(tmp_path: Path) -> None:
    lib = ScriptLibrary()
    record = lib.save("deleter", DELETE, "bash", "")
    lib.save("other", TOUCH, "bash", "")
    store_jobs(
        {
            "j1": approved_job("j1", "deleter", record.sha256),
            "j2": approved_job("j2", "other", "0" * 64),
        }
    )
    nojob = llmos(tmp_path, "run", "deleter", "--job", "zzz")
    assert nojob.returncode == 3 and "No job" in nojob.stderr
    wrong = llmos(tmp_path, "run", "deleter", "--job", "j2")
    assert wrong.returncode == 3 and "runs other" in wrong.stderr
    (tmp_path / "victim").write_text("x")
    ok = llmos(tmp_path, "run", "deleter", "--job", "j1")  # nobody to ask: the job approved it
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # A job writes only the folders its script declares: the folder it starts in is read-only
    # (under cron that is the home), so its undeclared delete did not happen.
    assert (tmp_path / "victim").exists()
    Path(record.path).write_text(DELETE + "echo more\n")
    changed = llmos(tmp_path, "run", "deleter", "--job", "j1")
    assert changed.returncode == 3
    assert "the script changed since it was scheduled" in changed.stderr


def test_edit_relints_and_saves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    editor = tmp_path / "ed.sh"
    editor.write_text('#!/bin/sh\nsed -i "s/touched/edited/" "$1"\n')
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    before = ScriptLibrary().save("toucher", TOUCH, "bash", "")
    out = llmos(tmp_path, "edit", "toucher")
    assert out.returncode == 0, out.stderr
    assert "lint clean" in out.stdout and "Saved toucher" in out.stdout
    assert "echo edited" in ScriptLibrary().text("toucher")
    assert ScriptLibrary().get("toucher").sha256 != before.sha256


def test_rm_asks_unless_yes(tmp_path: Path) -> None:
    ScriptLibrary().save("toucher", TOUCH, "bash", "")
    kept = llmos(tmp_path, "rm", "toucher")
    assert kept.returncode == 3 and "--yes" in kept.stderr
    assert ScriptLibrary().get("toucher")
    gone = llmos(tmp_path, "rm", "toucher", "--yes")
    assert gone.returncode == 0 and ScriptLibrary().list() == []
