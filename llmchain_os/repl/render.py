"""Events as a person reads them: the plan, tables of results, the answer, in colour."""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from llmchain_os.agent.events import Event

RISK_STYLE = {
    "read": "green",
    "write": "yellow",
    "remote": "magenta",
    "privileged": "red",
    "destructive": "bold red",
}
# Said plainly in the plan, for every step that changes something.
UNDO_NOTE = {True: " [dim](/undo restores)[/dim]", False: " [bold]cannot be undone[/bold]"}
MAX_OUTPUT_LINES = 200
MAX_LINE_CHARS = 2000


# C0 controls but tab and newline, DEL, and the C1 controls: ESC alone starts an escape
# sequence (OSC 52 writes the clipboard, OSC 0 the window title), and \x9b is a one-byte CSI.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    """The text with each terminal control character shown as '?', so it cannot drive the
    terminal (tool output: a file being read, another user's command line)."""
    return _CONTROL.sub("?", text)


def _clip(line: str, dropped: int = 0) -> str:
    """The line up to MAX_LINE_CHARS; ``dropped`` counts characters already cut from it."""
    line = _printable(line)
    if len(line) <= MAX_LINE_CHARS and not dropped:
        return line
    more = len(line) - MAX_LINE_CHARS + dropped
    return f"{line[:MAX_LINE_CHARS]}... ({more:,} more characters)"


class _LiveStream:
    """One stream of a step's output as it is shown live: whole lines only (a half line
    would sit under the spinner and be wiped by it), each clipped, MAX_OUTPUT_LINES at most."""

    def __init__(self) -> None:
        self.pending = ""  # the line not yet ended
        self.dropped = 0  # characters cut from it, so a line without end costs bounded memory
        self.count = 0  # lines seen

    def feed(self, text: str) -> list[str]:
        lines = (self.pending + text).split("\n")
        self.pending = lines.pop()
        if len(self.pending) > MAX_LINE_CHARS:
            self.dropped += len(self.pending) - MAX_LINE_CHARS
            self.pending = self.pending[:MAX_LINE_CHARS]
        return [shown for line in lines for shown in self._line(line)]

    def end(self) -> list[str]:
        """The last line, if it had no newline."""
        if not self.pending and not self.dropped:
            return []
        line, self.pending = self.pending, ""
        return self._line(line)

    def _line(self, line: str) -> list[str]:
        self.count += 1
        dropped, self.dropped = self.dropped, 0
        return [_clip(line, dropped)] if self.count <= MAX_OUTPUT_LINES else []


def _args(args: dict[str, Any], refs: dict[str, str] | None = None) -> str:
    shown = [f"{k}={v!r}" for k, v in args.items()]
    shown += [f"{arg}=<{key} from the step before>" for arg, key in (refs or {}).items()]
    return ", ".join(shown)


class Renderer:
    """Writes Events to a rich Console; the REPL and ``llmos run`` share it."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._live: dict[tuple[int | None, str], _LiveStream] = {}  # (step, stream) shown live

    def render(self, ev: Event) -> None:
        handler = getattr(self, f"_on_{ev.kind.value}", None)
        if handler is not None:
            handler(ev)

    def _on_plan(self, ev: Event) -> None:
        for step_index in {key[0] for key in self._live}:  # a new plan: earlier steps are over
            self._end_live(step_index)
        for i, step in enumerate(ev.data["plan"], 1):
            style = RISK_STYLE.get(step["risk"], "white")
            script = step["args"].get("text") if step["tool"] == "save_script" else None
            shown = {k: v for k, v in step["args"].items() if script is None or k != "text"}
            args = escape(_args(shown, step.get("refs")))
            why, *more = str(step.get("why") or "").split("\n")
            self.console.print(
                f"[dim]plan {i}.[/dim] [bold]{escape(step['tool'])}[/bold]"
                f"({args}) [{style}]\\[{step['risk']}][/{style}]"
                + UNDO_NOTE.get(step.get("undoable"), "")
                + (f" [dim]- {escape(why)}[/dim]" if why else "")
            )
            if script is not None:  # the script itself is what the person approves
                self._script(str(script), more)

    def _script(self, text: str, review: list[str]) -> None:
        lines = text.rstrip("\n").split("\n")
        numbered = "\n".join(f"{n:>4} | {_clip(line)}" for n, line in enumerate(lines, 1))
        self.console.print(numbered, markup=False, highlight=False, soft_wrap=True)
        if review:
            self.console.print("\n".join(_clip(r) for r in review), style="dim", markup=False)

    def _on_output_chunk(self, ev: Event) -> None:
        stream = str(ev.data.get("stream", "stdout"))
        live = self._live.setdefault((ev.step, stream), _LiveStream())
        self._print_lines(live.feed(ev.text), stream)

    def _print_lines(self, lines: list[str], stream: str) -> None:
        if lines:
            # The terminal wraps command output: rich's own wrapping of one long line takes
            # time that grows with the square of its length (25 s for 64 KB).
            style = "" if stream == "stdout" else "red"
            text = "\n".join(lines)
            self.console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)

    def _end_live(self, step: int | None) -> bool:
        """Finish the step's live output; True if it had any (its OUTPUT text is not repeated)."""
        streams = [(key[1], self._live.pop(key)) for key in list(self._live) if key[0] == step]
        for stream, live in streams:
            self._print_lines(live.end(), stream)
            if live.count > MAX_OUTPUT_LINES:
                self.console.print(f"[dim]... {live.count - MAX_OUTPUT_LINES} more lines[/dim]")
        return bool(streams)

    def _on_output(self, ev: Event) -> None:
        streamed = self._end_live(ev.step)
        table = ev.data.get("table")
        if table:
            self.console.print(self._table(table))
            return
        if streamed:
            return
        output = ev.data.get("output") or {}
        for stream in ("stdout", "stderr"):
            text = str(output.get(stream) or "").rstrip()
            if text:
                lines = text.splitlines()
                shown = "\n".join(_clip(line) for line in lines[:MAX_OUTPUT_LINES])
                style = "" if stream == "stdout" else "red"
                # The terminal wraps command output: rich's own wrapping of one long line takes
                # time that grows with the square of its length (25 s for 64 KB).
                self.console.print(
                    shown, style=style, markup=False, highlight=False, soft_wrap=True
                )
                if len(lines) > MAX_OUTPUT_LINES:
                    self.console.print(f"[dim]... {len(lines) - MAX_OUTPUT_LINES} more lines[/dim]")

    @staticmethod
    def _table(table: dict[str, Any]) -> RichTable:
        title = escape(_printable(str(table["title"])))
        out = RichTable(title=title, title_justify="left", show_edge=False)
        for col in table["columns"]:
            out.add_column(escape(_printable(str(col))), overflow="fold")
        for row in table["rows"]:
            out.add_row(*(escape(_printable(str(c))) for c in row))
        return out

    def _on_step_failed(self, ev: Event) -> None:
        self._end_live(ev.step)  # cancelled mid-output: what came is shown, and no more
        self.console.print(f"[red]✗ {escape(ev.data['tool'])} failed:[/red] {escape(ev.text)}")

    def _on_step_declined(self, ev: Event) -> None:
        self.console.print(
            f"[yellow]✗ {escape(ev.data['tool'])} not run:[/yellow] {escape(ev.text)}"
        )

    def _on_step_skipped(self, ev: Event) -> None:
        self.console.print(f"[dim]- {escape(ev.data['tool'])} skipped: {escape(ev.text)}[/dim]")

    def _on_answer(self, ev: Event) -> None:
        if ev.text:
            self.console.print(f"[bold]{escape(ev.text)}[/bold]")
        provider = str(ev.data.get("provider") or "local")
        if provider != "local":  # an answer from elsewhere says where it came from
            model = escape(str(ev.data.get("model") or ""))
            self.console.print(f"[dim](answered by {escape(provider)}, {model})[/dim]")

    def _on_unsure(self, ev: Event) -> None:
        self.console.print(f"[yellow]? {escape(ev.text)}[/yellow]", soft_wrap=True)

    def _on_error(self, ev: Event) -> None:
        self.console.print(f"[red]error:[/red] {escape(ev.text)}", soft_wrap=True)
