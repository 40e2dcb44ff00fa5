"""run_shell: a command line the user spelled out, run under a time and output limit."""

from __future__ import annotations

import codecs
import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from typing import IO, Annotated

from pydantic import BaseModel, Field

from llmchain_os.safety.commands import classify_command
from llmchain_os.safety.risk import Assessment
from llmchain_os.tools.base import Table, ToolOutput, tool

TIMEOUT_S = 30.0
OUTPUT_LIMIT = 64_000
CHUNK = 65_536
DRAIN_S = 5.0  # how long to wait for the pipes to close once the group is killed


class ShellResult(ToolOutput):
    command: str
    exit_code: int
    stdout: str
    stderr: str
    truncated: bool = False
    timed_out: bool = False

    def summary(self) -> str:
        if self.timed_out:
            return f"`{self.command}` was stopped after {TIMEOUT_S:.0f} s."
        if self.exit_code == 0:
            return f"`{self.command}` succeeded."
        if self.truncated and self.exit_code == -signal.SIGKILL:
            return f"`{self.command}` was stopped: its output passed {OUTPUT_LIMIT:,} characters."
        return f"`{self.command}` failed with exit code {self.exit_code}."

    def failure(self) -> str | None:
        if self.timed_out:
            return f"`{self.command}` was stopped after {TIMEOUT_S:.0f} s"
        if self.exit_code == 0 or (self.truncated and self.exit_code == -signal.SIGKILL):
            return None  # stopped by us at the output cap: what it printed is the result
        return f"`{self.command}` exited with {self.exit_code}"

    def table(self) -> Table | None:
        return None


def _assess(args: BaseModel) -> Assessment:
    return classify_command(str(getattr(args, "command", "")))


class _Reader(threading.Thread):
    """Reads one pipe as it fills, keeping at most ``limit`` characters of it.

    Past the limit it calls ``overflow`` (which kills the process group) and stops reading,
    so a command that writes without end never costs more than ``limit`` characters.
    """

    def __init__(self, pipe: IO[bytes], limit: int, overflow: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self.pipe = pipe
        self.limit = limit
        self.overflow = overflow
        self.parts: list[str] = []
        self.size = 0
        self.truncated = False
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def run(self) -> None:
        with self.pipe:
            while chunk := os.read(self.pipe.fileno(), CHUNK):
                if not self._keep(self._decoder.decode(chunk)):
                    return
            self._keep(self._decoder.decode(b"", final=True))

    def _keep(self, text: str) -> bool:
        """Keep text up to the limit; False (after calling overflow) once it is passed."""
        room = self.limit - self.size
        if len(text) <= room:
            self.parts.append(text)
            self.size += len(text)
            return True
        self.parts.append(text[:room])
        self.size = self.limit
        self.truncated = True
        self.overflow()
        return False

    def text(self) -> str:
        return "".join(self.parts)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _finished(proc: subprocess.Popen[bytes], readers: list[_Reader], deadline: float) -> bool:
    """Wait for the command and both pipes to end; False if the deadline came first."""
    try:
        proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return False
    for reader in readers:
        reader.join(timeout=max(0.0, deadline - time.monotonic()))
    return not any(reader.is_alive() for reader in readers)


def _start(command: str) -> tuple[subprocess.Popen[bytes], list[_Reader]]:
    # bash -c on the user's own command line: the policy has classified this exact text.
    proc = subprocess.Popen(
        ["/bin/bash", "-c", command],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # own process group, so a cancel kills its children too
    )
    assert proc.stdout is not None and proc.stderr is not None
    readers = [
        _Reader(pipe, OUTPUT_LIMIT, lambda: _kill_group(proc))
        for pipe in (proc.stdout, proc.stderr)
    ]
    for reader in readers:
        reader.start()
    return proc, readers


@tool(risk=_assess)
def run_shell(command: Annotated[str, Field(min_length=1, max_length=4000)]) -> ShellResult:
    """Run a shell command line exactly as the user wrote it and return its output."""
    proc, readers = _start(command)
    try:
        timed_out = not _finished(proc, readers, time.monotonic() + TIMEOUT_S)
    except BaseException:  # Ctrl-C in the shell: take the whole group down, then re-raise
        _kill_group(proc)
        proc.wait()
        raise
    if timed_out:
        _kill_group(proc)
        proc.wait()
        for reader in readers:
            reader.join(timeout=DRAIN_S)
    stdout, stderr = (reader.text() for reader in readers)
    return ShellResult(
        command=command,
        exit_code=proc.returncode,
        stdout=stdout,
        stderr=stderr,
        truncated=any(reader.truncated for reader in readers),
        timed_out=timed_out,
    )


TOOLS = [run_shell]
