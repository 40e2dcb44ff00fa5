"""The interactive shell: prompt-toolkit for input, rich for output, a Session for the work.

The world is injected (``Environment``): tests pass a pipe input and a string console;
the real shell gets the terminal. Ctrl-C cancels the running request and keeps the shell;
Ctrl-D (or /exit) leaves it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import WordCompleter
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from rich.console import Console

from llmchain_os.agent.events import Event, EventKind
from llmchain_os.agent.plan import Step
from llmchain_os.agent.policy import Decision
from llmchain_os.config import state_dir
from llmchain_os.repl.commands import SLASH_COMMANDS, run_slash
from llmchain_os.repl.render import Renderer

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output
    from rich.status import Status

    from llmchain_os.api import Session

PROMPT = "llmos> "


@dataclass
class Environment:
    """What the shell talks to. Defaults are the real terminal and the XDG history file."""

    input: Input | None = None
    output: Output | None = None
    console: Console = field(default_factory=Console)
    history_path: Path | None = None

    def history(self) -> History:
        path = self.history_path or state_dir() / "history"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return FileHistory(str(path))
        except OSError:
            return InMemoryHistory()  # a read-only home must not stop the shell


class Shell:
    """One interactive session: reads lines, dispatches them, renders the events."""

    def __init__(self, session: Session, env: Environment) -> None:
        self.session = session
        self.env = env
        self.console = env.console
        self.renderer = Renderer(self.console)
        self.prompt = PromptSession[str](
            history=env.history(),
            completer=WordCompleter(self._words, sentence=True),
            input=env.input,
            output=env.output,
        )
        self.status: Status | None = None
        self.running = True

    def _words(self) -> list[str]:
        return [*SLASH_COMMANDS, *self.session.registry.names()]

    def run(self) -> int:
        self.console.print(
            "[bold]llmchain-os[/bold] - ask about this machine in plain words. "
            "[dim]/help for commands, Ctrl-D to leave.[/dim]"
        )
        self.session.preload()
        while self.running:
            try:
                line = self.prompt.prompt(PROMPT)
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt clears the line, as in bash
            except EOFError:
                break
            self.dispatch(line)
        return 0

    def dispatch(self, line: str) -> None:
        text = line.strip()
        if not text:
            self.console.print("[dim](empty - type a request, or /help)[/dim]")
            return
        if text.startswith("/"):
            self.running = run_slash(text, self.session, self.console, self.prompt.history)
            return
        if text.startswith("!"):
            self.consume(self.session.run_command(text[1:].strip(), self.approve))
            return
        self.consume(self.session.handle(line, self.approve))

    def consume(self, events: Iterator[Event]) -> None:
        """Render events as they come, with a spinner while waiting; Ctrl-C cancels."""
        try:
            with self._spinner():
                for ev in events:
                    if ev.kind is EventKind.STATUS:
                        if self.status is not None:
                            self.status.update(f"{ev.text}...")
                        continue
                    self.renderer.render(ev)
        except KeyboardInterrupt:
            self.console.print("[yellow]cancelled[/yellow]")
        finally:
            if isinstance(events, Iterator) and hasattr(events, "close"):
                events.close()

    def _spinner(self) -> Any:
        if not self.console.is_terminal:
            return _NoSpinner()
        self.status = self.console.status("working...")
        return self.status

    def approve(self, step: Step, decision: Decision) -> bool:
        """Ask the user; anything but y/yes is no. The spinner pauses while asking."""
        if self.status is not None:
            self.status.stop()
        try:
            reply = self.prompt.prompt(f"{decision.prompt(step)} [y/N] ")
        except (EOFError, KeyboardInterrupt):
            reply = ""
        finally:
            if self.status is not None:
                self.status.start()
        return reply.strip().lower() in {"y", "yes"}


class _NoSpinner:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def run_repl(session: Session, env: Environment | None = None) -> int:
    """Run the shell until the user leaves; returns the exit status."""
    return Shell(session, env or Environment()).run()


def string_console(width: int = 120) -> Console:
    """A console that records to memory (tests, and callers that want the text)."""
    return Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)
