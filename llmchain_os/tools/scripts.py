"""Tools over the script library: save (linted), run (sandboxed, streamed), list, show.

``run_script`` carries the risk of the script's own content, worked out from the file when
the step is assessed: a script that deletes is asked as destructive, and a script is never
``read`` unless every command in it is. The file is hashed when it is assessed; if it
changes between the question and the run, the run is refused.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field

from llmchain_os.errors import ToolError
from llmchain_os.safety.risk import Assessment, Risk
from llmchain_os.scripts.library import ScriptLibrary, ScriptRecord, sha256_text
from llmchain_os.scripts.lint import assess_script, lint, review
from llmchain_os.tools import script_cards
from llmchain_os.tools.base import Table, ToolOutput, tool

if TYPE_CHECKING:
    from llmchain_os.safety.sandbox import SandboxSpec

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
SCRIPT_TIMEOUT_S = 600.0
_assessed: dict[str, str] = {}  # script name -> sha256 of the text its risk was judged on


def library() -> ScriptLibrary:
    """The user's library (a function, so tests' private XDG dirs apply)."""
    return ScriptLibrary()


# -- save ---------------------------------------------------------------------------------
class SavedScript(ToolOutput):
    record: ScriptRecord
    lint_ok: bool
    lint_tools: list[str]
    problems: list[str]
    risk: str
    risk_reason: str

    def summary(self) -> str:
        lint_words = "lint clean" if self.lint_ok else f"lint found {len(self.problems)} problem(s)"
        ran = ", ".join(self.lint_tools) or "no linter"
        return (
            f"Saved script {self.record.name} ({self.record.language}) at {self.record.path}; "
            f"{lint_words} ({ran}); running it would be {self.risk}: {self.risk_reason}."
        )

    def subject(self) -> dict[str, Any]:
        return {"script": self.record.name}


@tool(risk=Risk.WRITE, card=script_cards.SAVE)
def save_script(
    name: Name,
    language: Literal["bash", "python"],
    text: Annotated[str, Field(min_length=1, max_length=100_000)],
    description: str = "",
    writes: list[str] = [],  # noqa: B006 - pydantic copies defaults
) -> SavedScript:
    """Save a bash or Python script to the script library (linted, not run)."""
    report = lint(text, language)
    worst = assess_script(text, language)
    record = library().save(name, text, language, description, writes)
    return SavedScript(
        record=record,
        lint_ok=report.ok,
        lint_tools=report.tools,
        problems=report.problems,
        risk=worst.risk.value,
        risk_reason=worst.reason,
    )


# -- run ----------------------------------------------------------------------------------
class ScriptRun(ToolOutput):
    name: str
    exit_code: int
    stdout: str
    stderr: str
    sandbox: str
    timed_out: bool = False
    truncated: bool = False
    duration_s: float = 0.0

    def summary(self) -> str:
        how = f" (sandbox: {self.sandbox})"
        if self.timed_out:
            return f"Script {self.name} was stopped after {SCRIPT_TIMEOUT_S:.0f} s{how}."
        if self.exit_code == 0:
            return f"Script {self.name} succeeded{how}."
        return f"Script {self.name} failed with exit code {self.exit_code}{how}."

    def failure(self) -> str | None:
        if self.timed_out:
            return f"script {self.name} was stopped after {SCRIPT_TIMEOUT_S:.0f} s"
        return None if self.exit_code == 0 else f"script {self.name} exited with {self.exit_code}"

    def subject(self) -> dict[str, Any]:
        return {"script": self.name}


def _run_risk(args: BaseModel) -> Assessment:
    """The script's own risk, from the file as it is now (remembered to catch a swap)."""
    name = str(getattr(args, "name", ""))
    lib = library()
    try:
        record, text = lib.read(name)
    except ToolError as exc:
        return Assessment(Risk.WRITE, str(exc))
    _assessed[name] = sha256_text(text)
    worst = assess_script(text, record.language)
    found = Assessment(worst.risk, f"script {name}: {worst.reason}", worst.denied)
    return _containment_risk(found, args, record)


def _containment_risk(found: Assessment, args: BaseModel, record: ScriptRecord) -> Assessment:
    """Less containment is more risk: outside the sandbox a script is at least a write (the
    sandbox, not the classifier, is what keeps a misjudged "read" script read-only), and a
    writable bind over a startup file, ssh keys or /etc carries that place's risk."""
    from llmchain_os.safety.places import sensitive_tree
    from llmchain_os.safety.sandbox import sandbox_status

    worst, reasons = found, [found.reason]
    status = sandbox_status()
    if not getattr(args, "sandbox", True) or not status.available:
        why = status.why_not if getattr(args, "sandbox", True) else "--no-sandbox"
        reasons.append(f"it runs without the sandbox ({why})")
        if worst.risk is Risk.READ:
            worst = Assessment(Risk.WRITE, "", worst.denied)
    for raw in [*record.writes, *getattr(args, "write", [])]:
        place = sensitive_tree(raw)
        if place is not None:
            reasons.append(f"it may write {raw}: {place.reason}")
            if place.risk.rank > worst.risk.rank:
                worst = Assessment(place.risk, "", worst.denied)
    return Assessment(worst.risk, "; ".join(reasons), found.denied)


def assessed_sha256(name: str) -> str | None:
    """The hash of the text the pending run of ``name`` was judged on (what will run)."""
    return _assessed.get(name)


def script_argv(record: ScriptRecord) -> list[str]:
    """How a saved script is started: never through a shell string."""
    if record.language == "python":
        return [sys.executable, "-I", record.path]
    return ["bash", record.path]


def _writable(paths: list[str]) -> tuple[Path, ...]:
    """The paths to bind writable; a missing folder is created (the run was approved)."""
    out = []
    for raw in paths:
        path = Path(os.path.expanduser(raw)).resolve()
        path.mkdir(parents=True, exist_ok=True)
        out.append(path)
    return tuple(out)


def run_plan(write: list[str], network: bool = False, sandbox: bool = True) -> str:
    """How a run would be contained, in words (the dry-run view)."""
    from llmchain_os.safety.sandbox import sandbox_status

    limits = f"time limit {SCRIPT_TIMEOUT_S:.0f} s, rlimits on CPU, memory, file size"
    if not sandbox:
        return f"no sandbox (--no-sandbox); {limits}"
    status = sandbox_status()
    if not status.available:
        return f"no sandbox ({status.why_not}); {limits}"
    places = ", ".join(write) or "nothing"
    net = "network" if network else "no network"
    return f"bubblewrap: read-only /, writable {places}, {net}; {limits}"


def _script_spec(record: ScriptRecord, writable: tuple[Path, ...], network: bool) -> SandboxSpec:
    """A script starts in the current folder, read-only (under cron that is the home, with
    its startup files): it writes only the places its record or its run named, and inside
    those, startup files and keys that were not named themselves stay read-only."""
    from llmchain_os.safety.confine import WRITE, Grant, protected_binds
    from llmchain_os.safety.sandbox import SandboxSpec

    keep = protected_binds(Grant(mode=WRITE, files=writable))
    return SandboxSpec(
        Path.cwd(),
        writable,
        network,
        workdir_writable=False,
        protect=tuple(keep),
        visible=(Path(record.path).resolve(),),  # the library itself is hidden from it
        private_tmp=False,  # the host's /tmp, read-only; a private TMPDIR for scratch
    )


@tool(risk=_run_risk, risk_from="the script", card=script_cards.RUN)
def run_script(
    name: Name,
    write: list[str] = [],  # noqa: B006 - pydantic copies defaults
    network: bool = False,
    sandbox: bool = True,
) -> Iterator[str | ScriptRun]:
    """Run a saved script under limits, in a sandbox where the machine allows it."""
    from llmchain_os.safety.process import Limits, ProcessResult
    from llmchain_os.safety.sandbox import run_process

    lib = library()
    record, text = lib.read(name)
    report = lint(text, record.language)
    syntax = [p for p in report.problems if p.startswith(("bash:", "python:"))]
    if syntax:
        raise ToolError(f"script {name} does not parse: {syntax[0]}")
    # Checked after the lint (which can take a while), as close to the start as it can be.
    if name in _assessed and _assessed.pop(name) != lib.current_sha256(name):
        raise ToolError(f"script {name} changed after it was approved - run it again")
    limits = Limits(timeout_s=SCRIPT_TIMEOUT_S, cpu_s=int(SCRIPT_TIMEOUT_S))
    writable = _writable([*record.writes, *write])
    spec = _script_spec(record, writable, network) if sandbox else None
    result: ProcessResult | None = None
    for item in run_process(script_argv(record), limits, spec, cwd=Path.cwd()):
        if isinstance(item, ProcessResult):
            result = item
        else:
            yield item
    assert result is not None
    outcome = "timed out" if result.timed_out else f"exit {result.exit_code}"
    lib.record_run(name, outcome)
    yield ScriptRun(
        name=name,
        exit_code=result.exit_code,
        stdout=result.stdout,
        stderr=result.stderr,
        sandbox=result.sandbox if sandbox else "none: --no-sandbox",
        timed_out=result.timed_out,
        truncated=result.truncated,
        duration_s=result.duration_s,
    )


# -- list and show ------------------------------------------------------------------------
class ScriptList(ToolOutput):
    scripts: list[ScriptRecord]

    def summary(self) -> str:
        if not self.scripts:
            return "No saved scripts yet - ask for one: 'write a script that backs up /srv'."
        return f"{len(self.scripts)} saved script(s)."

    def table(self) -> Table | None:
        if not self.scripts:
            return None
        rows = [
            [r.name, r.language, r.description, r.created, r.last_run or "-", r.last_result or "-"]
            for r in self.scripts
        ]
        columns = ["name", "language", "description", "created", "last run", "result"]
        return Table("Saved scripts", columns, rows)


def script_list() -> ScriptList:
    return ScriptList(scripts=library().list())


@tool(risk=Risk.READ)
def list_scripts() -> ScriptList:
    """List the saved scripts with their description, language and last run."""
    return script_list()


class ScriptShown(ToolOutput):
    record: ScriptRecord
    text: str
    review: str

    def summary(self) -> str:
        return f"{self.record.name}: {self.record.description}\n{self.text}\n{self.review}"

    def subject(self) -> dict[str, Any]:
        return {"script": self.record.name}


def script_shown(name: str) -> ScriptShown:
    record, text = library().read(name)
    return ScriptShown(record=record, text=text, review=review(text, record.language).text())


@tool(risk=Risk.READ, card=script_cards.SHOW)
def show_script(name: Name) -> ScriptShown:
    """Show a saved script's text, lint result and the risk of each line."""
    return script_shown(name)


TOOLS = [save_script, run_script, list_scripts, show_script]
