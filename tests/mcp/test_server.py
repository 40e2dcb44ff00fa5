"""The real server, driven by the official SDK's own client: ``python -m llmchain_os mcp``
over stdio, and ``--http`` on 127.0.0.1. The disk and the audit log are checked afterwards.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from mcp import Client, StdioServerParameters

from llmchain_os.api import audit_report
from llmchain_os.tools.registry import builtin_registry

SERVER = [sys.executable, "-m", "llmchain_os", "mcp"]


def stdio_server() -> StdioServerParameters:
    """The server as a client's config would name it, with this test's private home."""
    return StdioServerParameters(command=SERVER[0], args=SERVER[1:], env=dict(os.environ))


def audited() -> list[tuple[str, str]]:
    report = audit_report(last=0, grep="mcp: ", as_json=True)
    return [(e["tool"], e["status"]) for e in map(json.loads, report.lines)]


async def stdio_session(tmp_path: Path) -> dict[str, Any]:
    victim = tmp_path / "keep.txt"
    victim.write_text("keep")
    async with Client(stdio_server(), read_timeout_seconds=120) as client:
        listed = await client.list_tools()
        read = await client.call_tool("disk_usage", {"path": "/"})
        write = await client.call_tool(
            "write_file", {"path": str(tmp_path / "new.txt"), "content": "x"}
        )
        destroy = await client.call_tool("delete_files", {"path": str(victim)})
        request = await client.call_tool("request", {"text": "how full is my disk"})
        hosts = await client.read_resource("llmos://hosts")
    return {
        "tools": {t.name: t for t in listed.tools},
        "read": read,
        "write": write,
        "destroy": destroy,
        "request": request,
        "hosts": hosts,
    }


def test_stdio_server_lists_runs_reads_and_withholds_changes(tmp_path: Path) -> None:
    got = asyncio.run(stdio_session(tmp_path))
    tools = got["tools"]
    assert set(tools) == {*builtin_registry().names(), "request"}
    assert tools["disk_usage"].input_schema["properties"]["path"]["type"] == "string"
    assert tools["disk_usage"].annotations.read_only_hint is True
    assert tools["delete_files"].annotations.destructive_hint is True

    read = got["read"]
    assert not read.is_error and read.structured_content["status"] == "done"
    total = read.structured_content["result"]["steps"][0]["output"]["total"]
    assert total == psutil.disk_usage("/").total

    for name, risk in (("write", "write"), ("destroy", "destructive")):
        result = got[name]
        assert result.is_error and result.structured_content["status"] == "needs_approval"
        assert result.structured_content["needs_approval"][0]["risk"] == risk
        assert "needs approval" in result.content[0].text
    assert not (tmp_path / "new.txt").exists()
    assert (tmp_path / "keep.txt").read_text() == "keep"

    request = got["request"]
    assert request.structured_content["status"] == "done", request.content[0].text
    assert [s["tool"] for s in request.structured_content["result"]["steps"]] == ["disk_usage"]
    assert json.loads(got["hosts"].contents[0].text) == {"hosts": []}

    assert audited() == [
        ("disk_usage", "done"),
        ("write_file", "declined"),
        ("delete_files", "declined"),
        ("disk_usage", "done"),  # the request's step: "mcp: how full is my disk"
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def http_server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    proc = subprocess.Popen([*SERVER, "--http", "--port", str(port)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    yield f"http://127.0.0.1:{port}/mcp", proc
    proc.terminate()
    proc.wait(timeout=30)


async def http_session(url: str, target: Path) -> tuple[Any, Any, Any]:
    async with Client(url, read_timeout_seconds=120) as client:
        listed = await client.list_tools()
        read = await client.call_tool("system_overview", {})
        write = await client.call_tool("write_file", {"path": str(target), "content": "x"})
    return listed, read, write


def test_http_server_on_loopback_only(
    http_server: tuple[str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    url, proc = http_server
    listed, read, write = asyncio.run(http_session(url, tmp_path / "new.txt"))
    assert "request" in {t.name for t in listed.tools}
    assert read.structured_content["status"] == "done"
    assert write.structured_content["status"] == "needs_approval"
    assert not (tmp_path / "new.txt").exists()
    listening = [
        c.laddr for c in psutil.Process(proc.pid).net_connections() if c.status == "LISTEN"
    ]
    assert listening and all(addr.ip == "127.0.0.1" for addr in listening)
