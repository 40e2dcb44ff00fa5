"""run_shell runs real bash command lines: output, exit codes, the output cap and the timeout."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest

from llmchain_os.safety.risk import Risk
from llmchain_os.tools import shell
from llmchain_os.tools.base import ToolError, builtin_registry


def run_shell(command: str):
    tool = builtin_registry().get("run_shell")
    return tool.call(tool.parse_args({"command": command}))


def test_echo_succeeds_with_its_output_on_stdout() -> None:
    result = run_shell("echo hi")

    assert result.exit_code == 0
    assert result.stdout == "hi\n"
    assert result.stderr == ""
    assert not result.truncated
    assert not result.timed_out
    assert result.summary() == "`echo hi` succeeded."


def test_nonzero_exit_code_is_reported() -> None:
    result = run_shell("exit 3")

    assert result.exit_code == 3
    assert not result.timed_out
    assert "failed with exit code 3" in result.summary()
    assert result.failure() == "`exit 3` exited with 3"


def test_a_successful_command_is_no_failure() -> None:
    assert run_shell("true").failure() is None


def test_stderr_is_captured_apart_from_stdout() -> None:
    result = run_shell("echo out; echo oops >&2; ls /no/such/path-llmos")

    assert result.stdout == "out\n"
    assert result.stderr.startswith("oops\n")
    assert "/no/such/path-llmos" in result.stderr
    assert result.exit_code != 0


def test_the_command_runs_in_bash_with_pipes(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("b\na\nc\n")
    result = run_shell(f"sort {tmp_path / 'f.txt'} | head -n 2")
    assert result.stdout == "a\nb\n"


def test_stdout_beyond_the_limit_is_cut_flagged_and_the_command_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shell, "OUTPUT_LIMIT", 10)

    result = run_shell("head -c 1000 /dev/zero | tr '\\0' x; sleep 30")

    assert result.stdout == "x" * 10
    assert result.truncated
    assert not result.timed_out
    assert result.exit_code != 0  # killed, never reached the sleep's end
    assert result.failure() is None  # cut at the cap by us: what it printed is the result
    assert "output passed 10 characters" in result.summary()


def test_stderr_beyond_the_limit_is_cut_and_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shell, "OUTPUT_LIMIT", 10)

    result = run_shell("echo out; head -c 50 /dev/zero | tr '\\0' e >&2")

    assert result.stderr == "e" * 10
    assert result.stdout == "out\n"
    assert result.truncated


@pytest.mark.timeout(60)
def test_endless_output_is_cut_at_the_limit_and_its_process_group_killed(tmp_path: Path) -> None:
    pids = tmp_path / "pids"

    result = run_shell(f"echo $$ > {pids}; cat /dev/zero & echo $! >> {pids}; wait")
    spawned = [int(line) for line in pids.read_text().split()]
    try:
        assert result.truncated
        assert not result.timed_out
        assert result.stdout == "\0" * shell.OUTPUT_LIMIT
        assert result.failure() is None  # cut at the cap: a result, not a failure
        assert "was stopped" in result.summary()
        assert len(spawned) == 2
        assert _survivors(spawned) == []
    finally:
        for pid in spawned:
            if psutil.pid_exists(pid) and not _gone_or_zombie(pid):
                psutil.Process(pid).kill()


def test_output_within_the_limit_is_not_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shell, "OUTPUT_LIMIT", 10)
    result = run_shell("printf 0123456789")
    assert result.stdout == "0123456789"
    assert not result.truncated


def test_invalid_utf8_output_is_replaced_not_fatal() -> None:
    result = run_shell("printf 'a\\377b'")
    assert result.stdout == "a\ufffdb"


def test_utf8_split_across_reads_is_decoded_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shell, "CHUNK", 1)  # every byte its own read
    result = run_shell("printf 'h\\xc3\\xa9llo \\xe2\\x82\\xac'")
    assert result.stdout == "h\u00e9llo \u20ac"


def test_ctrl_c_while_waiting_kills_the_group_and_re_raises(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pids = tmp_path / "pids"

    def interrupted(*args: object, **kwargs: object) -> bool:
        while not pids.exists() or len(pids.read_text().split()) < 2:
            time.sleep(0.01)
        raise KeyboardInterrupt

    monkeypatch.setattr(shell, "_finished", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_shell(f"echo $$ > {pids}; sleep 30 >/dev/null 2>&1 & echo $! >> {pids}; wait")
    spawned = [int(line) for line in pids.read_text().split()]
    try:
        assert _survivors(spawned) == []
    finally:
        for pid in spawned:
            if psutil.pid_exists(pid) and not _gone_or_zombie(pid):
                psutil.Process(pid).kill()


def _gone_or_zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _survivors(pids: list[int], grace_s: float = 10.0) -> list[int]:
    """The pids still alive once a SIGKILL has had time to land (delivery is asynchronous;
    the grace only bounds the wait, it is not what is tested)."""
    deadline = time.monotonic() + grace_s
    while (alive := [p for p in pids if not _gone_or_zombie(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def test_timeout_kills_the_whole_process_group(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(shell, "TIMEOUT_S", 1)
    pids = tmp_path / "pids"
    # Both sleeps let go of bash's pipes, so only a kill of the whole group can stop them;
    # killing bash alone would return at once and leave them running.
    command = (
        f"echo started; sleep 30 >/dev/null 2>&1 & echo $! > {pids}; "
        f"sleep 30 >/dev/null 2>&1 & echo $! >> {pids}; wait"
    )

    result = run_shell(command)
    spawned = [int(line) for line in pids.read_text().split()]
    try:
        assert result.timed_out
        assert result.exit_code != 0
        assert result.stdout == "started\n"
        assert "stopped after 1 s" in result.summary()
        assert result.failure() == f"`{command}` was stopped after 1 s"
        assert len(spawned) == 2
        assert _survivors(spawned) == []
    finally:
        for pid in spawned:  # never leave a stray sleep behind, even when the test fails
            if psutil.pid_exists(pid) and not _gone_or_zombie(pid):
                psutil.Process(pid).kill()


def test_run_shell_risk_comes_from_the_command_text() -> None:
    tool = builtin_registry().get("run_shell")
    assert tool.assess(tool.parse_args({"command": "uptime"})).risk is Risk.READ
    assert tool.assess(tool.parse_args({"command": "rm -r x"})).risk is Risk.DESTRUCTIVE
    assert tool.assess(tool.parse_args({"command": "rm -rf /"})).denied


@pytest.mark.parametrize("command", ["", "x" * 4001], ids=["empty", "too-long"])
def test_run_shell_rejects_empty_or_huge_commands(command: str) -> None:
    with pytest.raises(ToolError, match="run_shell: bad command"):
        builtin_registry().get("run_shell").parse_args({"command": command})
