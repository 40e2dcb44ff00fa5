"""`llmos` as a user runs it: a real subprocess, the real embedded model, real tools.

Every test gets its own XDG dirs (conftest's autouse ``private_home``); the subprocess inherits
them through a copy of ``os.environ``. Nothing here asks a question: stdin is /dev/null, so
steps that need approval are declined unless a flag approves them.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil
import pytest

import llmchain_os
from llmchain_os.tools.registry import builtin_registry

pytestmark = pytest.mark.model

TOOL_NAMES = builtin_registry().names()
PYTHON_M = [sys.executable, "-m", "llmchain_os"]
CONSOLE_SCRIPT = Path(sys.executable).with_name("llmos")


def llmos(
    *args: str | bytes,
    env: dict[str, str] | None = None,
    argv0: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run llmos with the test's private environment; stdout/stderr decoded leniently."""
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    environ["LLMOS_THREADS"] = "1"
    environ.update(env or {})
    proc = subprocess.run(
        [*(argv0 or PYTHON_M), *args],
        env=environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=180,
    )
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def run_json(*args: str | bytes, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    proc = llmos("run", *args, "--json", env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def lines_of(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]


def squash(text: str) -> str:
    """The text without any whitespace, so a message wrapped by the console still matches."""
    return "".join(text.split())


# -- requests that read --------------------------------------------------------------------


def test_run_json_disk_request_reports_real_disk_usage_of_root() -> None:
    code, doc = run_json("how full is my disk")
    assert code == 0
    assert doc["request"] == "how full is my disk"
    assert doc["provider"] == "local"
    assert "SmolLM2" in doc["model"]
    assert doc["plan"][0]["tool"] == "disk_usage"
    step = doc["steps"][0]
    assert (step["tool"], step["status"]) == ("disk_usage", "done")
    real = psutil.disk_usage("/")
    assert step["output"]["total"] == real.total
    assert abs(step["output"]["used"] - real.used) <= 0.01 * real.total
    assert doc["answer"].strip()
    assert doc["exit_code"] == 0


def test_run_json_five_busiest_processes_gives_top_processes_with_five_rows() -> None:
    code, doc = run_json("show me the 5 busiest processes")
    assert code == 0
    assert doc["plan"][0]["tool"] == "top_processes"
    assert doc["plan"][0]["args"].get("limit") == 5
    step = doc["steps"][0]
    assert (step["tool"], step["status"]) == ("top_processes", "done")
    rows = step["output"]["processes"]
    assert len(rows) == 5
    assert all(isinstance(r["pid"], int) and r["pid"] > 0 for r in rows)
    cpu = [r["cpu_percent"] for r in rows]
    assert cpu == sorted(cpu, reverse=True)


def test_run_without_json_prints_plan_table_and_answer() -> None:
    proc = llmos("run", "how full is my disk")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "disk_usage" in proc.stdout
    assert "Disk usage" in proc.stdout
    assert "%full" in squash(proc.stdout)
    assert "Traceback" not in proc.stderr


# -- approval: nothing beyond reading runs unless approved --------------------------------------


def test_write_command_is_declined_without_approval_and_does_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    code, doc = run_json(f"run `touch {marker}`")
    assert code == 3
    assert doc["plan"][0]["tool"] == "run_shell"
    assert doc["plan"][0]["args"] == {"command": f"touch {marker}"}
    assert [s["status"] for s in doc["steps"]] == ["declined"]
    assert not marker.exists()


def test_dry_run_shows_the_write_step_as_skipped_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    code, doc = run_json(f"run `touch {marker}`", "--dry-run")
    assert code == 0
    assert doc["plan"][0]["args"] == {"command": f"touch {marker}"}
    assert [s["status"] for s in doc["steps"]] == ["skipped"]
    assert "dry run" in doc["steps"][0]["error"]
    assert not marker.exists()


def test_yes_approves_a_write_command_and_it_runs(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    code, doc = run_json(f"run `touch {marker}`", "--yes")
    assert code == 0
    assert [s["status"] for s in doc["steps"]] == ["done"]
    assert marker.exists()


def test_yes_does_not_approve_a_destructive_command(tmp_path: Path) -> None:
    victim = tmp_path / "dir"
    victim.mkdir()
    (victim / "keep.txt").write_text("keep")
    code, doc = run_json(f"run `rm -rf {victim}`", "--yes")
    assert code == 3
    step = doc["steps"][0]
    assert (step["status"], step["risk"]) == ("declined", "destructive")
    assert (victim / "keep.txt").read_text() == "keep"


def test_yes_destructive_approves_a_destructive_command(tmp_path: Path) -> None:
    victim = tmp_path / "dir"
    victim.mkdir()
    (victim / "gone.txt").write_text("x")
    code, doc = run_json(f"run `rm -rf {victim}`", "--yes-destructive")
    assert code == 0
    assert [s["status"] for s in doc["steps"]] == ["done"]
    assert not victim.exists()


def test_denied_command_is_declined_even_with_yes_destructive() -> None:
    code, doc = run_json("run `rm -rf /`", "--yes-destructive")
    assert code == 3
    step = doc["steps"][0]
    assert step["status"] == "declined"
    assert "never run" in step["error"]


# -- bad input --------------------------------------------------------------------------------


def test_empty_request_exits_2_with_one_line_and_no_traceback() -> None:
    proc = llmos("run", "")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    out = lines_of(proc)
    assert len(out) == 1, out
    assert "Nothing to do" in out[0]


def test_empty_request_json_reports_the_error_with_exit_code_2() -> None:
    code, doc = run_json("")
    assert code == 2
    assert doc["exit_code"] == 2
    assert doc["error"] and "\n" not in doc["error"]
    assert doc["steps"] == []


def _one_megabyte_argv() -> list[str]:
    # One argument may hold at most 128 KiB on Linux; the request is the words joined.
    chunk = "disk " * 25_000  # 125,000 characters
    return [chunk] * 8  # 1,000,000 characters in all


def test_one_megabyte_request_exits_2_with_a_one_line_error_in_json() -> None:
    code, doc = run_json(*_one_megabyte_argv())
    assert code == 2
    assert doc["steps"] == [] and doc["plan"] == []
    assert "limit" in doc["error"] and "\n" not in doc["error"]


def test_one_megabyte_request_plain_output_is_one_line_without_traceback() -> None:
    proc = llmos("run", *_one_megabyte_argv())
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    out = lines_of(proc)
    assert len(out) == 1, out
    assert "limit is 4,000" in out[0]


def test_request_with_a_stray_escape_sequence_is_cleaned_and_handled() -> None:
    code, doc = run_json("how full is my disk \x1b[31m")
    assert code == 0
    assert doc["steps"][0]["tool"] == "disk_usage"
    assert doc["steps"][0]["status"] == "done"


def test_request_of_control_characters_is_refused_as_binary_with_exit_2() -> None:
    code, doc = run_json("\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f abc")
    assert code == 2
    assert "binary" in doc["error"]
    assert doc["steps"] == []


@pytest.mark.parametrize(
    "junk",
    [b"how full is my disk \xff", b"\xff\xfe\xfd\xfc"],
    ids=["mostly-text", "all-invalid"],
)
def test_invalid_utf8_request_in_json_mode_gives_json_not_traceback(junk: bytes) -> None:
    proc = llmos("run", junk, "--json")
    assert "Traceback" not in proc.stderr, proc.stderr[-500:]
    doc = json.loads(proc.stdout)
    assert proc.returncode == doc["exit_code"]


def test_invalid_utf8_request_in_plain_mode_has_no_traceback() -> None:
    proc = llmos("run", b"\xff\xfe\xfd\xfc")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert len(lines_of(proc)) == 1


def test_french_request_is_unsure_or_a_valid_plan_never_a_traceback() -> None:
    code, doc = run_json("quel est l'espace disque libre")
    assert code in (0, 5)
    assert doc["exit_code"] == code
    if code == 5:
        assert doc["unsure"] and doc["steps"] == []
    else:
        assert doc["plan"] and all(p["tool"] in TOOL_NAMES for p in doc["plan"])


# -- model problems ---------------------------------------------------------------------------


def test_missing_model_file_exits_4_naming_the_path() -> None:
    code, doc = run_json("how full is my disk", env={"LLMOS_MODEL": "/nonexistent.gguf"})
    assert code == 4
    assert "/nonexistent.gguf" in doc["error"]
    assert "\n" not in doc["error"]
    assert doc["steps"] == []


def test_missing_model_file_plain_output_is_one_line_naming_the_path() -> None:
    proc = llmos("run", "how full is my disk", env={"LLMOS_MODEL": "/nonexistent.gguf"})
    assert proc.returncode == 4
    assert "Traceback" not in proc.stdout + proc.stderr
    out = lines_of(proc)
    assert len(out) == 1, out
    assert "/nonexistent.gguf" in out[0]


def _random_bytes(n: int) -> bytes:
    return random.Random(1234).randbytes(n)


@pytest.mark.parametrize(
    "content",
    [_random_bytes(1024), b"GGUF" + _random_bytes(1024)],
    ids=["random-bytes", "gguf-magic-then-junk"],
)
def test_corrupt_model_file_exits_4_with_one_line_and_no_traceback(
    tmp_path: Path, content: bytes
) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(content)
    code, doc = run_json("how full is my disk", env={"LLMOS_MODEL": str(bad)})
    assert code == 4
    assert str(bad) in doc["error"] and "\n" not in doc["error"]
    assert doc["steps"] == []
    proc = llmos("run", "how full is my disk", env={"LLMOS_MODEL": str(bad)})
    assert proc.returncode == 4
    assert "Traceback" not in proc.stdout + proc.stderr
    out = lines_of(proc)
    assert len(out) == 1, out
    assert str(bad) in out[0]


def test_bad_setting_in_environment_exits_2_with_one_line() -> None:
    proc = llmos("run", "how full is my disk", env={"LLMOS_THREADS": "0"})
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    out = lines_of(proc)
    assert len(out) == 1 and "n_threads" in out[0], out


# -- the other commands -----------------------------------------------------------------------


def test_config_show_prints_settings_and_masks_the_api_key() -> None:
    secret = "sk-test-0123456789abcdefSECRET"
    proc = llmos("config", "show", env={"OPENAI_API_KEY": secret})
    assert proc.returncode == 0
    assert secret not in proc.stdout + proc.stderr
    assert "SECRET" not in proc.stdout
    settings = dict(
        line.split(" = ", 1) for line in proc.stdout.splitlines() if not line.startswith("#")
    )
    assert settings["cloud_api_key"] == '"***"'
    assert settings["n_threads"] == "1"  # LLMOS_THREADS from the environment
    assert settings["n_ctx"] == "2048"


def test_config_show_without_key_shows_null_key() -> None:
    proc = llmos("config", "show")
    assert proc.returncode == 0
    assert "cloud_api_key = null" in proc.stdout


def test_config_path_is_under_the_private_xdg_config_home() -> None:
    proc = llmos("config", "path")
    assert proc.returncode == 0
    assert proc.stdout.strip() == str(
        Path(os.environ["XDG_CONFIG_HOME"]) / "llmchain-os" / "config.toml"
    )


def test_doctor_exits_0_and_reports_the_model_loaded() -> None:
    proc = llmos("doctor")
    assert proc.returncode == 0, proc.stdout
    model_lines = [line for line in proc.stdout.splitlines() if line.startswith("ok   model:")]
    assert len(model_lines) == 1, proc.stdout
    assert "loaded" in model_lines[0]
    assert "ok   embeddings: all-MiniLM-L6-v2" in proc.stdout


def test_doctor_says_what_is_missing_without_man_pages(tmp_path: Path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    for name in ("bash", "sh", "bwrap"):  # a minimal image: no man, no apropos
        if (found := shutil.which(name)) is not None:
            (bare / name).symlink_to(found)
    proc = llmos("doctor", env={"PATH": str(bare)})

    assert "manuals: no `man` program" in proc.stdout, proc.stdout
    assert "no whatis database" in proc.stdout


def test_doctor_fails_and_names_the_fix_when_the_model_is_missing() -> None:
    proc = llmos("doctor", env={"LLMOS_MODEL": "/nonexistent.gguf"})
    assert proc.returncode == 1
    assert "FAIL model" in proc.stdout and "/nonexistent.gguf" in proc.stdout


def test_tools_lists_every_registered_tool() -> None:
    proc = llmos("tools")
    assert proc.returncode == 0
    names = [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]
    assert sorted(names) == sorted(TOOL_NAMES)


def test_version_flag_prints_package_version() -> None:
    proc = llmos("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"llmchain-os {llmchain_os.__version__}"


def test_run_without_a_request_is_a_usage_error_exit_2() -> None:
    proc = llmos("run")
    assert proc.returncode == 2
    assert "usage:" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_subcommand_is_a_usage_error_exit_2() -> None:
    proc = llmos("frobnicate")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_console_script_and_python_m_give_the_same_result() -> None:
    assert CONSOLE_SCRIPT.is_file(), f"no console script at {CONSOLE_SCRIPT}"
    script = llmos("run", "how full is my disk", "--json", argv0=[str(CONSOLE_SCRIPT)])
    module = llmos("run", "how full is my disk", "--json")
    assert script.returncode == module.returncode == 0
    a, b = json.loads(script.stdout), json.loads(module.stdout)
    for key in ("request", "provider", "model", "plan", "exit_code", "answer_by"):
        assert a[key] == b[key], key
    assert a["steps"][0]["output"]["total"] == b["steps"][0]["output"]["total"]


def test_audit_verify_exits_0_on_a_whole_chain_and_non_zero_once_a_line_is_gone() -> None:
    from llmchain_os.exitcodes import ExitCode
    from llmchain_os.safety.audit import AuditLog, new_entry

    log = AuditLog()
    for i in range(4):
        log.append(new_entry(step_id=f"s{i}", tool="t", args={"i": i}, risk="read", status="done"))

    proc = llmos("audit", "verify")
    assert proc.returncode == 0, proc.stderr
    assert lines_of(proc)[0].startswith("ok: 4 entries chained, head ")

    lines = log.path.read_bytes().splitlines(keepends=True)
    log.path.write_bytes(b"".join(lines[:1] + lines[2:]))
    proc = llmos("audit", "verify")
    assert proc.returncode == ExitCode.UNVERIFIED
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert lines_of(proc) == [
        f"audit log NOT verified: an entry is missing before line 2 - {log.path}"
    ]
