"""`llmos hosts list|add|rm|import|check|trust`: the remote hosts from the command line.

Parsing and printing only; every action is an api call. ``trust`` shows the host key's
fingerprint and asks y/N on the terminal before anything is recorded.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from llmchain_os.exitcodes import ExitCode

if TYPE_CHECKING:
    from llmchain_os.config import Settings


def add_parser(sub: Any) -> None:
    hosts = sub.add_parser("hosts", help="remote hosts: list, add, rm, import, check, trust")
    acts = hosts.add_subparsers(dest="action")
    acts.add_parser("list", help="list hosts").add_argument("selection", nargs="?", default="all")
    add = acts.add_parser("add", help="add a host")
    add.add_argument("name")
    add.add_argument("address", help="IP address or DNS name")
    add.add_argument("--port", type=int, default=22)
    add.add_argument("--user", default="")
    add.add_argument("--key", default="", metavar="FILE", help="private key file")
    add.add_argument("--jump", default="", metavar="HOST", help="jump host (ProxyJump)")
    add.add_argument("--group", action="append", default=[], help="a group (repeatable)")
    add.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE")
    add.add_argument("--replace", action="store_true", help="replace a host of that name")
    acts.add_parser("rm", help="remove a host").add_argument("name")
    imp = acts.add_parser("import", help="import from ~/.ssh/config or an Ansible inventory")
    imp.add_argument("source", choices=["ssh", "ansible"])
    imp.add_argument("path", nargs="?", help="the file (ssh: ~/.ssh/config by default)")
    imp.add_argument("--replace", action="store_true", help="overwrite hosts that differ")
    check = acts.add_parser("check", help="connect to hosts and run `true` on each")
    check.add_argument("selection", nargs="?", default="all")
    trust = acts.add_parser("trust", help="show a host's key fingerprint, record it if approved")
    trust.add_argument("name")
    trust.add_argument("--yes", action="store_true", help="record without asking")


def cmd_hosts(opts: argparse.Namespace, settings: Settings) -> int:
    from llmchain_os.api import ToolError

    try:
        return int(ACTIONS[opts.action or "list"](opts))
    except ToolError as exc:
        print(f"llmos: {exc}", file=sys.stderr)
        return ExitCode.STEP_FAILED


def print_table(columns: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(c)) for c in col) for col in zip(columns, *rows, strict=False)]
    for row in [columns, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip())


def _list(opts: argparse.Namespace) -> int:
    from llmchain_os.api import list_hosts

    listing = list_hosts(getattr(opts, "selection", "all"))
    table = listing.table()
    if table is None:
        print(listing.summary())
    else:
        print_table(table.columns, table.rows)
    return 0


def _add(opts: argparse.Namespace) -> int:
    from llmchain_os.api import add_host

    tags = dict(t.partition("=")[::2] for t in opts.tag)
    host = add_host(
        opts.name, opts.address, opts.port, opts.user, opts.key, opts.jump,
        opts.group, tags, opts.replace,
    )  # fmt: skip
    print(f"Added {host.name} ({host.target}) - check its key: llmos hosts trust {host.name}")
    return 0


def _rm(opts: argparse.Namespace) -> int:
    from llmchain_os.api import remove_host

    print(f"Removed {remove_host(opts.name).name}.")
    return 0


def _import(opts: argparse.Namespace) -> int:
    from llmchain_os.api import import_hosts

    print(import_hosts(opts.source, opts.path, opts.replace).summary())
    return 0


def _check(opts: argparse.Namespace) -> int:
    from llmchain_os.api import check_hosts

    result = check_hosts(opts.selection)
    table = result.table()
    print_table(table.columns, table.rows)
    print(result.summary())
    return ExitCode.STEP_FAILED if result.failure() else 0


def _trust(opts: argparse.Namespace) -> int:
    from llmchain_os.api import trust_host

    ask = None if opts.yes or not sys.stdin.isatty() else input
    text, code = trust_host(opts.name, ask, yes=opts.yes)
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


ACTIONS = {
    "list": _list,
    "add": _add,
    "rm": _rm,
    "import": _import,
    "check": _check,
    "trust": _trust,
}
