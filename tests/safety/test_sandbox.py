"""run_process with real processes: rlimits, the clean environment, the output cap, the
timeout and Ctrl-C killing the whole group, and the bubblewrap sandbox where it works."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from llmchain_os.safety import process, sandbox
from llmchain_os.safety.sandbox import (
    Limits,
    ProcessResult,
    SandboxSpec,
    SandboxStatus,
    run_process,
    sandbox_status,
)

ROOT = Path(__file__).resolve().parents[2]


def run(argv: list[str], limits: Limits | None = None, **kwargs: object) -> ProcessResult:
    *_, result = run_process(argv, limits or Limits(), **kwargs)  # type: ignore[arg-type]
    assert isinstance(result, ProcessResult)
    return result


def bash(script: str, limits: Limits | None = None, **kwargs: object) -> ProcessResult:
    return run(["bash", "-c", script], limits, **kwargs)


@pytest.fixture
def sandboxed() -> SandboxStatus:
    status = sandbox_status()
    if not status.available:
        pytest.skip(f"bubblewrap sandbox not available here: {status.why_not}")
    return status


@pytest.fixture
def fresh_status() -> Iterator[None]:
    sandbox_status.cache_clear()
    yield
    sandbox_status.cache_clear()


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _survivors(pids: list[int], grace_s: float = 10.0) -> list[int]:
    """Pids still alive once a SIGKILL has had time to land (the grace bounds the wait)."""
    deadline = time.monotonic() + grace_s
    while (alive := [p for p in pids if not _gone(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in alive:  # never leave strays behind, even when the test fails
        psutil.Process(pid).kill()
    return alive


def test_the_limits_have_the_documented_defaults() -> None:
    assert Limits() == Limits(30.0, 60, 2 * 1024**3, 1024**3, 512, 64_000)


def test_output_is_streamed_in_chunks_that_know_their_pipe_then_the_result() -> None:
    items = list(run_process(["bash", "-c", "echo out; sleep 0.3; echo err >&2"], Limits()))

    *chunks, result = items
    assert [(str(c), getattr(c, "stream", "")) for c in chunks] == [
        ("out\n", "stdout"),
        ("err\n", "stderr"),
    ]
    assert isinstance(result, ProcessResult)
    assert (result.stdout, result.stderr, result.exit_code) == ("out\n", "err\n", 0)
    assert result.argv == ["bash", "-c", "echo out; sleep 0.3; echo err >&2"]
    assert result.sandbox == "none: not asked for"
    assert not result.truncated and not result.timed_out


def test_a_missing_program_is_a_failed_result_not_an_exception() -> None:
    result = run(["llmos-no-such-program"])
    assert result.exit_code == 127
    assert "llmos-no-such-program" in result.stderr


def test_the_clean_environment_keeps_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret")
    monkeypatch.setenv("PATH", f"/opt/evil:{os.environ['PATH']}")
    monkeypatch.setenv("TZ", "Europe/Paris")

    env = dict(line.split("=", 1) for line in run(["/usr/bin/env"]).stdout.splitlines())

    assert set(env) == {"PATH", "HOME", "USER", "LANG", "TERM", "TZ"}
    assert env["PATH"] == "/usr/local/bin:/usr/bin:/bin"
    assert (env["LANG"], env["TZ"]) == ("C.UTF-8", "Europe/Paris")
    assert "secret" not in str(env)


def test_without_clean_env_the_callers_environment_and_cwd_are_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LLMOS_TEST_MARK", "kept")

    result = bash('echo "$LLMOS_TEST_MARK $PWD"', clean_env=False, cwd=tmp_path)

    assert result.stdout == f"kept {tmp_path}\n"


def test_every_rlimit_is_set_in_the_child() -> None:
    limits = Limits(cpu_s=7, memory_bytes=512 * 1024**2, file_bytes=4096, processes=99)
    table = run(["cat", "/proc/self/limits"], limits).stdout

    def limit(name: str) -> list[str]:
        line = next(line for line in table.splitlines() if line.startswith(name))
        return line[len(name) :].split()[:2]

    assert limit("Max cpu time") == ["7", "8"]
    assert limit("Max address space") == [str(512 * 1024**2)] * 2
    assert limit("Max file size") == ["4096", "4096"]
    assert limit("Max processes") == ["99", "99"]
    assert limit("Max core file size") == ["0", "0"]


def test_without_prlimit_the_rlimits_are_set_before_exec(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(process, "SAFE_PATH", str(tmp_path))  # no prlimit on it
    assert process.limit_prefix(Limits())[0] == []

    table = run(["/bin/cat", "/proc/self/limits"], Limits(file_bytes=4096)).stdout

    assert "Max file size             4096                 4096" in table


@pytest.mark.timeout(60)
def test_a_cpu_burner_is_killed_by_the_cpu_limit() -> None:
    result = bash("while :; do :; done", Limits(cpu_s=1, timeout_s=45))

    assert not result.timed_out
    assert result.exit_code in (-signal.SIGXCPU, -signal.SIGKILL)


def test_a_memory_hog_is_refused_by_the_address_space_limit() -> None:
    hog = "b = bytearray(1024**3); print('allocated')"
    result = run([sys.executable, "-c", hog], Limits(memory_bytes=256 * 1024**2))

    assert result.exit_code == 1
    assert "MemoryError" in result.stderr
    assert "allocated" not in result.stdout


def test_a_file_past_the_size_limit_is_cut(tmp_path: Path) -> None:
    big = tmp_path / "big"
    result = bash(f"head -c 2M /dev/zero > {big}", Limits(file_bytes=1024**2))

    assert result.exit_code == 128 + signal.SIGXFSZ  # bash reports head killed by SIGXFSZ
    assert big.stat().st_size == 1024**2


def test_a_program_that_ignores_sigxfsz_gets_efbig(tmp_path: Path) -> None:
    big = tmp_path / "big"
    writer = f"open({str(big)!r}, 'wb').write(bytes(2 * 1024**2))"  # Python ignores SIGXFSZ
    result = run([sys.executable, "-c", writer], Limits(file_bytes=1024**2))

    assert result.exit_code == 1
    assert "File too large" in result.stderr


def test_the_process_limit_is_enforced_for_other_users_only() -> None:
    if os.geteuid() == 0:
        pytest.skip("RLIMIT_NPROC is not enforced for root (CAP_SYS_RESOURCE): it is set only")
    result = bash("for i in 1 2 3 4 5 6; do sleep 1 & done; wait", Limits(processes=1))
    assert "Resource temporarily unavailable" in result.stderr


@pytest.mark.timeout(60)
def test_the_timeout_kills_the_child_and_the_grandchild(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = f"echo $$ > {pids}; sleep 30 >/dev/null 2>&1 & echo $! >> {pids}; echo up; wait"

    result = bash(script, Limits(timeout_s=1))

    assert result.timed_out
    assert result.stdout == "up\n"
    assert 1 <= result.duration_s < 10
    spawned = [int(p) for p in pids.read_text().split()]
    assert len(spawned) == 2
    assert _survivors(spawned) == []


def test_endless_output_is_cut_at_the_cap_and_the_command_killed() -> None:
    result = run(["yes"], Limits(output_chars=100))

    assert result.truncated
    assert result.stdout == "y\n" * 50
    assert result.exit_code == -signal.SIGKILL
    assert not result.timed_out


def test_closing_the_stream_early_stops_the_whole_group(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = f"echo $$ > {pids}; sleep 30 >/dev/null 2>&1 & echo $! >> {pids}; echo up; wait"

    stream = run_process(["bash", "-c", script], Limits())
    assert next(stream) == "up\n"
    started = time.monotonic()
    stream.close()  # type: ignore[attr-defined]

    assert time.monotonic() - started < 10  # stopped, not waited for (the sleep is 30 s)
    assert _survivors([int(p) for p in pids.read_text().split()]) == []


CTRL_C_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from llmchain_os.safety.sandbox import Limits, SandboxSpec, run_process

    spec = SandboxSpec(Path(sys.argv[1])) if len(sys.argv) > 1 else None
    script = "echo $$; sleep 30 >/dev/null 2>&1 & echo $!; wait"
    for item in run_process(["bash", "-c", script], Limits(), spec):
        print(item, end="", flush=True)
    """
)


def _ctrl_c_kills_the_group(*args: str) -> None:
    """A real SIGINT to a process that waits in run_process (as Ctrl-C in a terminal)."""
    child = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_CHILD, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    shell_pid, sleep_pid = int(child.stdout.readline()), int(child.stdout.readline())
    # Inside a pid namespace the printed pids are the namespace's: find the host's by parentage.
    host_pids = [p.pid for p in psutil.Process(child.pid).children(recursive=True)]
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=15)  # the sleep is 30 s: it must be killed

    assert child.returncode != 0
    assert "KeyboardInterrupt" in stderr
    assert host_pids and _survivors(host_pids) == []
    if not args:
        assert {shell_pid, sleep_pid} <= set(host_pids)


@pytest.mark.timeout(60)
def test_ctrl_c_kills_the_whole_group_and_re_raises() -> None:
    _ctrl_c_kills_the_group()


@pytest.mark.timeout(60)
def test_ctrl_c_kills_the_whole_sandbox(sandboxed: SandboxStatus, tmp_path: Path) -> None:
    _ctrl_c_kills_the_group(str(tmp_path))


# -- the sandbox --------------------------------------------------------------------------


def test_status_says_bubblewrap_and_its_version(sandboxed: SandboxStatus) -> None:
    assert sandboxed.how.startswith("bubblewrap ")
    assert sandboxed.why_not == ""


def test_status_without_bwrap_says_why_and_how_to_fix(
    fresh_status: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sandbox, "SAFE_PATH", str(tmp_path))  # a PATH with no bwrap on it

    status = sandbox_status()

    assert status == SandboxStatus(False, "", "bwrap not found - apt install bubblewrap")


def test_status_when_bwrap_fails_carries_its_error(
    fresh_status: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(sandbox, "SAFE_PATH", str(tmp_path))

    status = sandbox_status()

    assert status == SandboxStatus(False, "", "bwrap: No permissions to create new namespace")


def test_without_a_sandbox_the_result_says_so_and_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    why = "bwrap: No permissions to create new namespace"
    monkeypatch.setattr(sandbox, "sandbox_status", lambda: SandboxStatus(False, "", why))

    result = run(["pwd"], sandbox=SandboxSpec(tmp_path))

    assert result.sandbox == f"none: {why}"
    assert result.stdout == f"{tmp_path}\n"  # still in the work dir it asked for


def test_a_missing_sandbox_path_is_an_error_that_names_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="missing does not exist"):
        run(["true"], sandbox=SandboxSpec(tmp_path, writable=(tmp_path / "missing",)))


@pytest.mark.parametrize("spec", [SandboxSpec(Path("/")), SandboxSpec(Path.cwd(), (Path("/"),))])
def test_a_writable_root_is_refused(spec: SandboxSpec) -> None:
    with pytest.raises(ValueError, match="every file writable"):
        run(["true"], sandbox=spec)


def test_the_work_dir_is_writable_and_the_rest_read_only(
    sandboxed: SandboxStatus, tmp_path: Path
) -> None:
    # Writable on the host, not under /tmp (the sandbox's /tmp is its own tmpfs), not in ~.
    outside = Path("/var/tmp", f"llmos-sandbox-probe-{os.getpid()}")
    script = f"echo in > inside.txt; echo out > {outside}"

    try:
        result = bash(script, sandbox=SandboxSpec(tmp_path))
        assert result.sandbox == f"bubblewrap (read-only /, writable {tmp_path}, no network)"
        assert (tmp_path / "inside.txt").read_text() == "in\n"
        assert f"{outside}: Read-only file system" in result.stderr
        assert not outside.exists()
    finally:
        outside.unlink(missing_ok=True)


def test_extra_writable_paths_are_writable(sandboxed: SandboxStatus, tmp_path: Path) -> None:
    work, extra = tmp_path / "work", tmp_path / "extra"
    work.mkdir()
    extra.mkdir()

    result = bash(f"echo x > {extra}/f", sandbox=SandboxSpec(work, writable=(extra,)))

    assert result.exit_code == 0, result.stderr
    assert (extra / "f").read_text() == "x\n"
    assert f"writable {extra}" in result.sandbox


def test_tmp_in_the_sandbox_is_private(sandboxed: SandboxStatus, tmp_path: Path) -> None:
    name = f"llmos-sandbox-{os.getpid()}"
    result = bash(f"echo x > /tmp/{name} && cat /tmp/{name}", sandbox=SandboxSpec(tmp_path))

    assert result.stdout == "x\n"
    assert not Path("/tmp", name).exists()


@pytest.fixture
def listener() -> Iterator[int]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server.getsockname()[1]
    server.close()


def test_the_network_is_off_unless_asked_for(
    sandboxed: SandboxStatus, tmp_path: Path, listener: int
) -> None:
    connect = f"exec 3<>/dev/tcp/127.0.0.1/{listener} && echo connected"

    off = bash(connect, sandbox=SandboxSpec(tmp_path))
    on = bash(connect, sandbox=SandboxSpec(tmp_path, network=True))

    assert off.exit_code != 0 and "connected" not in off.stdout
    assert on.stdout == "connected\n", on.stderr
    assert on.sandbox.endswith(", network)")


def test_the_sandbox_sees_host_processes_but_cannot_signal_them(
    sandboxed: SandboxStatus, tmp_path: Path
) -> None:
    victim = subprocess.Popen(["sleep", "60"])
    try:
        script = f"echo $$; test -d /proc/{victim.pid} && echo seen; kill {victim.pid}; echo $?"
        result = bash(script, sandbox=SandboxSpec(tmp_path))
        own_pid, seen, kill_status = result.stdout.split()
        assert int(own_pid) < 10  # pid 1 is bwrap's init; the host's pids are far higher
        assert seen == "seen"  # ps and top work on the host's processes
        assert kill_status != "0"
        assert victim.poll() is None  # the host's process was not reached
    finally:
        victim.kill()
        victim.wait()


def test_the_sandbox_has_no_capabilities_even_for_root(
    sandboxed: SandboxStatus, tmp_path: Path
) -> None:
    result = bash(
        "grep CapEff /proc/self/status; mount -o remount,rw / 2>&1; echo x > /etc/llmos-probe",
        sandbox=SandboxSpec(tmp_path),
    )
    assert "CapEff:\t0000000000000000" in result.stdout
    assert not Path("/etc/llmos-probe").exists()


def test_the_sandboxed_environment_is_clean(
    sandboxed: SandboxStatus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    result = run(["/usr/bin/env"], sandbox=SandboxSpec(tmp_path))
    assert "OPENAI_API_KEY" not in result.stdout
    assert result.stdout  # it did run


@pytest.mark.timeout(60)
def test_the_timeout_kills_everything_in_the_sandbox(
    sandboxed: SandboxStatus, tmp_path: Path
) -> None:
    stream = run_process(
        ["bash", "-c", "sleep 30 >/dev/null 2>&1 & echo up; wait"],
        Limits(timeout_s=1),
        SandboxSpec(tmp_path),
    )
    inside: list[int] = []
    result = None
    for item in stream:
        if item == "up\n":
            bwraps = [
                p
                for p in psutil.process_iter(["cmdline"])
                if str(tmp_path) in " ".join(p.info["cmdline"] or [])
            ]
            inside = [c.pid for p in bwraps for c in [p, *p.children(recursive=True)]]
        result = item
    assert isinstance(result, ProcessResult)
    assert result.timed_out
    assert result.duration_s < 10  # the sleep is 30 s: it was killed, not waited for
    assert len(inside) >= 3  # bwrap, its init, bash, sleep
    assert _survivors(inside) == []


def test_doctor_reports_the_sandbox_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    from llmchain_os import doctor

    found = sandbox_status()
    line = doctor._sandbox()
    assert line.ok  # optional: its absence never fails doctor
    assert line.detail == (
        f"{found.how} available" if found.available else f"not available ({found.why_not})"
    )

    why = "bwrap: No permissions to create new namespace"
    monkeypatch.setattr(sandbox, "sandbox_status", lambda: SandboxStatus(False, "", why))
    line = doctor._sandbox()
    assert line.detail == f"not available ({why})"
    assert "user namespaces" in line.fix


def test_background_jobs_end_with_the_sandboxed_command(
    sandboxed: SandboxStatus, tmp_path: Path
) -> None:
    """Unlike a plain run (where ``nohup x &`` goes on, as in a terminal), the sandbox's pid
    namespace and everything in it end when the command does."""
    marker = f"{tmp_path}/ran"
    script = f"(sleep 1; touch {marker}) >/dev/null 2>&1 & echo started"

    result = bash(script, sandbox=SandboxSpec(tmp_path))
    time.sleep(2)

    assert result.stdout == "started\n"
    assert not Path(marker).exists()
    assert bash(script, cwd=tmp_path).stdout == "started\n"  # and without the sandbox it runs
    deadline = time.monotonic() + 10
    while not Path(marker).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert Path(marker).exists()
