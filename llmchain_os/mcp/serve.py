"""Run the MCP server: over stdio (stdout carries only protocol messages), or over
streamable HTTP bound to 127.0.0.1 alone, with the SDK's DNS-rebinding protection on."""

from __future__ import annotations

from typing import Any

import anyio
from mcp.server import Server
from mcp.server.stdio import stdio_server

from llmchain_os.mcp.calls import McpCalls
from llmchain_os.mcp.server import build_server

HOST = "127.0.0.1"  # never another address: the server has no authentication of its own
PATH = "/mcp"


def serve_stdio(calls: McpCalls) -> None:
    """Serve one client on stdin/stdout until it closes them."""
    anyio.run(_stdio, build_server(calls))


async def _stdio(server: Server[Any]) -> None:
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


def http_url(port: int) -> str:
    return f"http://{HOST}:{port}{PATH}"


def serve_http(calls: McpCalls, port: int) -> None:
    """Serve streamable HTTP on 127.0.0.1:``port`` until interrupted."""
    import uvicorn

    app = build_server(calls).streamable_http_app(streamable_http_path=PATH, host=HOST)
    uvicorn.run(app, host=HOST, port=port, log_level="warning")
