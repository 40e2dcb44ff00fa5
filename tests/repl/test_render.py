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


ATTACKS = [
    "\x1b]52;c;cm0gLXJmIH4=\x07",  # OSC 52: write the clipboard
    "\x1b]0;pwned\x07",  # OSC 0: set the window title
    "\x1b[2J",  # CSI: clear the screen
    "\x9b2J",  # the one-byte C1 CSI
    "\x9d0;pwned\x9c",  # the one-byte C1 OSC and ST
    "\x08\x7f\x00",  # backspace, DEL, NUL
]


def _no_controls(text: str) -> bool:
    allowed = {"\n", "\t"}
    return not any((ord(ch) < 0x20 and ch not in allowed) or 0x7F <= ord(ch) <= 0x9F for ch in text)


def test_control_characters_in_command_output_never_reach_the_terminal() -> None:
    text = _render(_output("".join(f"before {a} after\n" for a in ATTACKS)))
    assert _no_controls(text)
    assert "?]52;c;cm0gLXJmIH4=?" in text
    assert text.count("before ") == len(ATTACKS) and text.count(" after") == len(ATTACKS)


def test_control_characters_in_stderr_are_shown_as_question_marks() -> None:
    ev = Event(
        kind=EventKind.OUTPUT,
        step=0,
        data={"output": {"stderr": "oops\x1b]0;title\x07"}, "table": None},
    )
    text = _render(ev)
    assert _no_controls(text)
    assert "oops?]0;title?" in text


def test_tabs_in_command_output_are_not_replaced() -> None:
    text = _render(_output("a\tb"))  # rich expands the tab to spaces; it is not a '?'
    assert text.startswith("a ") and text.rstrip().endswith("b")
    assert "?" not in text


def test_control_characters_in_table_cells_never_reach_the_terminal() -> None:
    rows = [["1", f"bash -c 'x{a}y'"] for a in ATTACKS]
    table = {"title": "Processes\x1b[2J", "columns": ["pid", "cmd\x9b"], "rows": rows}
    text = _render(Event(kind=EventKind.OUTPUT, step=0, data={"output": {}, "table": table}))
    assert _no_controls(text)
    assert "x?]0;pwned?y" in text
    assert "Processes?[2J" in text
