"""The script library for the surfaces: list, show, edit (saved by the executor), remove.

The editor itself is the surface's (``repl/editor.py``): here the edited text is reviewed
and saved as a ``save_script`` step, asked about and audited like any other change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from llmchain_os.api.session import Session, confirmed, run_confirmed
from llmchain_os.exitcodes import ExitCode

if TYPE_CHECKING:
    from llmchain_os.agent.plan import Step
    from llmchain_os.agent.policy import Decision
    from llmchain_os.agent.script_steps import ScriptText
    from llmchain_os.scripts.library import ScriptRecord
    from llmchain_os.tools.scripts import ScriptList, ScriptShown


def list_scripts() -> ScriptList:
    """The saved scripts, with a summary and a table for the renderers."""
    from llmchain_os.tools.scripts import script_list

    return script_list()


def show_script(name: str) -> ScriptShown:
    """A saved script's record, its text, and its review (lint, the risk of each line)."""
    from llmchain_os.tools.scripts import script_shown

    return script_shown(name)


def get_script(name: str) -> ScriptRecord:
    """The record of ``name``; raises ToolError saying how to list the others."""
    from llmchain_os.scripts.library import ScriptLibrary

    return ScriptLibrary().get(name)


def would_run(record: ScriptRecord) -> str:
    """How a run of the script would be contained, in words (``scripts show``, a dry run)."""
    from llmchain_os.tools.scripts import run_plan

    return run_plan(record.writes, False, True)


def review_script(text: str, language: str) -> str:
    """The review of a script's text: what the linters found and the risk of each line."""
    from llmchain_os.scripts.lint import review

    return review(text, "python" if language == "python" else "bash").text()


def saved_script_text(name: str) -> ScriptText:
    """The saved script ``name`` as an editor gets it."""
    from llmchain_os.agent.script_steps import saved_script_text as saved

    return saved(name)


def step_script_text(step: Step) -> ScriptText:
    """The script a script step saves or runs, as an editor gets it."""
    from llmchain_os.agent.script_steps import script_text

    return script_text(step)


def edited_steps(step: Step, text: str) -> list[Step]:
    """What the executor runs instead of a script step the person edited to ``text``."""
    from llmchain_os.agent.script_steps import edited_steps as steps

    return steps(step, text)


def is_editable(step: Step) -> bool:
    """Whether the question about ``step`` offers "e" (the step saves or runs a script)."""
    from llmchain_os.agent.script_steps import EDITABLE

    return step.tool in EDITABLE


def script_question(step: Step, decision: Decision) -> str:
    """The approval question for a script step, with "e" to edit."""
    from llmchain_os.agent.script_steps import script_question as question

    return question(step, decision)


def save_edited_script(
    session: Session, name: str, text: str, ask: Callable[[str], str] | None
) -> tuple[str, int]:
    """``llmos scripts edit``: save the edited text of ``name`` as a save_script step.

    Asked y/N when there is someone to ask; the step goes through the policy and into the
    audit log either way. Returns what to print and the exit code."""
    from llmchain_os.agent.script_steps import save_args

    if ask is not None and not confirmed(ask, f"Save the edited {name}? [y/N] "):
        return "Not saved.", ExitCode.DECLINED
    result = run_confirmed(session, "save_script", save_args(name, text), f"scripts edit {name}")
    if result.exit_code != ExitCode.DONE:
        record = result.steps[-1]
        return f"Not saved: {record.error or record.status}", result.exit_code
    return (
        f"Saved {name} (scheduled jobs of it will refuse to run until rescheduled).",
        ExitCode.DONE,
    )


def remove_script_asked(
    name: str, ask: Callable[[str], str] | None, yes: bool = False
) -> tuple[str, int]:
    """``llmos scripts rm``: name the script, ask y/N (unless ``yes``), remove it, logged.

    Nobody to ask (``ask`` None) and no ``yes`` removes nothing. Raises ToolError when the
    script is unknown or the audit log cannot take the entry (then nothing is removed)."""
    from llmchain_os.errors import ToolError
    from llmchain_os.safety.audit import AuditError, logged_action
    from llmchain_os.scripts.library import ScriptLibrary

    lib = ScriptLibrary()
    record = lib.get(name)
    if not yes:
        if ask is None:
            return f"Not removed: {record.name} - add --yes to remove it unasked", ExitCode.DECLINED
        if not confirmed(ask, f"Remove script {record.name} ({record.path})? [y/N] "):
            return "Not removed.", ExitCode.DECLINED
    try:
        logged_action(
            "remove_script",
            {"name": record.name},
            lambda: lib.remove(record.name),
            request=f"scripts rm {record.name}",
        )
    except AuditError as exc:
        raise ToolError(f"not done: {exc}") from exc
    return f"Removed {record.name}.", ExitCode.DONE
