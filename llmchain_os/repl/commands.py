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


Handler = Callable[["Session", "Console", "History"], None]
SLASH: dict[str, Handler] = {
    "/help": _help,
    "/tools": _tools,
    "/model": _model,
    "/history": _history,
}
SLASH_COMMANDS = [*SLASH, "/exit", "/quit"]


def run_slash(text: str, session: Session, console: Console, history: History) -> bool:
    """Run one slash command; returns False when the shell should end."""
    name = text.split()[0].lower()
    if name in ("/exit", "/quit"):
        return False
    handler = SLASH.get(name)
    if handler is None:
        console.print(f"Unknown command {name} - /help lists them", style="yellow", markup=False)
        return True
    handler(session, console, history)
    return True
