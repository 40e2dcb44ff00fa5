"""`llmos scripts list|show|run|edit|rm`: the script library from the command line.

Running goes through the same Session, Policy and Executor as every request (``run_tool``);
``--job ID`` is how cron runs a scheduled script with nobody to ask: allowed only while the
job exists, names this script, and the file still has the hash approved when it was
scheduled. ``edit`` saves the edited text the same way, as a save_script step in the audit log.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from llmchain_os.exitcodes import ExitCode

if TYPE_CHECKING:
    from llmchain_os.config import Settings


def add_parser(sub: Any) -> None:
    scripts = sub.add_parser("scripts", help="the saved scripts: list, show, run, edit, rm")
    acts = scripts.add_subparsers(dest="action")
    acts.add_parser("list", help="list saved scripts")
    for name, helptext in (("show", "show a script, its lint and risk"), ("edit", "edit it")):
        acts.add_parser(name, help=helptext).add_argument("name")
    rm = acts.add_parser("rm", help="remove a saved script")
    rm.add_argument("name")
    rm.add_argument("--yes", action="store_true", help="remove without asking")
    run = acts.add_parser("run", help="run a saved script (asked unless --yes covers its risk)")
    run.add_argument("name")
    run.add_argument("--dry-run", action="store_true", help="lint, explain, run nothing")
    run.add_argument("--yes", action="store_true", help="approve write and remote scripts")
    run.add_argument("--yes-destructive", action="store_true", help="also destructive ones")
    run.add_argument("--write", action="append", default=[], metavar="PATH", help="writable")
    run.add_argument("--network", action="store_true", help="allow network in the sandbox")
    run.add_argument("--no-sandbox", action="store_true", help="run without bubblewrap")
    run.add_argument("--job", metavar="ID", help="run as scheduled job ID (cron)")


def cmd_scripts(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import ToolError

    action = opts.action or "list"
    try:
        return int(ACTIONS[action](opts, settings))
    except ToolError as exc:
        print(f"llmos: {exc}", file=sys.stderr)
        return ExitCode.STEP_FAILED


def _list(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import list_scripts

    records = list_scripts().scripts
    if not records:
        print("No saved scripts yet - try: llmos run 'write a script that backs up /srv'")
    for r in records:
        last = f"last run {r.last_run} ({r.last_result})" if r.last_run else "never run"
        print(f"{r.name:24} {r.language:6} {last}\n{'':24} {r.description}")
    return 0


def _show(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import show_script, would_run

    shown = show_script(opts.name)
    record, text = shown.record, shown.text
    print(f"# {record.name} ({record.language}): {record.description}\n# {record.path}")
    print(text, end="" if text.endswith("\n") else "\n")
    print(shown.review)
    print(f"would run: {would_run(record)}")
    return 0


def _run(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import (
        Approver,
        ChainResult,
        JobNotApproved,
        Policy,
        Session,
        decline_all,
        get_script,
        job_approver,
    )
    from llmchain_os.terminal import ask_tty

    get_script(opts.name)  # a missing script is one plain line, not a failed step
    approve: Approver = ask_tty if sys.stdin.isatty() else decline_all
    if opts.job:  # cron: nobody to ask; the job approved this text when it was scheduled
        try:
            approve = job_approver(opts.job, opts.name)
        except JobNotApproved as exc:
            print(f"llmos: not run: {exc}", file=sys.stderr)
            return ExitCode.DECLINED
    if opts.dry_run:
        _show(opts, settings)
    args = {"name": opts.name, "write": opts.write, "network": opts.network}
    args["sandbox"] = not opts.no_sandbox
    policy = Policy(auto_write=opts.yes, auto_destructive=opts.yes_destructive)
    events = Session(settings).run_tool(
        "run_script", args, approve, policy, f"scripts run {opts.name}", dry_run=opts.dry_run
    )
    from rich.console import Console

    from llmchain_os.repl.render import Renderer

    renderer, seen = Renderer(Console()), []
    for ev in events:
        renderer.render(ev)
        seen.append(ev)
    return ChainResult.from_events(f"scripts run {opts.name}", seen).exit_code


def _edit(opts: argparse.Namespace, settings: Settings) -> int:
    """The script opens in $EDITOR; the edited text is saved as a save_script step."""
    from llmchain_os.api import Session, review_script, save_edited_script, saved_script_text
    from llmchain_os.repl.editor import edit_text

    source = saved_script_text(opts.name)
    new = edit_text(source.text, source.suffix)
    if new == source.text:
        print(f"{source.name}: unchanged")
        return 0
    print(review_script(new, source.language))
    ask = input if sys.stdin.isatty() else None  # the one who ran the editor saves unasked
    text, code = save_edited_script(Session(settings), source.name, new, ask)
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


def _rm(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import remove_script_asked

    ask = None if opts.yes or not sys.stdin.isatty() else input
    text, code = remove_script_asked(opts.name, ask, yes=opts.yes)
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


ACTIONS: dict[str, Any] = {
    "list": _list,
    "show": _show,
    "run": _run,
    "edit": _edit,
    "rm": _rm,
}
