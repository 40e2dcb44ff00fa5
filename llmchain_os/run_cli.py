"""One request from the command line, as `llmos run` and `llmos batch` both handle it:
the flags they share, who approves, and the request rendered or kept for JSON."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from llmchain_os.exitcodes import ExitCode

if TYPE_CHECKING:
    from llmchain_os.api import ChainResult, Session


def add_run_flags(parser: argparse.ArgumentParser, json_help: str) -> None:
    parser.add_argument("--json", action="store_true", help=json_help)
    parser.add_argument("--yes", action="store_true", help="approve write and remote steps")
    parser.add_argument(
        "--yes-destructive",
        action="store_true",
        help="also approve destructive and privileged steps",
    )
    parser.add_argument("--dry-run", action="store_true", help="show the plan, run nothing")


def run_one(session: Session, raw: bytes, opts: argparse.Namespace, ask: bool) -> ChainResult:
    """Handle one request: rendered as it goes unless ``opts.json``; asked at the terminal
    when ``ask``, else what needs approval is declined. Ctrl-C ends it with what ran so far
    (exit 130), and is raised again only by the caller's next request."""
    from llmchain_os.api import ChainResult, Policy, decline_all
    from llmchain_os.terminal import ask_tty

    text = raw.decode("utf-8", "replace")  # a printable copy for the JSON
    policy = Policy(auto_write=opts.yes, auto_destructive=opts.yes_destructive)
    events = session.handle(raw, ask_tty if ask else decline_all, opts.dry_run, policy)
    render = _renderer(opts.json)
    seen: list[Any] = []
    try:
        for ev in events:
            render(ev)
            seen.append(ev)
    except KeyboardInterrupt:  # what ran so far is still reported; the exit says "interrupted"
        result = ChainResult.from_events(text, seen)
        result.error, result.exit_code = "interrupted (Ctrl-C)", ExitCode.INTERRUPTED
        return result
    return ChainResult.from_events(text, seen)


def _renderer(as_json: bool) -> Any:
    if as_json:
        return lambda ev: None
    from rich.console import Console

    from llmchain_os.repl.render import Renderer

    return Renderer(Console()).render
