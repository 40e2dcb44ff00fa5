"""`llmos mcp [--http [--port N]] [--allow-writes]`: serve the tools to MCP clients.

Parsing only; the server is ``llmchain_os.mcp``, imported (with the SDK) only when this runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from llmchain_os.exitcodes import ExitCode

if TYPE_CHECKING:
    from llmchain_os.config import Settings

DEFAULT_PORT = 8765
NO_SDK = "the MCP server needs the mcp package - pip install 'llmchain-os[mcp]'"


def add_parser(sub: Any) -> None:
    mcp = sub.add_parser(
        "mcp",
        help="serve the tools to MCP clients (stdio, or HTTP on 127.0.0.1)",
        description="Serve the tools and a plain-language 'request' tool over the Model "
        "Context Protocol. Reads run; any step the shell would ask about comes back as "
        "needing approval and is not run.",
    )
    mcp.add_argument("--http", action="store_true", help="streamable HTTP on 127.0.0.1")
    mcp.add_argument(
        "--port", type=int, default=DEFAULT_PORT, metavar="N", help=f"(default {DEFAULT_PORT})"
    )
    mcp.add_argument(
        "--allow-writes",
        action="store_true",
        help="approve write and remote steps, like --yes (never destructive ones)",
    )


def cmd_mcp(opts: argparse.Namespace, settings: Settings) -> int:
    try:
        from llmchain_os.mcp.serve import http_url, serve_http, serve_stdio
    except ImportError as exc:
        print(f"llmos: {NO_SDK} ({exc})", file=sys.stderr)
        return ExitCode.USAGE
    from llmchain_os.api import Session
    from llmchain_os.mcp.calls import McpCalls

    calls = McpCalls(Session(settings), allow_writes=opts.allow_writes)
    try:
        if not opts.http:
            serve_stdio(calls)
            return 0
        print(f"llmos: MCP on {http_url(opts.port)} (Ctrl-C stops)", file=sys.stderr)
        serve_http(calls, opts.port)
    except KeyboardInterrupt:
        pass
    return 0
