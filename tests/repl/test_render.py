"""The renderer: tables for results, command output clipped to what a person can read."""

from __future__ import annotations

from llmchain_os.agent.events import Event, EventKind
from llmchain_os.repl.app import string_console
from llmchain_os.repl.render import MAX_LINE_CHARS, MAX_OUTPUT_LINES, Renderer


def _render(*events: Event) -> str:
    console = string_console()
    renderer = Renderer(console)
    for ev in events:
        renderer.render(ev)
    return console.file.getvalue()  # type: ignore[attr-defined,no-any-return]


def _output(stdout: str) -> Event:
    return Event(kind=EventKind.OUTPUT, step=0, data={"output": {"stdout": stdout}, "table": None})


def test_one_huge_output_line_is_clipped_and_says_how_much_was_left_out() -> None:
    text = _render(_output("x" * 200_000))
    assert f"{200_000 - MAX_LINE_CHARS:,} more characters" in text
    assert len(text) < MAX_LINE_CHARS + 200


def test_long_output_shows_its_first_lines_and_counts_the_rest() -> None:
    lines = [f"line {i}" for i in range(MAX_OUTPUT_LINES + 50)]
    text = _render(_output("\n".join(lines)))
    assert "line 0" in text and f"line {MAX_OUTPUT_LINES - 1}" in text
    assert f"line {MAX_OUTPUT_LINES}\n" not in text
    assert "50 more lines" in text


def test_output_text_is_not_read_as_markup() -> None:
    text = _render(_output("[red]not a style[/red] [/bold]"))
    assert "[red]not a style[/red] [/bold]" in text


def test_a_step_taking_its_argument_from_the_step_before_says_so() -> None:
    plan = {"tool": "process_info", "args": {}, "risk": "read", "why": "", "refs": {"pid": "pid"}}
    text = _render(Event(kind=EventKind.PLAN, data={"plan": [plan]}))
    assert "process_info(pid=<pid from the step before>)" in text
    assert "[read]" in text


def test_table_output_renders_its_rows() -> None:
    table = {"title": "Disk usage", "columns": ["path", "use%"], "rows": [["/", "23%"]]}
    text = _render(Event(kind=EventKind.OUTPUT, step=0, data={"output": {}, "table": table}))
    assert "Disk usage" in text and "23%" in text
