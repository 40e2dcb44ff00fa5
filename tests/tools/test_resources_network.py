"""network_connections finds a real listener this test starts; network_interfaces samples the
real interfaces; both are planned from plain requests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.request import Request
from llmchain_os.errors import ToolError
from llmchain_os.reading.world import FixedWorld
from llmchain_os.tools.network import (
    Connections,
    Interfaces,
    network_connections,
    network_interfaces,
)
from llmchain_os.tools.registry import builtin_registry

LISTENER = """
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
print(s.getsockname()[1], flush=True)
conn, _ = s.accept()
time.sleep(60)
"""


@pytest.fixture
def listener() -> Iterator[tuple[subprocess.Popen[str], int]]:
    proc = subprocess.Popen([sys.executable, "-c", LISTENER], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    yield proc, port
    proc.kill()
    proc.wait()


def _connections(raw: dict[str, object]) -> Connections:
    out = network_connections.call(network_connections.parse_args(raw))
    assert isinstance(out, Connections)
    return out


def test_the_process_listening_on_a_port_is_found(
    listener: tuple[subprocess.Popen[str], int],
) -> None:
    proc, port = listener

    out = _connections({"port": port, "state": "listening"})

    assert [(s.pid, s.local, s.status) for s in out.sockets] == [
        (proc.pid, f"127.0.0.1:{port}", "LISTEN")
    ]
    assert f"(pid {proc.pid})" in out.summary() and f"on port {port}" in out.summary()
    assert out.subject() == {"pid": proc.pid}
    assert out.table().rows[0][4] == str(proc.pid)


def test_an_established_connection_shows_both_ends(
    listener: tuple[subprocess.Popen[str], int],
) -> None:
    proc, port = listener
    ours, theirs = "", f"127.0.0.1:{port}"
    with socket.create_connection(("127.0.0.1", port)) as client:
        ours = f"127.0.0.1:{client.getsockname()[1]}"
        for _ in range(100):  # the listener's side has its pid once accept() returned
            out = _connections({"port": port, "state": "established"})
            ends = {(s.pid, s.local, s.remote) for s in out.sockets}
            if (proc.pid, theirs, ours) in ends:
                break
            time.sleep(0.05)

    assert (os.getpid(), ours, theirs) in ends
    assert (proc.pid, theirs, ours) in ends


def test_a_closed_port_is_said_plainly() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = _connections({"port": port, "state": "listening"})
    assert out.summary() == f"Nothing listens on port {port}."


def test_sockets_without_a_process_are_explained() -> None:
    out = Connections(
        port=None, state="all", sockets=[], total=3, without_pid=3, no_pid_reason="why"
    )
    assert "3 show no process: why." in out.summary()


def test_a_bad_port_is_one_clear_line() -> None:
    with pytest.raises(ToolError, match="bad port"):
        network_connections.parse_args({"port": 70000})


def test_interfaces_are_sampled_over_the_stated_interval() -> None:
    out = network_interfaces.call(network_interfaces.parse_args({"sample_s": 0.2}))

    assert isinstance(out, Interfaces)
    lo = next(i for i in out.interfaces if i.name == "lo")
    assert "127.0.0.1" in lo.addresses and lo.recv_per_s >= 0
    assert out.summary().endswith("rates over a 0.2 s sample.")


@pytest.mark.parametrize(
    ("text", "tool", "args"),
    [
        (
            "which process listens on port 22",
            "network_connections",
            {"port": 22, "state": "listening"},
        ),
        ("who listens on 8080", "network_connections", {"port": 8080, "state": "listening"}),
        ("what is connected to this machine", "network_connections", {"state": "established"}),
        ("is port 5432 open", "network_connections", {"port": 5432, "state": "listening"}),
        ("what is my ip address", "network_interfaces", {}),
        ("show the network interfaces", "network_interfaces", {}),
    ],
)
def test_plain_requests_plan_the_network_tools(
    text: str, tool: str, args: dict[str, object]
) -> None:
    outcome = RetrievalPlanner(builtin_registry(), world=FixedWorld()).plan(Request(text))
    assert outcome.plan is not None, outcome.unsure
    assert (outcome.plan.steps[0].tool, outcome.plan.steps[0].args) == (tool, args)


@pytest.mark.parametrize("text", ["open the port", "close port 22"])
def test_an_order_about_a_port_is_not_answered_with_a_listing(text: str) -> None:
    outcome = RetrievalPlanner(builtin_registry(), world=FixedWorld()).plan(Request(text))
    assert outcome.plan is None or outcome.plan.steps[0].tool != "network_connections"
