"""The approver at a terminal: `llmos run` and `llmos scripts run` ask each step's question
on stdin when it is a terminal (the shell asks through prompt-toolkit instead)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmchain_os.agent.plan import Step
    from llmchain_os.api import Decision


def ask_tty(step: Step, decision: Decision) -> bool:
    """The question with its default (no); anything but y/yes, or no answer, is no."""
    from llmchain_os.api import is_yes

    try:
        return is_yes(input(decision.question(step)))
    except (EOFError, KeyboardInterrupt):
        return False
