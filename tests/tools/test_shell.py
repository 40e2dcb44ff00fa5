"""run_shell runs real bash command lines: output, exit codes, the output cap and the timeout."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil
import pytest

from llmchain_os.agent.events import Event, EventKind
from llmchain_os.agent.executor import Executor
from llmchain_os.agent.plan import Plan, Step, StepStatus
from llmchain_os.agent.policy import Policy
from llmchain_os.errors import ToolError
from llmchain_os.repl.app import string_console
from llmchain_os.repl.render import Renderer
from llmchain_os.safety import process
from llmchain_os.safety.confine import Grant
from llmchain_os.safety.risk import Risk
from llmchain_os.tools import shell

# The process tests read the pids a command writes with `echo $$`: a sandbox's pid namespace
from llmchain_os.tools.registry import builtin_registry

# would give its own numbers, so they run as the user's own `!cmd` does (unconfined).
# Confinement itself is tested in tests/safety/test_confine.py.
UNCONFINED = Grant(mode="unconfined", why="a test of process handling")


def run_shell(command: str, grant: Grant | None = UNCONFINED) -> shell.ShellResult:
    tool = builtin_registry().get("run_shell")
    result = tool.call(tool.parse_args({"command": command}), grant)
    assert isinstance(result, shell.ShellResult)
    return result


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
    monkeypatch.setattr(process, "CHUNK", 1)  # every byte its own read
    result = run_shell("printf 'h\\xc3\\xa9llo \\xe2\\x82\\xac'")
    assert result.stdout == "h\u00e9llo \u20ac"


def test_ctrl_c_while_waiting_kills_the_group_and_re_raises(tmp_path: Path) -> None:
    """A real signal lands while run_shell waits in its select: the handler raises
    KeyboardInterrupt there, as Ctrl-C does in the shell."""
    pids = tmp_path / "pids"
    tool = builtin_registry().get("run_shell")
    command = f"echo $$ > {pids}; sleep 30 >/dev/null 2>&1 & echo $! >> {pids}; echo ready; wait"

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            for item in tool.stream(tool.parse_args({"command": command}), UNCONFINED):
                if item == "ready\n":
                    signal.setitimer(signal.ITIMER_REAL, 0.2)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    spawned = [int(line) for line in pids.read_text().split()]
    try:
        assert len(spawned) == 2
        assert _survivors(spawned) == []
    finally:
        for pid in spawned:
            if psutil.pid_exists(pid) and not _gone_or_zombie(pid):
                psutil.Process(pid).kill()


def test_output_streams_as_it_comes_then_the_result() -> None:
    tool = builtin_registry().get("run_shell")
    items = list(tool.stream(tool.parse_args({"command": "echo one; sleep 0.3; echo two >&2"})))

    *chunks, result = items
    assert [(str(c), getattr(c, "stream", "")) for c in chunks] == [
        ("one\n", "stdout"),
        ("two\n", "stderr"),
    ]
    assert isinstance(result, shell.ShellResult)
    assert (result.stdout, result.stderr) == ("one\n", "two\n")


def test_runs_in_the_users_own_environment_and_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LLMOS_TEST_MARK", "mine")
    monkeypatch.chdir(tmp_path)

    result = run_shell('echo "$LLMOS_TEST_MARK $PWD"')

    assert result.stdout == f"mine {os.getcwd()}\n"


def test_rlimits_are_on_even_for_the_users_own_commands() -> None:
    limits = run_shell("cat /proc/self/limits").stdout

    assert _limit(limits, "Max core file size") == "0"
    assert _limit(limits, "Max address space") == str(2 * 1024**3)


def _limit(table: str, name: str) -> str:
    line = next(line for line in table.splitlines() if line.startswith(name))
    return line[len(name) :].split()[0]


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


# -- streaming through the executor and the renderer -------------------------------------


def _executor() -> Executor:
    return Executor(builtin_registry(), Policy(), approve=lambda step, decision: True)


def _plan(command: str) -> Plan:
    """The user's own command (`!cmd`), which runs unconfined: see UNCONFINED above."""
    return Plan(steps=[Step(tool="run_shell", args={"command": command})], source="user")


def test_the_executor_turns_output_into_chunk_events_before_the_result() -> None:
    events = list(_executor().execute(_plan("echo one; sleep 0.3; echo two >&2; exit 1")))

    kinds = [ev.kind for ev in events]
    chunks = [(ev.text, ev.data["stream"]) for ev in events if ev.kind is EventKind.OUTPUT_CHUNK]
    assert chunks == [("one\n", "stdout"), ("two\n", "stderr")]
    assert kinds.index(EventKind.OUTPUT_CHUNK) < kinds.index(EventKind.OUTPUT)
    output = next(ev for ev in events if ev.kind is EventKind.OUTPUT)
    assert (output.data["output"]["stdout"], output.data["output"]["stderr"]) == ("one\n", "two\n")
    assert kinds[-1] is EventKind.STEP_FAILED


def test_the_renderer_shows_streamed_output_once() -> None:
    console = string_console()
    renderer = Renderer(console)

    for ev in _executor().execute(_plan("echo first-line; printf 'no-newline'; echo warn >&2")):
        renderer.render(ev)

    plan_line, shown = console.file.getvalue().split("\n", 1)  # type: ignore[attr-defined]
    assert plan_line.startswith("plan 1. run_shell")
    assert shown.count("first-line") == 1
    assert shown.count("no-newline") == 1  # the unended last line comes with the result
    assert shown.count("warn") == 1


def test_a_caller_that_stops_reading_stops_the_command(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    executor = _executor()
    events = executor.execute(
        _plan(f"echo $$ > {pids}; sleep 30 >/dev/null 2>&1 & echo $! >> {pids}; echo up; wait")
    )

    for ev in events:
        if ev.kind is EventKind.OUTPUT_CHUNK:
            break
    started = time.monotonic()
    events.close()  # type: ignore[attr-defined]

    assert time.monotonic() - started < 10
    spawned = [int(line) for line in pids.read_text().split()]
    assert _survivors(spawned) == []
    assert executor.cancelled
    assert [(r.status, r.error) for r in executor.records] == [(StepStatus.FAILED, "cancelled")]


def test_ctrl_c_during_a_streamed_command_is_a_cancelled_step(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    executor = _executor()
    command = f"echo $$ > {pids}; sleep 30 >/dev/null 2>&1 & echo $! >> {pids}; echo up; wait"

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    kinds = []
    try:
        for ev in executor.execute(_plan(command)):
            kinds.append(ev.kind)
            if ev.kind is EventKind.OUTPUT_CHUNK:
                signal.setitimer(signal.ITIMER_REAL, 0.2)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    assert kinds[-1] is EventKind.STEP_FAILED
    assert EventKind.OUTPUT not in kinds
    assert executor.records[-1].error == "cancelled (Ctrl-C)"
    assert executor.cancelled
    assert _survivors([int(line) for line in pids.read_text().split()]) == []


def _render_chunks(*chunks: str) -> str:
    console = string_console(width=10_000)
    renderer = Renderer(console)
    for text in chunks:
        renderer.render(Event(kind=EventKind.OUTPUT_CHUNK, step=0, text=text))
    renderer.render(Event(kind=EventKind.OUTPUT, step=0, data={"output": {"stdout": "x"}}))
    return console.file.getvalue()  # type: ignore[no-any-return, attr-defined]


def test_streamed_output_past_the_line_budget_says_how_much_more() -> None:
    shown = _render_chunks("".join(f"line {i}\n" for i in range(250)))

    assert "line 199\n" in shown and "line 200" not in shown
    assert "... 50 more lines" in shown


def test_a_long_streamed_line_is_clipped_even_across_chunks() -> None:
    shown = _render_chunks("a" * 1500, "a" * 1500, "a" * 1500 + "\nnext\n")

    assert shown.startswith("a" * 2000 + "... (2,500 more characters)\n")
    assert "next\n" in shown


def test_the_chain_result_ignores_chunks_and_keeps_the_whole_output() -> None:
    from llmchain_os.api import ChainResult

    events = list(_executor().execute(_plan("echo a; sleep 0.2; echo b")))
    assert sum(ev.kind is EventKind.OUTPUT_CHUNK for ev in events) == 2

    result = ChainResult.from_events("!echo", events)

    assert [step.status for step in result.steps] == [StepStatus.DONE]
    assert result.steps[0].output is not None
    assert result.steps[0].output["stdout"] == "a\nb\n"
    assert result.exit_code == 0


def test_output_cut_off_by_a_failure_does_not_leak_into_the_next_command() -> None:
    console = string_console()
    renderer = Renderer(console)
    renderer.render(Event(kind=EventKind.OUTPUT_CHUNK, step=0, text="done\nhalf-a-li"))
    failed = {"tool": "run_shell"}
    renderer.render(Event(kind=EventKind.STEP_FAILED, step=0, text="cancelled", data=failed))
    renderer.render(Event(kind=EventKind.PLAN, data={"plan": []}))
    renderer.render(Event(kind=EventKind.OUTPUT_CHUNK, step=0, text="fresh\n"))

    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert shown.splitlines() == ["done", "half-a-li", "✗ run_shell failed: cancelled", "fresh"]
