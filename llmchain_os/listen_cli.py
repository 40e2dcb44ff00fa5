"""`llmos listen FILE.wav|-`: a spoken request, shown (and, at a terminal, edited) before it
runs as `llmos run` would run the typed text.

Voice approves nothing. ``--yes`` only takes the transcript as heard, without editing; steps
that need approval are still asked at the terminal (typed), or declined when there is none.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from llmchain_os.exitcodes import ExitCode

if TYPE_CHECKING:
    from llmchain_os.api import ChainResult, Heard, Session
    from llmchain_os.config import Settings

EDIT_PROMPT = "heard (edit, Enter to run, Ctrl-C to cancel)> "


def add_parser(sub: Any) -> None:
    listen = sub.add_parser("listen", help="handle a spoken request from a WAV file")
    listen.add_argument("file", metavar="FILE", help="the recording, e.g. a WAV ('-': stdin)")
    listen.add_argument("--json", action="store_true", help="print one JSON document")
    listen.add_argument(
        "--yes",
        action="store_true",
        help="use the transcript as heard, without editing (approves no step: voice never does)",
    )
    listen.add_argument("--dry-run", action="store_true", help="show the plan, run nothing")
    listen.add_argument("--speak", action="store_true", help="say the short answer (espeak-ng)")


def cmd_listen(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import Session, ToolError, hear

    session = Session(settings)
    try:
        audio: bytes | str = sys.stdin.buffer.read() if opts.file == "-" else opts.file
        heard = hear(session, audio)
    except (ToolError, OSError) as exc:
        return _refused(opts, "", str(exc), ExitCode.USAGE)
    terminal = opts.file != "-" and sys.stdin.isatty() and not opts.json
    print(f"heard: {heard.text or '(nothing)'}", file=sys.stderr)
    if heard.usable and terminal and not opts.yes:
        heard = _edited(heard)
    if not heard.usable:
        return _refused(opts, heard.text, heard.refusal, ExitCode.UNSURE)
    result = _run(session, heard.text, opts, ask=terminal)
    if opts.json:
        print(json.dumps({"heard": heard.text, **result.model_dump(mode="json")}, indent=2))
    if opts.speak:
        _speak(result)
    return result.exit_code


def _refused(opts: argparse.Namespace, heard: str, why: str, code: int) -> int:
    """Nothing runs: the reason on stderr, and with --json still one document."""
    print(f"llmos: {why}", file=sys.stderr)
    if opts.json:
        document = {"heard": heard, "request": heard, "error": why, "exit_code": code}
        print(json.dumps({**document, "plan": [], "steps": []}, indent=2))
    return code


def _edited(heard: Heard) -> Heard:
    """The transcript as the person leaves it at the prompt (Ctrl-C or Ctrl-D: nothing)."""
    from prompt_toolkit import prompt

    from llmchain_os.api import Heard, judged

    try:
        text = prompt(EDIT_PROMPT, default=heard.text)
    except (EOFError, KeyboardInterrupt):
        return Heard("", "cancelled - nothing was run")
    return judged(text, heard.seconds)


def _run(session: Session, text: str, opts: argparse.Namespace, ask: bool) -> ChainResult:
    from llmchain_os.run_cli import run_one

    # --yes here was about the transcript: the policy gets no auto-approval from voice
    as_run = argparse.Namespace(
        json=opts.json, yes=False, yes_destructive=False, dry_run=opts.dry_run
    )
    return run_one(session, text.encode("utf-8"), as_run, ask)


def _speak(result: ChainResult) -> None:
    from llmchain_os.api import ToolError, speak_reply

    try:
        speak_reply(result.answer or result.unsure or result.error or "")
    except ToolError as exc:
        print(f"llmos: {exc}", file=sys.stderr)
