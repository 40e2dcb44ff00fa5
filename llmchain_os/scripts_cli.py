"""`llmos scripts list|show|run|edit|rm`: the script library from the command line.

Running goes through the same Session, Policy and Executor as every request (``run_tool``);
``--job ID`` is how cron runs a scheduled script with nobody to ask: allowed only while the
job exists, names this script, and the file still has the hash approved when it was
scheduled.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from llmchain_os.exitcodes import ExitCode

if TYPE_CHECKING:
    from llmchain_os.agent.plan import Step
    from llmchain_os.agent.policy import Decision
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
    from llmchain_os.errors import ToolError

    action = opts.action or "list"
    try:
        return int(ACTIONS[action](opts, settings))
    except ToolError as exc:
        print(f"llmos: {exc}", file=sys.stderr)
        return ExitCode.STEP_FAILED


def _list(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.scripts.library import ScriptLibrary

    records = ScriptLibrary().list()
    if not records:
        print("No saved scripts yet - try: llmos run 'write a script that backs up /srv'")
    for r in records:
        last = f"last run {r.last_run} ({r.last_result})" if r.last_run else "never run"
        print(f"{r.name:24} {r.language:6} {last}\n{'':24} {r.description}")
    return 0


def _show(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.scripts.library import ScriptLibrary
    from llmchain_os.scripts.lint import review
    from llmchain_os.tools.scripts import run_plan

    lib = ScriptLibrary()
    record, text = lib.read(opts.name)
    print(f"# {record.name} ({record.language}): {record.description}\n# {record.path}")
    print(text, end="" if text.endswith("\n") else "\n")
    print(review(text, record.language).text())
    print(f"would run: {run_plan(record.writes, False, True)}")
    return 0


def _job_refusal(opts: argparse.Namespace) -> str | None:
    """Why ``--job`` may not run this script now; None when the job still vouches for it."""
    from llmchain_os.scripts.library import ScriptLibrary
    from llmchain_os.scripts.schedule import JobError, get_job

    try:
        job = get_job(opts.job)
    except JobError as exc:
        return str(exc)
    if job.script != opts.name:
        return f"job {opts.job} runs {job.script}, not {opts.name}"
    if job.sha256 != ScriptLibrary().current_sha256(opts.name):
        return (
            "the script changed since it was scheduled - run it by hand, or schedule it again "
            "to approve the new text"
        )
    return None


def _run(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.agent.executor import decline_all
    from llmchain_os.agent.policy import Policy
    from llmchain_os.api import ChainResult, Session
    from llmchain_os.scripts.library import ScriptLibrary

    ScriptLibrary().get(opts.name)  # a missing script is one plain line, not a failed step
    from llmchain_os.cli import _ask_tty  # cli imports this module lazily: no cycle

    approve: Any = _ask_tty if sys.stdin.isatty() else decline_all
    if opts.job:
        refusal = _job_refusal(opts)
        if refusal is not None:
            print(f"llmos: not run: {refusal}", file=sys.stderr)
            return ExitCode.DECLINED

        from llmchain_os.scripts.schedule import get_job

        sha = get_job(opts.job).sha256  # the text approved when it was scheduled

        def approve(step: Step, decision: Decision) -> bool:
            """Approved when scheduled, for that text only: the text judged now must be it
            (the file could change between the job check above and the judgement)."""
            from llmchain_os.tools.scripts import assessed_sha256

            return assessed_sha256(opts.name) == sha

        approve.audit_name = f"job {opts.job}"  # who approved it, for the audit log

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
    from llmchain_os.agent.policy import is_yes
    from llmchain_os.agent.script_steps import edit_text
    from llmchain_os.scripts.library import SUFFIX, ScriptLibrary, sha256_text
    from llmchain_os.scripts.lint import review

    lib = ScriptLibrary()
    record, old = lib.read(opts.name)
    new = edit_text(old, SUFFIX[record.language])
    if new == old:
        print(f"{record.name}: unchanged")
        return 0
    print(review(new, record.language).text())
    if sys.stdin.isatty() and not is_yes(input(f"Save the edited {record.name}? [y/N] ")):
        print("Not saved.")
        return ExitCode.DECLINED
    _logged(
        "edit_script",
        {"name": record.name, "sha256": sha256_text(new)},
        lambda: lib.save(record.name, new, record.language, record.description, record.writes),
    )
    print(f"Saved {record.name} (scheduled jobs of it will refuse to run until rescheduled).")
    return 0


def _rm(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.agent.policy import is_yes
    from llmchain_os.scripts.library import ScriptLibrary

    lib = ScriptLibrary()
    record = lib.get(opts.name)
    if not opts.yes:
        if not sys.stdin.isatty():
            print(f"llmos: not removed: {record.name} - add --yes", file=sys.stderr)
            return ExitCode.DECLINED
        if not is_yes(input(f"Remove script {record.name} ({record.path})? [y/N] ")):
            print("Not removed.")
            return ExitCode.DECLINED
    _logged("remove_script", {"name": record.name}, lambda: lib.remove(record.name))
    print(f"Removed {record.name}.")
    return 0


def _logged(tool: str, args: dict[str, Any], action: Any) -> None:
    """A change made here, outside the executor, still goes to the audit log first; an
    unwritable log is a ToolError (one line, nothing changed)."""
    from llmchain_os.errors import ToolError
    from llmchain_os.safety.audit import AuditError, logged_action

    try:
        logged_action(tool, args, action, request=f"scripts {tool.split('_')[0]} {args['name']}")
    except AuditError as exc:
        raise ToolError(f"not done: {exc}") from exc


ACTIONS: dict[str, Any] = {
    "list": _list,
    "show": _show,
    "run": _run,
    "edit": _edit,
    "rm": _rm,
}
