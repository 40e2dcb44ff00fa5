"""Editing a script in $VISUAL / $EDITOR: the shell's "e" at a script question, and
`llmos scripts edit`. Saving what was edited is a step for the executor, never done here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmchain_os.agent.plan import Step


def edit_text(text: str, suffix: str) -> str:
    """Open $VISUAL / $EDITOR (default vi) on a private temp copy of ``text``; the result.

    The editor command is split like a shell would (``code --wait``) but never run through
    one; the copy is removed afterwards.
    """
    import os
    import shlex
    import subprocess
    import tempfile

    editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
    fd, path = tempfile.mkstemp(prefix="llmos-script-", suffix=suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        done = subprocess.run([*editor, path], check=False)
        if done.returncode != 0:
            raise OSError(f"the editor {editor[0]} exited with {done.returncode}; nothing changed")
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    finally:
        os.unlink(path)


def edit_step(step: Step, show: Callable[[str], None]) -> list[Step] | None:
    """The steps that replace a script step once the person has edited its script, after
    the edit's review is shown via ``show``; None when nothing changed.

    Raises OSError (the editor failed) or ToolError (the saved script cannot be read)."""
    from llmchain_os.api import edited_steps, review_script, step_script_text

    source = step_script_text(step)
    new = edit_text(source.text, source.suffix)
    if new == source.text:
        show("unchanged")
        return None
    show(review_script(new, source.language))
    return edited_steps(step, new)
