"""Slash commands of the shell: /help, /tools, /model, /history, /exit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prompt_toolkit.history import History
    from rich.console import Console

    from llmchain_os.api import Session

HISTORY_WIDTH = 200  # a pasted megabyte is shown as its start, not wrapped for minutes
HELP = """\
Ask in plain words: "how full is my disk", "what is using the most memory",
"show me the 5 busiest processes", "how long has this machine been up".
Every plan is shown with its risk; anything beyond reading asks you first.
  !CMD       run a shell command yourself (still checked, and asked if it changes things)
  /tools     the tools the shell can plan with
  /model     which model is loaded, and how
  /history   your last requests
  /scripts   saved scripts; /scripts show NAME (ask "write a script that ..." for one)
  /audit     the last 20 steps from the audit log; /audit verify checks its hash chain
  /jobs      scheduled scripts; /jobs rm ID removes one (asks first)
  /undo      restore what the last delete or overwrite removed (from the trash)
  /help      this text
  /exit      leave (or Ctrl-D); Ctrl-C cancels a running request"""


def _help(session: Session, console: Console, history: History) -> None:
    console.print(HELP, markup=False, highlight=False)


def _tools(session: Session, console: Console, history: History) -> None:
    from rich.table import Table

    table = Table(title="Tools", title_justify="left", show_edge=False)
    for col in ("name", "risk", "arguments", "what it does"):
        table.add_column(col, overflow="fold")
    for tool in session.registry:
        risk = tool.risk_label
        args = ", ".join(tool.args_model.model_fields)
        table.add_row(tool.name, risk, args, tool.description)
    console.print(table)


def _model(session: Session, console: Console, history: History) -> None:
    from rich.markup import escape

    from llmchain_os.llm.models import default_threads, resolve_model

    settings = session.settings
    try:
        ref = resolve_model(settings.model_path)
        where = f"{ref.name} at {ref.path}"
    except Exception as exc:  # a bad path is reported, not raised, in the shell
        where = f"unavailable: {exc}"
    model = session.loaded_model()
    state = "loaded" if model is not None else "not loaded yet (it loads in the background)"
    load_s = getattr(model, "load_seconds", 0.0)
    console.print(
        f"model: {escape(where)}\nstate: {state}"
        + (f" in {load_s:.2f} s" if load_s else "")
        + f"\nthreads: {settings.n_threads or default_threads()}, context: {settings.n_ctx}, "
        f"gpu layers: {settings.n_gpu_layers}\nplanner: {session.planner_mode()}, "
        f"answers: {session.answer_mode()}"
    )


def _history(session: Session, console: Console, history: History) -> None:
    entries = list(history.load_history_strings())[:20]
    for entry in reversed(entries):
        shown = entry if len(entry) <= HISTORY_WIDTH else entry[:HISTORY_WIDTH] + "..."
        console.print(f"  {shown}", markup=False, highlight=False)


def _undo(session: Session, console: Console, history: History) -> None:
    from llmchain_os.api import undo_last

    console.print("\n".join(undo_last()), markup=False, highlight=False)


def _audit(session: Session, console: Console, args: list[str]) -> None:
    from llmchain_os.safety.audit import audit_report

    if args[:1] == ["verify"]:
        from llmchain_os.api import verify_audit

        text, code = verify_audit(session.audit_log())
        console.print(text, style=None if code == 0 else "red", markup=False, soft_wrap=True)
        return
    lines, note = audit_report(last=20, log=session.audit_log())
    console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)
    if note:
        console.print(note, style="yellow", markup=False)


def _jobs(session: Session, console: Console, args: list[str]) -> None:
    from llmchain_os.tools.jobs import job_lines

    if not args or args[0] == "list":
        console.print("\n".join(job_lines()), markup=False, highlight=False, soft_wrap=True)
    elif args[0] == "rm" and len(args) == 2:
        from llmchain_os.api import remove_job_asked

        text, _ = remove_job_asked(session, args[1], lambda q: console.input(q, markup=False))
        console.print(text, markup=False, highlight=False)
    else:
        console.print("usage: /jobs, or /jobs rm ID", style="yellow", markup=False)


def _scripts(session: Session, console: Console, args: list[str]) -> None:
    from dataclasses import asdict

    from llmchain_os.errors import ToolError
    from llmchain_os.repl.render import Renderer
    from llmchain_os.tools.scripts import list_scripts, show_script

    try:
        if not args or args[0] == "list":
            listing = list_scripts.call(list_scripts.parse_args({}))
            table = listing.table()
            console.print(
                Renderer._table(asdict(table)) if table else listing.summary(), markup=False
            )
        elif args[0] == "show" and len(args) == 2:
            shown = show_script.call(show_script.parse_args({"name": args[1]}))
            console.print(shown.summary(), markup=False, highlight=False, soft_wrap=True)
        else:
            console.print("usage: /scripts, or /scripts show NAME", style="yellow", markup=False)
    except ToolError as exc:
        console.print(str(exc), style="yellow", markup=False)


Handler = Callable[["Session", "Console", "History"], None]
# Commands that take words after them ("/jobs rm 1a2b"): they get those words.
ArgsHandler = Callable[["Session", "Console", list[str]], None]
WITH_ARGS: dict[str, ArgsHandler] = {"/audit": _audit, "/jobs": _jobs, "/scripts": _scripts}
SLASH: dict[str, Handler] = {
    "/help": _help,
    "/tools": _tools,
    "/model": _model,
    "/history": _history,
    "/undo": _undo,
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
