"""`llmos memory list|search|add|forget|clear|export|reset`: memory from the command line.

Parsing and printing only; the work is in ``api``. A store that cannot be opened is one line
on stderr that says to run ``llmos memory reset`` (which works on a corrupt store too).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmchain_os.exitcodes import ExitCode

if TYPE_CHECKING:
    from llmchain_os.config import Settings

KINDS = ["history", "notes", "documents"]


def add_parser(sub: Any) -> None:
    memory = sub.add_parser("memory", help="what the shell remembers: list, search, add, forget")
    acts = memory.add_subparsers(dest="action")
    listing = acts.add_parser("list", help="list what memory holds, oldest first")
    listing.add_argument("kind", nargs="?", choices=KINDS)
    search = acts.add_parser("search", help="find memories by meaning, with their sources")
    search.add_argument("query", nargs="+")
    search.add_argument("-k", type=int, default=5, help="how many (default 5)")
    add = acts.add_parser("add", help="remember text or markdown files (a folder: all of them)")
    add.add_argument("paths", nargs="+", type=Path)
    forget = acts.add_parser("forget", help="remove an entry by id, or those containing TEXT")
    forget.add_argument("target", nargs="+")
    forget.add_argument("--yes", action="store_true", help="remove without asking")
    clear = acts.add_parser("clear", help="remove every entry (or every one of a kind)")
    clear.add_argument("kind", nargs="?", choices=KINDS)
    clear.add_argument("--yes", action="store_true", help="clear without asking")
    acts.add_parser("export", help="every entry as JSON lines on stdout")
    reset = acts.add_parser("reset", help="delete the memory store (the audit log is kept)")
    reset.add_argument("--yes", action="store_true", help="reset without asking")


def cmd_memory(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import MEMORY_ERRORS

    try:
        return int(ACTIONS[opts.action or "list"](opts, settings))
    except MEMORY_ERRORS as exc:
        print(f"llmos: {exc}", file=sys.stderr)
        return ExitCode.STEP_FAILED


def _asked(opts: argparse.Namespace, question: str) -> bool:
    """--yes, or a y at a terminal; with nobody to ask and no --yes, no."""
    if getattr(opts, "yes", False):
        return True
    if not sys.stdin.isatty():
        print(f"llmos: not done - add --yes ({question.rstrip('? ')})", file=sys.stderr)
        return False
    from llmchain_os.api import is_yes

    try:
        return is_yes(input(f"{question} [y/N] "))
    except (EOFError, KeyboardInterrupt):
        return False


def _list(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import list_memory

    found = list_memory(getattr(opts, "kind", None), settings)
    for entry in found:
        text = " ".join(entry.text.split())
        print(f"{entry.id:14} {entry.kind.value:9} {text[:100]}  [{entry.citation()}]")
    if not found:
        print("Memory is empty - try: llmos memory add NOTES.md, or /remember in the shell")
    return 0


def _search(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import search_memory

    hits = search_memory(" ".join(opts.query), opts.k, settings)
    for hit in hits:
        print(f"{hit.score:.2f}  {hit.line()}")
    if not hits:
        print("Nothing in memory comes close.")
    return 0 if hits else ExitCode.UNSURE


def _add(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import add_documents

    code = 0
    for path in opts.paths:
        added = add_documents(path, settings)
        print(f"{path}: {len(added.files)} file(s), {added.passages} passage(s) remembered")
        for skipped in added.skipped:
            print(f"  skipped {skipped.why}", file=sys.stderr)
        code = code or (ExitCode.STEP_FAILED if not added.files else 0)
    return code


def _forget(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import forget_memory

    target = " ".join(opts.target)

    def confirm(chosen: list[Any]) -> bool:
        for entry in chosen[:20]:
            print(f"  {entry.id}  {' '.join(entry.text.split())[:100]}")
        more = f" (and {len(chosen) - 20} more)" if len(chosen) > 20 else ""
        return _asked(opts, f"Forget {len(chosen)} entr{'y' if len(chosen) == 1 else 'ies'}{more}?")

    removed = forget_memory(target, confirm, settings)
    print(f"Forgot {len(removed)} entr{'y' if len(removed) == 1 else 'ies'}.")
    return 0 if removed else ExitCode.DECLINED


def _clear(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import clear_memory

    if not _asked(opts, f"Remove every {opts.kind or 'memory'} entry?"):
        return ExitCode.DECLINED
    print(f"Removed {clear_memory(opts.kind, settings)} entries.")
    return 0


def _export(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import export_memory

    for line in export_memory(settings):
        print(line)
    return 0


def _reset(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import reset_memory

    if not _asked(opts, "Delete the memory store (history, notes, documents)?"):
        return ExitCode.DECLINED
    print("Memory reset; the audit log is untouched." if reset_memory() else "No memory yet.")
    return 0


ACTIONS: dict[str, Any] = {
    "list": _list,
    "search": _search,
    "add": _add,
    "forget": _forget,
    "clear": _clear,
    "export": _export,
    "reset": _reset,
}
