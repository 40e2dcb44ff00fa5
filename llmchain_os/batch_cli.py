"""`llmos batch FILE|-`: one request per line, each handled as `llmos run` would.

Blank lines and ``#`` comments are skipped. The flags are run's (``--json`` gives one JSON
line per request, with its ``line`` number). Every line runs whatever the others did, unless
``--stop-on-error``: then the first line that does not exit 0 (failed, declined, unsure ...)
stops the rest. Ctrl-C always stops. The exit code is the worst of the lines'
(``exitcodes.worst``); a table of the lines follows on stderr unless ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from llmchain_os.exitcodes import ExitCode, worst

if TYPE_CHECKING:
    from llmchain_os.api import ChainResult, Session
    from llmchain_os.config import Settings


@dataclass(frozen=True)
class Line:
    """One request of the file, with its line number (1-based, as editors count)."""

    number: int
    raw: bytes

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", "replace")


def add_parser(sub: Any) -> None:
    from llmchain_os.run_cli import add_run_flags

    batch = sub.add_parser("batch", help="handle a file of requests, one per line")
    batch.add_argument("file", metavar="FILE", help="the requests ('-': standard input)")
    add_run_flags(batch, "one JSON line per request (also --jsonl)")
    batch.add_argument("--jsonl", dest="json", action="store_true", help=argparse.SUPPRESS)
    batch.add_argument(
        "--stop-on-error", action="store_true", help="stop at the first line that exits non-zero"
    )


def request_lines(data: bytes) -> list[Line]:
    """The lines that are requests: not blank, not a ``#`` comment."""
    found = []
    for number, raw in enumerate(data.splitlines(), start=1):
        stripped = raw.strip()
        if stripped and not stripped.startswith(b"#"):
            found.append(Line(number, stripped))
    return found


def read_requests(name: str) -> bytes:
    """The file's bytes (``-``: stdin); raises OSError with the reason."""
    if name == "-":
        return sys.stdin.buffer.read()
    with open(name, "rb") as handle:
        return handle.read()


def cmd_batch(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import Session

    try:
        lines = request_lines(read_requests(opts.file))
    except OSError as exc:
        print(f"llmos: cannot read the requests: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    # a person at the terminal can answer only when the requests do not come on stdin
    ask = opts.file != "-" and sys.stdin.isatty() and not opts.json
    try:
        results = run_lines(Session(settings), lines, opts, ask)
    except KeyboardInterrupt:  # between two lines: each line run so far has been reported
        print("llmos: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    if not opts.json:
        print_summary(results, len(lines), sys.stderr)
    return worst([r.exit_code for _, r in results]) if results else ExitCode.DONE


def run_lines(
    session: Session, lines: list[Line], opts: argparse.Namespace, ask: bool
) -> list[tuple[Line, ChainResult]]:
    """Each line in turn on one session (the model loads once); what each came to."""
    from llmchain_os.run_cli import run_one

    done: list[tuple[Line, ChainResult]] = []
    for line in lines:
        if not opts.json:
            print(f"\n# {line.number}: {line.text}", flush=True)
        result = run_one(session, line.raw, opts, ask)
        done.append((line, result))
        if opts.json:
            print(json.dumps({"line": line.number, **result.model_dump(mode="json")}), flush=True)
        if result.exit_code == ExitCode.INTERRUPTED:
            print(f"llmos: interrupted at line {line.number}", file=sys.stderr)
            break
        if opts.stop_on_error and result.exit_code != ExitCode.DONE:
            print(f"llmos: stopped at line {line.number} (--stop-on-error)", file=sys.stderr)
            break
    return done


def print_summary(results: list[tuple[Line, ChainResult]], total: int, out: TextIO) -> None:
    """Line, exit code and request of each line run; then how many did not run."""
    print("\nline  exit  request", file=out)
    for line, result in results:
        print(f"{line.number:>4}  {result.exit_code:>4}  {line.text}", file=out)
    if (left := total - len(results)) > 0:
        print(f"{left} more not run", file=out)
