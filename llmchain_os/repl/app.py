"""The interactive shell: prompt-toolkit for input, rich for output, a Session for the work.

The world is injected (``Environment``): tests pass a pipe input and a string console;
the real shell gets the terminal. Ctrl-C cancels the running request and keeps the shell;
Ctrl-D (or /exit) leaves it.
"""

from __future__ import annotations

import asyncio
import io
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import WordCompleter
from prompt_toolkit.formatted_text import HTML
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.shortcuts import print_formatted_text

from llmchain_os.exitcodes import ExitCode
from llmchain_os.paths import state_dir
from llmchain_os.repl.commands import SLASH_COMMANDS, run_slash

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output
    from rich.console import Console
    from rich.status import Status

    from llmchain_os.agent.events import Event
    from llmchain_os.agent.plan import Step
    from llmchain_os.api import Decision, Session
    from llmchain_os.repl.render import Renderer

PROMPT = "llmos> "
HOST_WORDS_S = 10.0  # how long completion keeps the inventory's words before reading them again


@dataclass
class Environment:
    """What the shell talks to. Defaults are the real terminal and the XDG history file.

    ``console`` (rich) is made on first use when not given: importing rich is left until after
    the prompt is up.
    """

    input: Input | None = None
    output: Output | None = None
    console: Console | None = None
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

    def __init__(self, session: Session | Callable[[], Session], env: Environment) -> None:
        """``session`` may be a factory: it then runs in the background while the prompt is up,
        so the prompt does not wait for settings, tools and the model to load."""
        self._session: Session | None = None if callable(session) else session
        self._factory = session if callable(session) else None
        self._loader: threading.Thread | None = None
        self._load_error: Exception | None = None
        self.env = env
        self._renderer: Renderer | None = None
        self.prompt = PromptSession[str](
            history=env.history(),
            completer=WordCompleter(self._words, sentence=True),
            key_bindings=push_to_talk(),
            input=env.input,
            output=env.output,
        )
        # Answers to approval questions are not requests: they stay out of the history.
        self._questions = PromptSession[str](input=env.input, output=env.output)
        self.status: Status | None = None
        self._hosts: list[str] = []
        self._hosts_read = -HOST_WORDS_S - 1.0
        self.running = True
        self.status_code = 0
        self.speaking = False  # /speak: replies are also said aloud
        self.last_reply = ""
        self._memory_said = False  # the session's memory failure was shown

    @property
    def session(self) -> Session:
        """The session; waits for the background start and re-raises its error, if any."""
        if self._session is None:
            self._start_session()  # no-op when it is already under way
            if self._loader is not None:
                self._loader.join()
            if self._load_error is not None:
                raise self._load_error
            assert self._session is not None
        return self._session

    def _start_soon(self) -> None:
        asyncio.get_running_loop().call_soon(self._start_session)

    def _start_session(self) -> None:
        if self._loader is not None:
            return
        if self._factory is None:
            if self._session is not None:
                self._session.preload()
            return
        factory = self._factory

        def start() -> None:
            try:
                session = factory()
                session.preload()
                self._session = session
            except Exception as exc:  # reported on the first line that needs the session
                self._load_error = exc

        self._loader = threading.Thread(target=start, name="llmos-start", daemon=True)
        self._loader.start()

    @property
    def console(self) -> Console:
        if self.env.console is None:
            from rich.console import Console

            self.env.console = Console()
        return self.env.console

    @property
    def renderer(self) -> Renderer:
        if self._renderer is None:
            from llmchain_os.repl.render import Renderer

            self._renderer = Renderer(self.console)
        return self._renderer

    def _banner(self) -> None:
        text = "llmchain-os - ask about this machine in plain words."
        hint = "/help for commands, Ctrl-D to leave."
        if self.env.console is not None:
            self.console.print(f"[bold]{text}[/bold] [dim]{hint}[/dim]")
        else:
            print_formatted_text(
                HTML(f"<b>{text}</b> <ansibrightblack>{hint}</ansibrightblack>"),
                output=self.prompt.output,
            )

    def _words(self) -> list[str]:
        """Completion words: the slash commands, the inventory's hosts, groups and tags, and
        tool names once the session is up (completion never waits for it)."""
        tools = self._session.registry.names() if self._session is not None else []
        return [*SLASH_COMMANDS, *self._host_words(), *tools]

    def _host_words(self) -> list[str]:
        """The inventory's words, read again at most every HOST_WORDS_S seconds."""
        from llmchain_os.api import host_words

        now = time.monotonic()
        if now - self._hosts_read > HOST_WORDS_S:
            self._hosts, self._hosts_read = host_words(), now
        return self._hosts

    def run(self) -> int:
        self._banner()
        started = False
        while self.running:
            try:
                # The session starts once the first prompt is on the screen, not before it.
                line = self.prompt.prompt(PROMPT, pre_run=None if started else self._start_soon)
                started = True
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt clears the line, as in bash
            except EOFError:
                break
            self.dispatch(line)
        return self.status_code

    def dispatch(self, line: str) -> None:
        """One line; whatever goes wrong is one line on the screen, and the shell stays up
        (but for settings it cannot start with: then it ends with the usage code)."""
        try:
            self._dispatch(line)
        except KeyboardInterrupt:
            self.console.print("cancelled", style="yellow", markup=False)
        except Exception as exc:
            first = (str(exc).splitlines() or [""])[0]
            self.console.print(f"llmos: {first or type(exc).__name__}", style="red", markup=False)
            if exc is self._load_error:
                self.running, self.status_code = False, ExitCode.USAGE

    def _dispatch(self, line: str) -> None:
        text = line.strip()
        if not text:
            self.console.print("[dim](empty - type a request, or /help)[/dim]")
            return
        if text.split()[0].lower() in ("/voice", "/speak"):
            self._voice(text.split())
            return
        if text.startswith("/"):
            self.running = run_slash(text, self.session, self.console, self.prompt.history)
            return
        if text.startswith("!"):
            if not text[1:].strip():
                self.console.print("[dim](type a command after !, e.g. !df -h)[/dim]")
                return
            self.consume(self.session.run_command(text[1:].strip(), self.approve))
            return
        self._request(line)

    def _request(self, line: str) -> None:
        self.last_reply = ""
        self.consume(self.session.handle(line, self.approve))
        if self.session.memory_error and not self._memory_said:  # once, then without memory
            self._memory_said = True
            self.console.print(self.session.memory_error, style="yellow", markup=False)
        if self.speaking and self.last_reply:
            from llmchain_os.repl.voice import speak_answer

            speak_answer(self, self.last_reply)

    def _voice(self, words: list[str]) -> None:
        from llmchain_os.repl.voice import listen, toggle_speaking

        if words[0].lower() == "/speak":
            toggle_speaking(self, words[1:])
        elif (spoken := listen(self)) is not None:
            self._request(spoken)

    def ask_text(self, question: str, default: str = "") -> str:
        """A line typed (or edited from ``default``) that is not a request: no history."""
        return self._questions.prompt(question, default=default)

    def consume(self, events: Iterator[Event]) -> None:
        """Render events as they come, with a spinner while waiting; Ctrl-C cancels."""
        from llmchain_os.agent.events import EventKind

        try:
            with self._spinner():
                for ev in events:
                    if ev.kind in (EventKind.ANSWER, EventKind.UNSURE, EventKind.ERROR):
                        self.last_reply = ev.text
                    with interrupts_deferred():
                        if ev.kind is not EventKind.STATUS:
                            self.renderer.render(ev)
                        elif self.status is not None:
                            self.status.update(f"{ev.text}...")
        except KeyboardInterrupt:
            with interrupts_deferred():
                self.console.print("[yellow]cancelled[/yellow]")
        finally:
            if isinstance(events, Iterator) and hasattr(events, "close"):
                events.close()

    def _spinner(self) -> Any:
        if not self.console.is_terminal:
            return _NoSpinner()
        self.status = self.console.status("working...")
        return self.status

    def approve(self, step: Step, decision: Decision) -> bool | list[Step]:
        """Ask the user; anything but y/yes is no. The spinner pauses while asking.

        A script step also takes "e": the script opens in $VISUAL/$EDITOR, and the edited
        step goes back to the executor to be linted, judged and asked about again (an edited
        saved script is first saved, as a step of its own)."""
        from llmchain_os.api import is_editable, is_yes, script_question

        editable = is_editable(step)
        if self.status is not None:
            self.status.stop()
        try:
            question = script_question(step, decision) if editable else decision.question(step)
            try:
                reply = self._questions.prompt(question)
            except (EOFError, KeyboardInterrupt):
                reply = ""
            if editable and reply.strip().lower() in ("e", "edit"):
                return self._edited(step) or self.approve(step, decision)
        finally:
            if self.status is not None:
                self.status.start()
        return is_yes(reply)

    def _edited(self, step: Step) -> list[Step] | None:
        from llmchain_os.api import ToolError
        from llmchain_os.repl.editor import edit_step

        def show(text: str) -> None:
            self.console.print(text, markup=False, highlight=False)

        try:
            return edit_step(step, show)
        except (OSError, ToolError) as exc:  # a failed editor: say so, and ask again
            show(f"edit failed: {exc}")
            return None


PUSH_TO_TALK = "f2"


def push_to_talk() -> KeyBindings:
    """F2 at an empty prompt is /voice: speak, then edit what was heard."""
    bindings = KeyBindings()

    @bindings.add(PUSH_TO_TALK)
    def _talk(event: KeyPressEvent) -> None:
        if not event.app.current_buffer.text.strip():
            event.app.exit(result="/voice")

    return bindings


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Ctrl-C while the screen is being written takes effect once the write is done.

    A KeyboardInterrupt raised inside rich's print can leave its buffer half-flushed, and
    the output after a cancel never reaches the terminal; the running step (a tool, the
    model) is where a cancel belongs, and there it is not deferred.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


class _NoSpinner:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def run_repl(session: Session | Callable[[], Session], env: Environment | None = None) -> int:
    """Run the shell until the user leaves; returns the exit status."""
    return Shell(session, env or Environment()).run()


def string_console(width: int = 120) -> Console:
    """A console that records to memory (tests, and callers that want the text)."""
    from rich.console import Console

    return Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)
