"""Network: who listens on a port, what is connected, and the interfaces with their rates.

A socket's process is known only to its owner and to root, and not at all when the process
lives in another container or pid namespace: such sockets are listed without a pid, and
the answer says why.
"""

from __future__ import annotations

import os
import re
import socket
import time
from typing import Annotated, Any, Literal

import psutil
from pydantic import Field

from llmchain_os.errors import ToolError
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.card import Card, Clause, Stage
from llmchain_os.tools.units import human_bytes

State = Literal["listening", "established", "all"]
PORT = re.compile(
    r"\bports?\s*(?:number\s*)?:?\s*(\d{1,5})\b|(?<![\w.:]):(\d{1,5})\b|"
    r"\b(?:listens?|listening|on|at)\s+(?:port\s+)?(\d{2,5})\b",
    re.I,
)
LISTEN_WORDS = re.compile(
    r"\blisten\w*|\bopen\s+ports?\b|\bports?\s+(?:\d+\s+)?(?:is\s+|are\s+)?open\b|"
    r"\bserv(?:es|ing)\b|\bbound\b",
    re.I,
)
CONNECTED_WORDS = re.compile(
    r"\bconnect\w*|\bestablished\b|\bremote\s+(?:hosts?|addresse?s?|ends?)\b|\bpeers?\b", re.I
)
PORT_ORDER = re.compile(
    r"^\s*(?:please\s+)?(?:open|close|block|unblock|allow|deny|forward|expose|free|release)\b",
    re.I,
)
# Retrieval offers the connections tool to anything but such an order.
NOT_AN_ORDER = re.compile(rf"^(?!{PORT_ORDER.pattern.lstrip('^')})", re.I)
PORT_STATE = re.compile(r"\b(?:open|used|in\s+use|taken|busy|bound)\b", re.I)
CONNECTIONS_ASKED = re.compile(
    r"\b(?:network|tcp|udp|open|established|active|incoming|outgoing|socket)\s+"
    r"connections?\b|\bconnected\s+to\s+(?:this|my|the)\b|\bports?\s+(?:are\s+)?open\b",
    re.I,
)


class Socket(ToolOutput):
    proto: str
    local: str
    remote: str
    status: str
    pid: int | None
    process: str
    user: str


def _no_pid_reason() -> str:
    if os.geteuid() != 0:
        return "they belong to other users' processes - run as root to see those"
    return "their processes are outside this shell's view (another container or pid namespace)"


class Connections(ToolOutput):
    port: int | None
    state: str
    sockets: list[Socket]
    total: int  # before the limit
    without_pid: int
    no_pid_reason: str

    def summary(self) -> str:
        where = f" on port {self.port}" if self.port is not None else ""
        what = {"listening": "listening socket", "established": "established connection"}
        noun = what.get(self.state, "socket")
        if not self.total:
            if self.state == "listening" and self.port is not None:
                return f"Nothing listens on port {self.port}."
            return f"No {noun}s{where}."
        known = [s for s in self.sockets if s.pid is not None]
        names = sorted({f"{s.process} (pid {s.pid})" for s in known})
        text = f"{self.total} {noun}{'s' if self.total != 1 else ''}{where}"
        if names:
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            text += f", held by {shown}"
        text += "."
        if self.without_pid:
            text += f" {self.without_pid} show no process: {self.no_pid_reason}."
        return text

    def table(self) -> Table:
        rows = [
            [s.proto, s.local, s.remote or "-", s.status, str(s.pid or "-"), s.process, s.user]
            for s in self.sockets
        ]
        cols = ["proto", "local", "remote", "state", "pid", "process", "user"]
        return Table("Network sockets", cols, rows)

    def subject(self) -> dict[str, Any]:
        pid = next((s.pid for s in self.sockets if s.pid is not None), None)
        return {"pid": pid} if pid is not None else {}


def _addr(addr: Any) -> str:
    if not addr:
        return ""
    host = f"[{addr.ip}]" if ":" in addr.ip else addr.ip
    return f"{host}:{addr.port}"


def _owner(pid: int | None, cache: dict[int, tuple[str, str]]) -> tuple[str, str]:
    if pid is None:
        return "", ""
    if pid not in cache:
        try:
            proc = psutil.Process(pid)
            cache[pid] = (proc.name(), proc.username())
        except psutil.Error:
            cache[pid] = ("?", "?")
    return cache[pid]


def _wanted(conn: Any, port: int | None, state: State) -> bool:
    listening = conn.status == psutil.CONN_LISTEN or (
        conn.type == socket.SOCK_DGRAM and not conn.raddr
    )
    if state == "listening" and not listening:
        return False
    if state == "established" and conn.status != psutil.CONN_ESTABLISHED:
        return False
    ports = {conn.laddr.port if conn.laddr else None, conn.raddr.port if conn.raddr else None}
    return port is None or port in ports


def _connections_args(c: Clause) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if m := PORT.search(c.text):
        args["port"] = int(next(g for g in m.groups() if g))
    if LISTEN_WORDS.search(c.text):
        args["state"] = "listening"
    elif CONNECTED_WORDS.search(c.text):
        args["state"] = "established"
    return args


def _connections_claim(c: Clause) -> str | None:
    """ "who listens on 8080", "is port 22 open", "what is connected to this machine"; never
    an order about a port ("open the port", "close port 22"): that is a change, not a look."""
    if PORT_ORDER.search(c.text):
        return None
    if re.search(r"\blisten\w*", c.text, re.I):
        return "the request asks what listens"
    if re.search(r"\bports?\b", c.text, re.I) and (
        PORT.search(c.text) or PORT_STATE.search(c.text)
    ):
        return "the request asks about ports"
    if CONNECTIONS_ASKED.search(c.text):
        return "the request asks about network connections"
    return None


CONNECTIONS = Card(
    extract=_connections_args,
    claim=_connections_claim,
    stage=Stage.ORDER,
    rank=3,
    needs=NOT_AN_ORDER,
    about_files=False,  # "does config.ini say anything about port" is about the file
)


@tool(risk=Risk.READ, card=CONNECTIONS)
def network_connections(
    port: Annotated[int | None, Field(ge=1, le=65535)] = None,
    state: State = "all",
    limit: Annotated[int, Field(ge=1, le=500)] = 50,
) -> Connections:
    """Listening sockets and connections (TCP and UDP), with the process holding each."""
    try:
        conns = psutil.net_connections(kind="inet")
    except psutil.AccessDenied:
        raise ToolError("Not allowed to read this machine's sockets - try as root") from None
    found = [c for c in conns if _wanted(c, port, state)]
    found.sort(key=lambda c: (c.status != psutil.CONN_LISTEN, c.laddr.port if c.laddr else 0))
    cache: dict[int, tuple[str, str]] = {}
    rows = []
    for conn in found[:limit]:
        name, user = _owner(conn.pid, cache)
        proto = ("tcp" if conn.type == socket.SOCK_STREAM else "udp") + (
            "6" if conn.family == socket.AF_INET6 else ""
        )
        status = conn.status if conn.status != psutil.CONN_NONE else "-"
        rows.append(
            Socket(
                proto=proto,
                local=_addr(conn.laddr),
                remote=_addr(conn.raddr),
                status=status,
                pid=conn.pid,
                process=name,
                user=user,
            )
        )
    return Connections(
        port=port,
        state=state,
        sockets=rows,
        total=len(found),
        without_pid=sum(1 for c in found if c.pid is None),
        no_pid_reason=_no_pid_reason(),
    )


class Interface(ToolOutput):
    name: str
    up: bool
    addresses: list[str]
    mac: str
    speed_mbps: int
    recv_per_s: float
    sent_per_s: float
    recv_total: int
    sent_total: int


class Interfaces(ToolOutput):
    sample_s: float
    interfaces: list[Interface]

    def summary(self) -> str:
        up = [i for i in self.interfaces if i.up]
        parts = [
            f"{i.name} {', '.join(i.addresses[:2]) or 'no address'} "
            f"(in {human_bytes(i.recv_per_s)}/s, out {human_bytes(i.sent_per_s)}/s)"
            for i in up
        ]
        return (
            f"{len(self.interfaces)} network interfaces, {len(up)} up"
            + (": " + "; ".join(parts) if parts else "")
            + f" - rates over a {self.sample_s:g} s sample."
        )

    def table(self) -> Table:
        rows = [
            [
                i.name,
                "up" if i.up else "down",
                ", ".join(i.addresses) or "-",
                i.mac or "-",
                f"{i.speed_mbps} Mb/s" if i.speed_mbps else "-",
                f"{human_bytes(i.recv_per_s)}/s",
                f"{human_bytes(i.sent_per_s)}/s",
                human_bytes(i.recv_total),
                human_bytes(i.sent_total),
            ]
            for i in self.interfaces
        ]
        cols = [
            "interface",
            "state",
            "addresses",
            "mac",
            "speed",
            "in",
            "out",
            "in total",
            "out total",
        ]
        return Table(f"Network interfaces ({self.sample_s:g} s sample)", cols, rows)


INTERFACES_ASKED = re.compile(
    r"\bnetwork\s+(?:interfaces?|cards?|adapters?)\b|\binterfaces\b|\bnics?\b|"
    r"\bip\s+addresse?s?\b|\bmy\s+ips?\b|"
    r"\bmac\s+address\w*|\bbandwidth\b|\bnetwork\s+(?:traffic|rates?|throughput|usage|speed)\b",
    re.I,
)


def _interfaces_claim(c: Clause) -> str | None:
    if INTERFACES_ASKED.search(c.text):
        return "the request asks about this machine's network interfaces"
    return None


@tool(
    risk=Risk.READ,
    card=Card(claim=_interfaces_claim, stage=Stage.ORDER, rank=3, about_files=False),
)
def network_interfaces(sample_s: Annotated[float, Field(ge=0.1, le=10)] = 1.0) -> Interfaces:
    """Network interfaces: state, addresses, speed, and bytes in and out per second."""
    before = psutil.net_io_counters(pernic=True)
    time.sleep(sample_s)
    after = psutil.net_io_counters(pernic=True)
    stats = psutil.net_if_stats()
    rows = []
    for name, addrs in sorted(psutil.net_if_addrs().items()):
        ips = [a.address for a in addrs if a.family in (socket.AF_INET, socket.AF_INET6)]
        mac = next((a.address for a in addrs if a.family == psutil.AF_LINK), "")
        old, new = before.get(name), after.get(name)
        st = stats.get(name)
        rows.append(
            Interface(
                name=name,
                up=bool(st and st.isup),
                addresses=[ip.split("%")[0] for ip in ips],
                mac=mac,
                speed_mbps=st.speed if st else 0,
                recv_per_s=(new.bytes_recv - old.bytes_recv) / sample_s if old and new else 0.0,
                sent_per_s=(new.bytes_sent - old.bytes_sent) / sample_s if old and new else 0.0,
                recv_total=new.bytes_recv if new else 0,
                sent_total=new.bytes_sent if new else 0,
            )
        )
    return Interfaces(sample_s=sample_s, interfaces=rows)


TOOLS = [network_connections, network_interfaces]
