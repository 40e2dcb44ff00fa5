"""run_shell: a command line the user spelled out, run under a time and output limit.

It runs in the user's own environment and working directory (it is their command), with
the rlimits on, confined to what its approval granted (``safety/confine.py``): a read sees
everything read-only, an approved change may write only the targets its question named.
The process code is ``safety.sandbox.run_process``.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field

from llmchain_os.errors import ToolError
from llmchain_os.safety.commands import classify_with_scope
from llmchain_os.safety.confine import READ_ONLY, Grant, sandbox_spec, scope_risk
from llmchain_os.safety.guard import begin, finish
from llmchain_os.safety.program_words import worse
from llmchain_os.safety.risk import Assessment, Risk
from llmchain_os.safety.sandbox import Limits, ProcessResult, run_process
from llmchain_os.safety.scope import Scope
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.card import Card, Role

TIMEOUT_S = 30.0
OUTPUT_LIMIT = 64_000


class ShellResult(ToolOutput):
    command: str
    exit_code: int
    stdout: str
    stderr: str
    truncated: bool = False
    timed_out: bool = False
    sandbox: str = ""  # how it really ran ("none: <why>" when unconfined)

    def _cut(self) -> bool:
        """Stopped by us at the output cap (killed, not exited on its own)."""
        return self.truncated and self.exit_code == -signal.SIGKILL

    def summary(self) -> str:
        if self.timed_out:
            return f"`{self.command}` was stopped after {TIMEOUT_S:.0f} s."
        if self.exit_code == 0:
            return f"`{self.command}` succeeded."
        if self._cut():
            return f"`{self.command}` was stopped: its output passed {OUTPUT_LIMIT:,} characters."
        return f"`{self.command}` failed with exit code {self.exit_code}."

    def failure(self) -> str | None:
        if self.timed_out:
            return f"`{self.command}` was stopped after {TIMEOUT_S:.0f} s"
        if self.exit_code == 0 or self._cut():
            return None  # stopped by us at the output cap: what it printed is the result
        return f"`{self.command}` exited with {self.exit_code}"

    def complained(self) -> bool:
        """Exited non-zero and said why on stderr ("invalid option", "No such file"); grep
        finding nothing exits 1 in silence, which is an answer."""
        return self.exit_code > 0 and not self.timed_out and bool(self.stderr.strip())

    def table(self) -> Table | None:
        return None


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError:  # the folder was removed under us: relative targets are then unknown
        return "/nonexistent"


def _assess(args: BaseModel) -> Assessment:
    """The command's risk, made worse when its changes cannot be confined to its targets."""
    judged, scope = classify_with_scope(str(getattr(args, "command", "")), _cwd())
    if judged.risk is Risk.READ or judged.denied:
        return judged
    found = scope_risk(scope)
    return worse(judged, found) if found is not None else judged


def _scope(args: BaseModel) -> Scope:
    return classify_with_scope(str(getattr(args, "command", "")), _cwd())[1]


def _effect(args: BaseModel) -> str:
    """A plain `rm` says what it would delete; other commands have no effect to show."""
    from llmchain_os.tools.deletion import rm_effect

    return rm_effect(str(getattr(args, "command", "")))


# The tool the planner hands a command line to: spelled out by the user, or composed.
COMMAND = Card(role=Role.COMMAND, never_invent=frozenset({"command"}))


@tool(risk=_assess, effect=_effect, risk_from="the command", scope=_scope, card=COMMAND)
def run_shell(
    command: Annotated[str, Field(min_length=1, max_length=4000)],
    grant: Grant | None = None,
) -> Iterator[str | ShellResult]:
    """Run a shell command line exactly as the user wrote it and return its output."""
    limits = Limits(timeout_s=TIMEOUT_S, output_chars=OUTPUT_LIMIT)
    grant, cwd = grant or READ_ONLY, Path(_cwd())
    spec = sandbox_spec(grant, cwd)
    guard = begin(grant)
    # bash -c on the user's own command line: the policy has classified this exact text.
    argv = ["/bin/bash", "-c", command]
    result: ProcessResult | None = None
    try:
        for item in run_process(argv, limits, spec, clean_env=False, cwd=cwd):
            if isinstance(item, ProcessResult):
                result = item
            else:
                yield item
    finally:  # also when the run is stopped: what it did outside its grant is undone
        undone = finish(guard, result is not None and result.exit_code == 0)
    if undone:
        raise ToolError(f"the command {'; '.join(undone)}")
    assert result is not None
    yield ShellResult(
        command=command,
        exit_code=result.exit_code,
        stdout=result.stdout,
        stderr=result.stderr,
        truncated=result.truncated,
        timed_out=result.timed_out,
        sandbox=result.sandbox if spec is not None else f"none: {grant.describe()}",
    )


TOOLS = [run_shell]
