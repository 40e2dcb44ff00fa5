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
MAX_OUTPUT_LINES = 200
MAX_LINE_CHARS = 2000


# C0 controls but tab and newline, DEL, and the C1 controls: ESC alone starts an escape
# sequence (OSC 52 writes the clipboard, OSC 0 the window title), and \x9b is a one-byte CSI.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    """The text with each terminal control character shown as '?', so it cannot drive the
    terminal (tool output: a file being read, another user's command line)."""
    return _CONTROL.sub("?", text)


def _clip(line: str) -> str:
    line = _printable(line)
    if len(line) <= MAX_LINE_CHARS:
        return line
    return f"{line[:MAX_LINE_CHARS]}... ({len(line) - MAX_LINE_CHARS:,} more characters)"


def _args(args: dict[str, Any], refs: dict[str, str] | None = None) -> str:
    shown = [f"{k}={v!r}" for k, v in args.items()]
    shown += [f"{arg}=<{key} from the step before>" for arg, key in (refs or {}).items()]
    return ", ".join(shown)


class Renderer:
    """Writes Events to a rich Console; the REPL and ``llmos run`` share it."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def render(self, ev: Event) -> None:
        handler = getattr(self, f"_on_{ev.kind.value}", None)
        if handler is not None:
            handler(ev)

    def _on_plan(self, ev: Event) -> None:
        for i, step in enumerate(ev.data["plan"], 1):
            style = RISK_STYLE.get(step["risk"], "white")
            args = escape(_args(step["args"], step.get("refs")))
            self.console.print(
                f"[dim]plan {i}.[/dim] [bold]{escape(step['tool'])}[/bold]"
                f"({args}) [{style}]\\[{step['risk']}][/{style}]"
                + (f" [dim]- {escape(step['why'])}[/dim]" if step.get("why") else "")
            )

    def _on_output(self, ev: Event) -> None:
        table = ev.data.get("table")
        if table:
            self.console.print(self._table(table))
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

    def _on_unsure(self, ev: Event) -> None:
        self.console.print(f"[yellow]? {escape(ev.text)}[/yellow]", soft_wrap=True)

    def _on_error(self, ev: Event) -> None:
        self.console.print(f"[red]error:[/red] {escape(ev.text)}", soft_wrap=True)
