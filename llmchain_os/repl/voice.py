"""/voice and /speak in the shell.

/voice records one utterance from the default microphone, shows the transcript in the
prompt to be edited, and hands it on like a typed line: the approval questions that follow
are answered by typing, never by voice. /speak turns spoken replies on or off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.console import Console

    from llmchain_os.api import Session


class Shell(Protocol):
    """What of the shell (``repl.app.Shell``) these commands use."""

    speaking: bool

    @property
    def session(self) -> Session: ...

    @property
    def console(self) -> Console: ...

    def ask_text(self, question: str, default: str = "") -> str: ...


HEARD_PROMPT = "heard> "


def listen(shell: Shell) -> str | None:
    """The request the person spoke and then kept (edited, or as heard); None for none."""
    from llmchain_os.api import ToolError, hear, judged, record_voice

    say = shell.console.print
    try:
        say("listening... (speak; a pause ends it)", style="dim", markup=False)
        heard = hear(shell.session, record_voice())
    except ToolError as exc:
        say(str(exc), style="yellow", markup=False)
        return None
    if heard.usable:
        try:
            heard = judged(shell.ask_text(HEARD_PROMPT, heard.text), heard.seconds)
        except (EOFError, KeyboardInterrupt):
            say("cancelled - nothing was run", style="yellow", markup=False)
            return None
    if not heard.usable:
        say(heard.refusal, style="yellow", markup=False)
        return None
    return heard.text


def toggle_speaking(shell: Shell, args: list[str]) -> None:
    """/speak, /speak on, /speak off: spoken replies (the summary, not tables)."""
    from llmchain_os.api import speech_problem

    wanted = {"on": True, "off": False}.get(args[0].lower() if args else "", not shell.speaking)
    problem = speech_problem() if wanted else ""
    if problem:
        shell.console.print(problem, style="yellow", markup=False)
        return
    shell.speaking = wanted
    shell.console.print(f"spoken replies {'on' if wanted else 'off'}", markup=False)


def speak_answer(shell: Shell, text: str) -> None:
    from llmchain_os.api import ToolError, speak_reply

    try:
        speak_reply(text)
    except ToolError as exc:
        shell.console.print(str(exc), style="yellow", markup=False)
