"""The `llmos` command: argument parsing only; the work is in api, repl and doctor."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from llmchain_os import __version__
from llmchain_os.exitcodes import ExitCode

if TYPE_CHECKING:
    from llmchain_os.api import Session
    from llmchain_os.config import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llmos",
        description="A natural-language shell for this machine. "
        "With no command, opens the interactive shell.",
    )
    parser.add_argument("--version", action="version", version=f"llmchain-os {__version__}")
    parser.add_argument("--model", metavar="GGUF", help="a GGUF model file (default: embedded)")
    parser.add_argument("--threads", type=int, metavar="N", help="llama.cpp threads")
    sub = parser.add_subparsers(dest="command")
    from llmchain_os import (  # argparse only
        batch_cli,
        completions,
        hosts_cli,
        listen_cli,
        mcp_cli,
        scripts_cli,
    )
    from llmchain_os.run_cli import add_run_flags

    run = sub.add_parser("run", help="handle one request and exit")
    run.add_argument("request", nargs="+", help="what you want, in plain words")
    add_run_flags(run, "print one JSON document")
    batch_cli.add_parser(sub)
    listen_cli.add_parser(sub)
    mcp_cli.add_parser(sub)
    cfg = sub.add_parser("config", help="show the configuration")
    cfg.add_argument("action", choices=["show", "path"])
    sub.add_parser("doctor", help="check the model, GPU offload, cloud endpoint and files")
    sub.add_parser("tools", help="list the tools")
    scripts_cli.add_parser(sub)
    hosts_cli.add_parser(sub)
    from llmchain_os import memory_cli  # argparse only: cheap

    memory_cli.add_parser(sub)
    _add_audit_parser(sub)
    jobs = sub.add_parser("jobs", help="list scheduled scripts, or remove one")
    jobs.add_argument("action", nargs="?", choices=["list", "rm"], default="list")
    jobs.add_argument("job", nargs="?", help="the job id to remove (rm)")
    jobs.add_argument("--yes", action="store_true", help="remove without asking")
    undo = sub.add_parser("undo", help="restore what the last delete or overwrite removed")
    undo.add_argument("--list", action="store_true", help="list the trash instead")
    completions.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    opts = build_parser().parse_args(argv)
    overrides = {"model_path": opts.model, "n_threads": opts.threads}
    if opts.command is None:
        return cmd_shell(overrides)
    if opts.command in ("completions", "completion"):  # sourced at login: no config needed
        return _reader_may_leave(lambda: cmd_completions(opts))
    from llmchain_os.config import ConfigError, load_settings

    try:
        settings = load_settings(overrides)
    except ConfigError as exc:
        print(f"llmos: {exc}", file=sys.stderr)
        if opts.command == "run" and opts.json:  # a script still gets its one JSON document
            print(
                json.dumps(
                    {
                        "request": " ".join(opts.request),
                        "error": str(exc),
                        "exit_code": ExitCode.USAGE,
                        "plan": [],
                        "steps": [],
                    },
                    indent=2,
                )
            )
        return ExitCode.USAGE
    return _reader_may_leave(lambda: int(COMMANDS[opts.command](opts, settings)))


def _reader_may_leave(command: Callable[[], int]) -> int:
    try:
        return command()
    except BrokenPipeError:  # `llmos run ... | head`: the reader left; that is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def cmd_shell(overrides: dict[str, Any]) -> int:
    """The shell shows its prompt first; settings, tools and the model load behind it."""
    from llmchain_os.repl.app import run_repl

    def start() -> Session:
        from llmchain_os.api import Session
        from llmchain_os.config import load_settings

        return Session(load_settings(overrides), learn=True)

    return run_repl(start)


def cmd_run(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import Session
    from llmchain_os.run_cli import run_one

    # argv bytes that are not UTF-8 reach us as surrogates: hand the bytes on, so the request
    # check refuses them in one line.
    raw = " ".join(opts.request).encode("utf-8", "surrogateescape")
    ask = sys.stdin.isatty() and not opts.json
    result = run_one(Session(settings), raw, opts, ask)
    if opts.json:
        print(result.model_dump_json(indent=2))
    elif result.exit_code == ExitCode.INTERRUPTED:
        print("llmos: interrupted", file=sys.stderr)
    return result.exit_code


def cmd_config(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.paths import config_file

    if opts.action == "path":
        print(config_file())
        return 0
    print(f"# {config_file()} (flags > LLMOS_* env > this file > defaults)")
    for key, value in settings.redacted().items():
        print(f"{key} = {json.dumps(value)}")
    return 0


def cmd_doctor(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import doctor_checks

    checks = doctor_checks(settings)
    for check in checks:
        mark = "ok  " if check.ok else "FAIL"
        print(f"{mark} {check.name}: {check.detail}")
        if check.fix:
            print(f"     fix: {check.fix}")
    return 0 if all(c.ok for c in checks) else 1


def cmd_tools(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import list_tools

    for tool in list_tools():
        print(f"{tool.name:16} {tool.risk:17} {tool.description}")
    return 0


def cmd_undo(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import trash_listing, undo_last

    print("\n".join(trash_listing() if opts.list else undo_last()))
    return 0


def _add_audit_parser(sub: Any) -> None:
    audit = sub.add_parser("audit", help="show the log of every step run, declined or refused")
    audit.add_argument(
        "action",
        nargs="?",
        choices=["show", "verify"],
        default="show",
        help="verify: check that no entry was changed, removed or added by hand",
    )
    audit.add_argument("-n", type=int, default=50, metavar="N", help="the last N (0: all)")
    audit.add_argument("--since", metavar="WHEN", help="e.g. 30m, 1h, 2d, 1w or an ISO time")
    audit.add_argument("--risk", choices=["read", "write", "remote", "privileged", "destructive"])
    audit.add_argument("--status", choices=["started", "done", "failed", "declined", "skipped"])
    audit.add_argument("--grep", metavar="TEXT", help="entries that contain TEXT")
    audit.add_argument("--json", action="store_true", help="JSON lines, one entry each")


def cmd_audit(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import audit_report

    if opts.action == "verify":
        return cmd_audit_verify()
    report = audit_report(
        last=opts.n,
        since=opts.since,
        risk=opts.risk,
        status=opts.status,
        grep=opts.grep,
        as_json=opts.json,
    )
    if report.error is not None:
        print(f"llmos: {report.error}", file=sys.stderr)
        return ExitCode.USAGE
    print("\n".join(report.lines))
    if report.note:
        print(f"llmos: {report.note}", file=sys.stderr)
    return 0


def cmd_audit_verify() -> int:
    from llmchain_os.api import verify_audit

    text, code = verify_audit()
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


def cmd_jobs(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import Session, ToolError, job_lines, remove_job_asked

    if opts.action == "list":
        try:
            print("\n".join(job_lines()))
        except ToolError as exc:
            print(f"llmos: {exc}", file=sys.stderr)
            return ExitCode.STEP_FAILED
        return 0
    if not opts.job:
        print("llmos: say which job: llmos jobs rm ID ('llmos jobs' lists them)", file=sys.stderr)
        return ExitCode.USAGE
    ask = None if opts.yes or not sys.stdin.isatty() else input
    text, code = remove_job_asked(Session(settings), opts.job, ask, yes=opts.yes)
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


def cmd_scripts(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.scripts_cli import cmd_scripts as run

    return run(opts, settings)


def cmd_hosts(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.hosts_cli import cmd_hosts as run

    return run(opts, settings)


def cmd_memory(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.memory_cli import cmd_memory as run

    return run(opts, settings)


def cmd_batch(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.batch_cli import cmd_batch as run

    return run(opts, settings)


def cmd_listen(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.listen_cli import cmd_listen as run

    return run(opts, settings)


def cmd_mcp(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.mcp_cli import cmd_mcp as run

    return run(opts, settings)


def cmd_completions(opts: argparse.Namespace, settings: Settings | None = None) -> int:
    from llmchain_os.completions import script_for

    print(script_for(opts.shell, build_parser()))
    return 0


COMMANDS: dict[str, Any] = {
    "batch": cmd_batch,
    "listen": cmd_listen,
    "mcp": cmd_mcp,
    "completions": cmd_completions,
    "completion": cmd_completions,
    "hosts": cmd_hosts,
    "memory": cmd_memory,
    "scripts": cmd_scripts,
    "audit": cmd_audit,
    "jobs": cmd_jobs,
    "undo": cmd_undo,
    "run": cmd_run,
    "config": cmd_config,
    "doctor": cmd_doctor,
    "tools": cmd_tools,
}
