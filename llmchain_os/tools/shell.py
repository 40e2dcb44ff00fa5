"""run_shell: a command line the user spelled out, run under a time and output limit."""

from __future__ import annotations

import os
import signal
import subprocess
from typing import Annotated

from pydantic import BaseModel, Field

from llmchain_os.safety.commands import classify_command
from llmchain_os.safety.risk import Assessment
from llmchain_os.tools.base import Table, ToolOutput, tool

TIMEOUT_S = 30.0
OUTPUT_LIMIT = 64_000


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
        state = "succeeded" if self.exit_code == 0 else f"failed with exit code {self.exit_code}"
        return f"`{self.command}` {state}."

    def table(self) -> Table | None:
        return None


def _assess(args: BaseModel) -> Assessment:
    return classify_command(str(getattr(args, "command", "")))


def _cap(data: bytes, limit: int) -> tuple[str, bool]:
    text = data.decode("utf-8", errors="replace")
    return (text[:limit], True) if len(text) > limit else (text, False)


@tool(risk=_assess)
def run_shell(command: Annotated[str, Field(min_length=1, max_length=4000)]) -> ShellResult:
    """Run a shell command line exactly as the user wrote it and return its output."""
    # bash -c on the user's own command line: the policy has classified this exact text.
    proc = subprocess.Popen(
        ["/bin/bash", "-c", command],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # own process group, so a cancel kills its children too
    )
    timed_out = False
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    except BaseException:  # Ctrl-C in the shell: take the whole group down, then re-raise
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    stdout, cut_out = _cap(out, OUTPUT_LIMIT)
    stderr, cut_err = _cap(err, OUTPUT_LIMIT)
    return ShellResult(
        command=command,
        exit_code=proc.returncode,
        stdout=stdout,
        stderr=stderr,
        truncated=cut_out or cut_err,
        timed_out=timed_out,
    )


TOOLS = [run_shell]
