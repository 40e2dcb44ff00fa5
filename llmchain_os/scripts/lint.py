"""Checking a script before it runs: linters (lint) and what each line would do (review).

``lint`` runs the real tools on the text (never on a file the script could race): ``bash -n``
and shellcheck for bash, ``compile()`` and ruff for Python, each only when it is installed,
and says which ran. ``review`` adds the risk of every command or statement, from the safety
layer's parsers, and the script's worst risk: the one its run is asked as.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmchain_os.safety.risk import Assessment, Risk

LINT_TIMEOUT_S = 20.0
GCC_LINE = re.compile(r"^[^:]*:(\d+):(\d+): (\w+): (.*)$")


@dataclass(frozen=True)
class LintReport:
    """``ok`` when no linter found an error or warning; ``tools`` names those that ran."""

    ok: bool
    problems: list[str]
    tools: list[str]
    missing: list[str] = field(default_factory=list)

    def summary(self) -> str:
        ran = ", ".join(self.tools) or "no linter"
        absent = f" ({', '.join(self.missing)} not installed)" if self.missing else ""
        if self.ok:
            return f"lint clean ({ran}){absent}"
        return f"lint found {len(self.problems)} problem(s) ({ran}){absent}"


def _run(argv: list[str], text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, input=text, capture_output=True, text=True, timeout=LINT_TIMEOUT_S, check=False
    )


def _which(name: str) -> str | None:
    """A program on PATH, or beside this Python (ruff in the venv we run from)."""
    found = shutil.which(name)
    if found:
        return found
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else None


def _bash(text: str) -> tuple[list[str], list[str], list[str]]:
    problems: list[str] = []
    tools: list[str] = []
    missing: list[str] = []
    bash = _which("bash")
    if bash is None:
        missing.append("bash")
    else:
        tools.append("bash -n")
        done = _run([bash, "-n"], text)
        problems += [
            "bash: " + ln.split(": ", 1)[-1] for ln in done.stderr.splitlines() if ln.strip()
        ]
        if done.returncode != 0 and not done.stderr.strip():
            problems.append(f"bash -n exited with {done.returncode}")
    shellcheck = _which("shellcheck")
    if shellcheck is None:
        missing.append("shellcheck")
    else:
        tools.append("shellcheck")
        argv = [shellcheck, "-f", "gcc", "-S", "warning", "-s", "bash", "-"]
        problems += _gcc_lines("shellcheck", _run(argv, text).stdout)
    return problems, tools, missing


def _gcc_lines(tool: str, output: str) -> list[str]:
    out = []
    for line in output.splitlines():
        m = GCC_LINE.match(line)
        if m and m.group(3) in ("error", "warning"):
            out.append(f"{tool}: line {m.group(1)}: {m.group(3)}: {m.group(4)}")
    return out


def _python(text: str) -> tuple[list[str], list[str], list[str]]:
    problems: list[str] = []
    tools = ["compile"]
    missing: list[str] = []
    try:
        compile(text, "<script>", "exec")
    except SyntaxError as exc:
        problems.append(f"python: line {exc.lineno}: {exc.msg}")
    except ValueError as exc:  # NUL bytes
        problems.append(f"python: {exc}")
    ruff = _which("ruff")
    if ruff is None:
        missing.append("ruff")
    else:
        tools.append("ruff")
        # Errors only (syntax, undefined names, misused operators), not style.
        argv = [ruff, "check", "--isolated", "--select", "E9,F63,F7,F82"]
        argv += ["--output-format", "concise", "--quiet"]
        done = _run([*argv, "--stdin-filename", "script.py", "-"], text)
        problems += [
            f"ruff: {ln.split(':', 1)[1].strip()}"
            for ln in done.stdout.splitlines()
            if ln.startswith("script.py:")
        ]
    return problems, tools, missing


def lint(text: str, language: str) -> LintReport:
    """Run the linters for ``language`` ("bash" or "python") over ``text``."""
    if language not in ("bash", "python"):
        raise ValueError(f"cannot lint {language!r}: bash or python")
    try:
        problems, tools, missing = _bash(text) if language == "bash" else _python(text)
    except subprocess.TimeoutExpired as exc:
        return LintReport(False, [f"a linter took over {exc.timeout:.0f} s"], [])
    return LintReport(not problems, problems, tools, missing)


# -- review: what each line would do ---------------------------------------------------


@dataclass(frozen=True)
class LineRisk:
    """One command or statement of a script, with its risk and why."""

    line: int
    text: str
    risk: Risk
    reason: str
    denied: bool = False


@dataclass(frozen=True)
class ScriptReview:
    """Lint, the risk of each line, and the worst of them: what a person approves."""

    language: str
    lint: LintReport
    lines: list[LineRisk]
    worst: Assessment

    def text(self) -> str:
        """The review as plain lines (the plan view, ``llmos scripts show``, dry runs)."""
        out = [f"{self.lint.summary()}"]
        out += [f"  {p}" for p in self.lint.problems]
        out.append(f"risk: {self.worst.risk.value} - {self.worst.reason}")
        for item in self.lines:
            mark = " DENIED" if item.denied else ""
            first, *rest = item.text.strip().split("\n")
            shown = f"{first} ... (+{len(rest)} lines)" if rest else first
            out.append(f"  line {item.line:>3} [{item.risk.value}{mark}] {shown} - {item.reason}")
        return "\n".join(out)


def _as_line_risk(item: Any) -> LineRisk:
    a: Assessment = item.assessment
    return LineRisk(int(item.line), str(item.text), a.risk, a.reason, a.denied)


def _without_shebang(text: str) -> str:
    """The script as the classifier should read it: whole-line comments (the #! line too,
    which is a comment to ``bash PATH``) blanked, so line numbers stay right."""
    return "\n".join("" if ln.lstrip().startswith("#") else ln for ln in text.split("\n"))


def _bash_lines(text: str) -> list[LineRisk]:
    from llmchain_os.safety.commands import explain_script

    return [_as_line_risk(item) for item in explain_script(_without_shebang(text))]


def _python_lines(text: str) -> list[LineRisk]:
    from llmchain_os.safety.commands import classify_command
    from llmchain_os.safety.python_risk import explain_python

    return [_as_line_risk(item) for item in explain_python(text, classify_command)]


def _whole(text: str, language: str) -> Assessment:
    """The script's risk: the worst of the same parts the line-by-line review lists, so it is
    never read unless every line is read (the classifiers take the worst of their parts)."""
    from llmchain_os.safety.commands import classify_command

    if language == "bash":
        return classify_command(_without_shebang(text))
    from llmchain_os.safety.python_risk import classify_python

    return classify_python(text, classify_command)


def review(text: str, language: str) -> ScriptReview:
    """Lint ``text`` and explain it line by line; runs nothing of the script itself."""
    lines = _bash_lines(text) if language == "bash" else _python_lines(text)
    return ScriptReview(language, lint(text, language), lines, _whole(text, language))


def assess_script(text: str, language: str) -> Assessment:
    """The script's worst risk without running the linters (cheap: asked at every check)."""
    return _whole(text, language)
