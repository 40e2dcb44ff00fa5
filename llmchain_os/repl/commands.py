"""Slash commands of the shell: /help, /tools, /model, /history, /hosts, memory, /exit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prompt_toolkit.history import History
    from rich.console import Console

    from llmchain_os.api import MemoryEntry, Session

HISTORY_WIDTH = 200  # a pasted megabyte is shown as its start, not wrapped for minutes
HELP = """\
Ask in plain words: "how full is my disk", "what is using the most memory",
"show me the 5 busiest processes", "how long has this machine been up".
Every plan is shown with its risk; anything beyond reading asks you first.
  !CMD       run a shell command yourself (still checked, and asked if it changes things)
  /tools     the tools the shell can plan with
  /model     which model is loaded, and how; /model auto|local|PROFILE picks the route
  /history   your last requests
  /scripts   saved scripts; /scripts show NAME (ask "write a script that ..." for one)
  /audit     the last 20 steps from the audit log; /audit verify checks its hash chain
  /jobs      scheduled scripts; /jobs rm ID removes one (asks first)
  /hosts     remote hosts (/hosts SELECTION: a group, tag or name); /hosts check SELECTION
  /undo      restore what the last delete or overwrite removed (from the trash)
  /remember TEXT   keep a note ("the backup host is 10.0.0.5"); ask for it later in words
  /forget TEXT     forget the memories that contain TEXT (a few at most), or one id
  /good, /bad      mark the last request: a good one is learned from, a bad one is not
  /help      this text
  /exit      leave (or Ctrl-D); Ctrl-C cancels a running request"""


def _help(session: Session, console: Console, history: History) -> None:
    console.print(HELP, markup=False, highlight=False)


def _tools(session: Session, console: Console, history: History) -> None:
    from rich.table import Table

    from llmchain_os.api import list_tools

    table = Table(title="Tools", title_justify="left", show_edge=False)
    for col in ("name", "risk", "arguments", "what it does"):
        table.add_column(col, overflow="fold")
    for tool in list_tools(session.registry):
        table.add_row(tool.name, tool.risk, ", ".join(tool.arguments), tool.description)
    console.print(table)


def _model(session: Session, console: Console, args: list[str]) -> None:
    """``/model`` shows the model and the route; ``/model auto|local|PROFILE`` sets it."""
    from rich.markup import escape

    from llmchain_os.api import ModelError, model_status

    if args:
        try:
            console.print(session.use(args[0]), markup=False, highlight=False)
        except ModelError as exc:
            console.print(str(exc), style="yellow", markup=False)
        return
    status = model_status(session)
    state = "loaded" if status.loaded else "not loaded yet (it loads in the background)"
    load_s = status.load_seconds
    console.print(
        f"model: {escape(status.where)}\nstate: {state}"
        + (f" in {load_s:.2f} s" if load_s else "")
        + f"\nthreads: {status.threads}, context: {status.n_ctx}, "
        f"gpu layers: {status.gpu_layers}\nplanner: {status.planner}, answers: {status.answers}"
        f"\nroute: {status.route} (/model auto|local|PROFILE)"
    )
    for line in status.providers:
        console.print(f"  {line}", markup=False, highlight=False)


def _history(session: Session, console: Console, history: History) -> None:
    entries = list(history.load_history_strings())[:20]
    for entry in reversed(entries):
        shown = entry if len(entry) <= HISTORY_WIDTH else entry[:HISTORY_WIDTH] + "..."
        console.print(f"  {shown}", markup=False, highlight=False)


def _undo(session: Session, console: Console, history: History) -> None:
    from llmchain_os.api import undo_last

    console.print("\n".join(undo_last()), markup=False, highlight=False)


def _audit(session: Session, console: Console, args: list[str]) -> None:
    from llmchain_os.api import audit_report, verify_audit

    if args[:1] == ["verify"]:
        text, code = verify_audit(session.audit_log())
        console.print(text, style=None if code == 0 else "red", markup=False, soft_wrap=True)
        return
    report = audit_report(last=20, log=session.audit_log())
    if report.error is not None:
        console.print(report.error, style="red", markup=False)
        return
    console.print("\n".join(report.lines), markup=False, highlight=False, soft_wrap=True)
    if report.note:
        console.print(report.note, style="yellow", markup=False)


def _jobs(session: Session, console: Console, args: list[str]) -> None:
    from llmchain_os.api import job_lines, remove_job_asked

    if not args or args[0] == "list":
        console.print("\n".join(job_lines()), markup=False, highlight=False, soft_wrap=True)
    elif args[0] == "rm" and len(args) == 2:
        text, _ = remove_job_asked(session, args[1], lambda q: console.input(q, markup=False))
        console.print(text, markup=False, highlight=False)
    else:
        console.print("usage: /jobs, or /jobs rm ID", style="yellow", markup=False)


def _scripts(session: Session, console: Console, args: list[str]) -> None:
    from dataclasses import asdict

    from llmchain_os.api import ToolError, list_scripts, show_script
    from llmchain_os.repl.render import Renderer

    try:
        if not args or args[0] == "list":
            listing = list_scripts()
            table = listing.table()
            console.print(
                Renderer._table(asdict(table)) if table else listing.summary(), markup=False
            )
        elif args[0] == "show" and len(args) == 2:
            shown = show_script(args[1])
            console.print(shown.summary(), markup=False, highlight=False, soft_wrap=True)
        else:
            console.print("usage: /scripts, or /scripts show NAME", style="yellow", markup=False)
    except ToolError as exc:
        console.print(str(exc), style="yellow", markup=False)


def _hosts(session: Session, console: Console, args: list[str]) -> None:
    from dataclasses import asdict

    from llmchain_os.api import ToolError, check_hosts, list_hosts
    from llmchain_os.repl.render import Renderer

    try:
        check = args[:1] == ["check"]
        words = " ".join(args[1:] if check else args) or "all"
        shown = check_hosts(words) if check else list_hosts(words)
    except ToolError as exc:
        console.print(str(exc), style="yellow", markup=False)
        return
    table = shown.table()
    if table is not None:
        console.print(Renderer._table(asdict(table)), markup=False)
    console.print(shown.summary(), markup=False, highlight=False, soft_wrap=True)


def _remember(session: Session, console: Console, args: list[str]) -> None:
    from llmchain_os.api import MEMORY_ERRORS, remember_note

    if not args:
        console.print("usage: /remember TEXT", style="yellow", markup=False)
        return
    try:
        entry = remember_note(" ".join(args), session.settings)
    except MEMORY_ERRORS as exc:
        console.print(str(exc), style="yellow", markup=False)
        return
    console.print(f"Remembered ({entry.id}).", markup=False, highlight=False)


FORGET_AT_ONCE = 5  # more matches than this: the shell asks for a narrower text


def _forget(session: Session, console: Console, args: list[str]) -> None:
    """Forget what matches, and say exactly what went; a broad text that matches many
    entries forgets nothing (``llmos memory forget`` asks about those)."""
    from llmchain_os.api import MEMORY_ERRORS, forget_memory

    def few(chosen: list[MemoryEntry]) -> bool:
        if len(chosen) <= FORGET_AT_ONCE:
            return True
        console.print(
            f"{len(chosen)} memories match - say more, give an id ('llmos memory list'), "
            "or use 'llmos memory forget TEXT', which asks",
            style="yellow",
            markup=False,
        )
        return False

    if not args:
        console.print("usage: /forget TEXT (or an id)", style="yellow", markup=False)
        return
    try:
        removed = forget_memory(" ".join(args), few, session.settings)
    except MEMORY_ERRORS as exc:
        console.print(str(exc), style="yellow", markup=False)
        return
    for entry in removed:
        console.print(f"Forgot {entry.id}: {' '.join(entry.text.split())[:100]}", markup=False)
    if not removed:
        console.print("Nothing forgotten.", markup=False, highlight=False)


def _good(session: Session, console: Console, history: History) -> None:
    from llmchain_os.api import memory_feedback

    console.print(memory_feedback(session, good=True), markup=False, highlight=False)


def _bad(session: Session, console: Console, history: History) -> None:
    from llmchain_os.api import memory_feedback

    console.print(memory_feedback(session, good=False), markup=False, highlight=False)


Handler = Callable[["Session", "Console", "History"], None]
# Commands that take words after them ("/jobs rm 1a2b"): they get those words.
ArgsHandler = Callable[["Session", "Console", list[str]], None]
WITH_ARGS: dict[str, ArgsHandler] = {
    "/audit": _audit,
    "/jobs": _jobs,
    "/scripts": _scripts,
    "/hosts": _hosts,
    "/remember": _remember,
    "/model": _model,
    "/forget": _forget,
}
SLASH: dict[str, Handler] = {
    "/help": _help,
    "/tools": _tools,
    "/history": _history,
    "/undo": _undo,
    "/good": _good,
    "/bad": _bad,
}
SLASH_COMMANDS = [*SLASH, *WITH_ARGS, "/exit", "/quit"]


def run_slash(text: str, session: Session, console: Console, history: History) -> bool:
    """Run one slash command; returns False when the shell should end."""
    name, *args = text.split()
    name = name.lower()
    if name in ("/exit", "/quit"):
        return False
    if name in WITH_ARGS:
        WITH_ARGS[name](session, console, args)
        return True
    handler = SLASH.get(name)
    if handler is None:
        console.print(f"Unknown command {name} - /help lists them", style="yellow", markup=False)
        return True
    handler(session, console, history)
    return True
