"""`llmos batch`: one request per line, through the same path as `llmos run`, in a new process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from llmchain_os.batch_cli import Line, request_lines
from llmchain_os.exitcodes import ExitCode, worst

PYTHON_M = [sys.executable, "-m", "llmchain_os"]


def batch(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PYTHON_M, "batch", *args],
        env={**os.environ, "LLMOS_THREADS": "1"},
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def json_lines(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert "Traceback" not in proc.stderr, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def requests_file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "requests.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_blank_lines_and_comments_are_skipped_and_lines_keep_their_numbers() -> None:
    data = b"# nightly checks\n\nhow full is my disk\n   \n  # indented comment\n uptime \n"
    assert request_lines(data) == [Line(3, b"how full is my disk"), Line(6, b"uptime")]


def test_worst_ranks_a_failure_above_a_decline_and_unsure() -> None:
    assert worst([ExitCode.DONE, ExitCode.DECLINED, ExitCode.STEP_FAILED]) == ExitCode.STEP_FAILED
    assert worst([ExitCode.UNSURE, ExitCode.DONE]) == ExitCode.UNSURE
    assert worst([ExitCode.DECLINED, ExitCode.UNSURE]) == ExitCode.DECLINED
    assert worst([ExitCode.STEP_FAILED, ExitCode.INTERRUPTED]) == ExitCode.INTERRUPTED


def test_every_line_runs_and_the_exit_is_the_worst(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    path = requests_file(
        tmp_path,
        "# a comment",
        f"run `touch {marker}`",
        "",
        "run `false`",
        "how full is my disk",
    )
    proc = batch(str(path), "--json")
    results = json_lines(proc)
    assert [(r["line"], r["exit_code"]) for r in results] == [(2, 3), (4, 1), (5, 0)]
    assert results[2]["steps"][0]["tool"] == "disk_usage"
    assert proc.returncode == ExitCode.STEP_FAILED
    assert not marker.exists()


def test_stop_on_error_stops_at_the_first_line_that_is_not_done(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    path = requests_file(tmp_path, f"run `touch {marker}`", "how full is my disk")
    proc = batch(str(path), "--jsonl", "--stop-on-error")
    assert [r["line"] for r in json_lines(proc)] == [1]
    assert "stopped at line 1" in proc.stderr
    assert proc.returncode == ExitCode.DECLINED


def test_yes_and_dry_run_are_honoured_from_stdin(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    dry = batch("-", "--json", "--yes", "--dry-run", stdin=f"run `touch {marker}`\n")
    assert [s["status"] for s in json_lines(dry)[0]["steps"]] == ["skipped"]
    assert dry.returncode == 0 and not marker.exists()
    approved = batch("-", "--yes", stdin=f"run `touch {marker}`\nhow full is my disk\n")
    assert approved.returncode == 0, approved.stderr
    assert marker.exists()
    assert "# 1: run `touch" in approved.stdout and "# 2: how full is my disk" in approved.stdout
    assert "line  exit  request" in approved.stderr


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    proc = batch(str(tmp_path / "nope.txt"))
    assert proc.returncode == ExitCode.USAGE
    assert (
        proc.stderr.startswith("llmos: cannot read the requests:")
        and "Traceback" not in proc.stderr
    )
