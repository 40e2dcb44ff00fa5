"""One command under limits: rlimits, a clean environment, output streamed under a cap, and
the whole process group stopped on timeout, overflow or Ctrl-C.

The wait loop runs in the calling thread (``selectors`` on both pipes), so a Ctrl-C raises
KeyboardInterrupt right inside it and the ``finally`` can take the group down before the
exception moves on. The sandbox (bubblewrap) is ``sandbox.py``'s business: here it is only
a prefix of the argv and a label.

A command that exits on its own leaves its group alone: a background job that let go of the
pipes (``nohup x &``) goes on, as it would in a terminal. In the sandbox it does not: the pid
namespace, and everything in it, ends with the command.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import pwd
import resource
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pydantic import BaseModel, ConfigDict

CHUNK = 65_536
GRACE_S = 1.0  # SIGTERM, then SIGKILL this long after if the command is still there
DRAIN_S = 2.0  # after a timeout kill, how long to collect what is still in the pipes
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass(frozen=True)
class Limits:
    """What one command may use.

    ``timeout_s`` is wall-clock; the others are rlimits in the child (RLIMIT_CPU, RLIMIT_AS,
    RLIMIT_FSIZE, RLIMIT_NPROC, and RLIMIT_CORE 0). ``output_chars`` caps each of stdout and
    stderr; past it the command is killed and the result marked truncated.

    RLIMIT_NPROC counts every process of the user, not of the command, and the kernel does
    not enforce it for root (CAP_SYS_RESOURCE): as root it is set but stops nothing.
    """

    timeout_s: float = 30.0
    cpu_s: int = 60
    memory_bytes: int = 2 * 1024**3
    file_bytes: int = 1024**3
    processes: int = 512
    output_chars: int = 64_000


class ProcessResult(BaseModel):
    """How a command ended. ``sandbox`` says how it really ran ("none: <why>" when not)."""

    model_config = ConfigDict(frozen=True)

    argv: list[str]
    exit_code: int
    stdout: str
    stderr: str
    truncated: bool
    timed_out: bool
    duration_s: float
    sandbox: str


class Chunk(str):
    """A piece of output as it arrived; a plain ``str`` that also knows its pipe."""

    stream: str

    def __new__(cls, text: str, stream: str) -> Chunk:
        obj = super().__new__(cls, text)
        obj.stream = stream
        return obj


def clean_environment(source: Mapping[str, str] | None = None) -> dict[str, str]:
    """PATH, HOME, USER, LANG, TERM and TZ (if set): nothing else reaches the command, so
    keys and tokens in the caller's environment (OPENAI_API_KEY, AWS_*) stay out of it."""
    env = os.environ if source is None else source
    account = pwd.getpwuid(os.getuid())
    clean = {
        "PATH": SAFE_PATH,
        "HOME": env.get("HOME") or account.pw_dir,
        "USER": env.get("USER") or account.pw_name,
        "LANG": "C.UTF-8",
        "TERM": env.get("TERM") or "dumb",
    }
    if env.get("TZ"):
        clean["TZ"] = env["TZ"]
    return clean


def _rlimits(limits: Limits) -> list[tuple[int, int, int]]:
    cpu = limits.cpu_s
    return [
        (resource.RLIMIT_CPU, cpu, cpu + 1),  # SIGXCPU at the soft limit, SIGKILL a second on
        (resource.RLIMIT_AS, limits.memory_bytes, limits.memory_bytes),
        (resource.RLIMIT_FSIZE, limits.file_bytes, limits.file_bytes),
        (resource.RLIMIT_NPROC, limits.processes, limits.processes),
        (resource.RLIMIT_CORE, 0, 0),
    ]


def limit_prefix(limits: Limits) -> tuple[list[str], Callable[[], None] | None]:
    """The rlimits as a ``prlimit`` argv prefix (util-linux), else as a preexec function.

    prlimit is preferred: Python code between fork and exec (preexec_fn) can deadlock when
    other threads (the model loading in the background) hold a lock at the fork.
    """
    names = {
        resource.RLIMIT_CPU: "cpu",
        resource.RLIMIT_AS: "as",
        resource.RLIMIT_FSIZE: "fsize",
        resource.RLIMIT_NPROC: "nproc",
        resource.RLIMIT_CORE: "core",
    }
    prlimit = shutil.which("prlimit", path=SAFE_PATH)
    if prlimit is not None:
        flags = [f"--{names[which]}={soft}:{hard}" for which, soft, hard in _rlimits(limits)]
        return [prlimit, *flags, "--"], None
    wanted = _rlimits(limits)

    def apply() -> None:
        for which, soft, hard in wanted:
            resource.setrlimit(which, (soft, hard))

    return [], apply


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signum)


def stop_group(proc: subprocess.Popen[bytes], grace_s: float = GRACE_S) -> None:
    """SIGTERM to the whole group, then SIGKILL to whatever of it is left after the grace.

    The SIGKILL is sent even if the wait is interrupted (a second Ctrl-C)."""
    _signal_group(proc, signal.SIGTERM)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        pass
    finally:
        _signal_group(proc, signal.SIGKILL)


class _Capture:
    """One pipe's text so far: decoded incrementally, kept up to ``limit`` characters."""

    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.truncated = False
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def take(self, data: bytes, final: bool = False) -> str:
        """The new text that fits under the limit (marks ``truncated`` when some did not)."""
        text = self._decoder.decode(data, final=final)
        room = self.limit - self.size
        if len(text) > room:
            text, self.truncated = text[:room], True
        self.parts.append(text)
        self.size += len(text)
        return text

    def text(self) -> str:
        return "".join(self.parts)


def _pump(sel: selectors.BaseSelector, deadline: float) -> Iterator[Chunk]:
    """Chunks from the open pipes until both end, the deadline comes, or one overflows."""
    while sel.get_map():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        for key, _ in sel.select(remaining):
            capture: _Capture = key.data
            data = os.read(key.fd, CHUNK)
            if not data:
                sel.unregister(key.fileobj)
            text = capture.take(data, final=not data)
            if text:
                yield Chunk(text, capture.name)
            if capture.truncated:
                return


def _spawn(
    command: list[str],
    env: dict[str, str] | None,
    cwd: Path | None,
    preexec: Callable[[], None] | None,
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
        start_new_session=True,  # its own process group (and no terminal): a stop reaches all
        preexec_fn=preexec,
    )


def stream_process(
    argv: list[str],
    command: list[str],
    limits: Limits,
    *,
    env: dict[str, str] | None,
    cwd: Path | None,
    sandbox: str,
    preexec: Callable[[], None] | None = None,
) -> Iterator[str | ProcessResult]:
    """Run ``command`` (``argv`` with its wrappers); yield chunks, then the ProcessResult."""
    start = time.monotonic()
    proc = _spawn(command, env, cwd, preexec)
    captures = [_Capture("stdout", limits.output_chars), _Capture("stderr", limits.output_chars)]
    pipes: list[IO[bytes]] = [p for p in (proc.stdout, proc.stderr) if p is not None]
    sel = selectors.DefaultSelector()
    timed_out = False
    try:
        for pipe, capture in zip(pipes, captures, strict=True):
            sel.register(pipe, selectors.EVENT_READ, capture)
        yield from _pump(sel, start + limits.timeout_s)
        timed_out = _settle(proc, sel, captures, start + limits.timeout_s)
        if timed_out:
            yield from _pump(sel, time.monotonic() + DRAIN_S)
    finally:
        if proc.returncode is None:  # Ctrl-C or the caller stopped reading: stop it all
            try:
                stop_group(proc)
            finally:
                proc.wait()
        sel.close()
        for pipe in pipes:
            pipe.close()
    yield ProcessResult(
        argv=argv,
        exit_code=proc.returncode,
        stdout=captures[0].text(),
        stderr=captures[1].text(),
        truncated=any(c.truncated for c in captures),
        timed_out=timed_out,
        duration_s=time.monotonic() - start,
        sandbox=sandbox,
    )


def _settle(
    proc: subprocess.Popen[bytes],
    sel: selectors.BaseSelector,
    captures: list[_Capture],
    deadline: float,
) -> bool:
    """After the pipes: kill on overflow, else wait for the exit; True if the time ran out."""
    if any(c.truncated for c in captures):
        _signal_group(proc, signal.SIGKILL)  # the cap is a hard stop: no grace to write more
        proc.wait()
        return False
    if not sel.get_map():
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            return False
        except subprocess.TimeoutExpired:
            pass
    stop_group(proc)
    proc.wait()
    return True
