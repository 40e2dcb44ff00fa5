"""SSHPool: one open connection per host, reused by every step of a session.

Host keys are checked against the user's ~/.ssh/known_hosts and the shell's own known_hosts
(XDG data dir) with paramiko's RejectPolicy: an unknown key is an error that says to run
``llmos hosts trust HOST``, a changed key is refused. Nothing is ever added on its own
(no AutoAddPolicy); ``remote.trust`` records a key after a person approves its fingerprint.

Auth is by key (the host's key file, the agent, ~/.ssh/id_*); never a password. ProxyJump
goes through a direct-tcpip channel of the jump host's own pooled connection. TCP_NODELAY is
set on every socket: without it paramiko waits about 40 ms per command on Nagle's algorithm.
"""

from __future__ import annotations

import getpass
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from llmchain_os.paths import data_dir
from llmchain_os.remote.errors import ConnectError, HostKeyError, RemoteError
from llmchain_os.remote.inventory import Host, Inventory, load_inventory
from llmchain_os.remote.stream import ChannelReader

if TYPE_CHECKING:
    import paramiko

CONNECT_TIMEOUT_S = 10.0
COMMAND_TIMEOUT_S = 60.0
MAX_JUMPS = 4
OnChunk = Callable[[str, str], None]  # (stream: "stdout" | "stderr", text)


def own_known_hosts() -> Path:
    """The shell's own known_hosts: where ``llmos hosts trust`` records keys."""
    return data_dir() / "known_hosts"


def default_known_hosts() -> list[Path]:
    return [Path.home() / ".ssh" / "known_hosts", own_known_hosts()]


def key_name(host: Host) -> str:
    """The name a known_hosts line gives the host, as OpenSSH writes it."""
    return host.address if host.port == 22 else f"[{host.address}]:{host.port}"


@dataclass(frozen=True)
class CommandResult:
    """One command on one host: exit status (None when none came back), output tails."""

    exit_status: int | None
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    error: str = ""


def parse_jump(spec: str) -> Host:
    """A jump host written as ssh's ProxyJump writes it: [user@]address[:port]."""
    if "," in spec:
        raise ConnectError(f"ProxyJump chains ({spec}) are not supported: jump through one host")
    user, _, rest = spec.rpartition("@")
    address, _, port = rest.partition(":")
    if rest.startswith("["):  # [v6::addr]:port
        address, _, port = rest[1:].partition("]")
        port = port.lstrip(":")
    name = "".join(c if c.isalnum() or c in "-." else "-" for c in address) or "jump"
    try:
        return Host(name=name, address=address, port=int(port or 22), user=user)
    except ValueError as exc:
        raise ConnectError(f"Bad jump host {spec!r}: {exc}") from None


class SSHPool:
    """Open connections by host name, thread-safe; a host whose settings changed reconnects."""

    def __init__(
        self,
        inventory: Inventory | None = None,
        known_hosts: Sequence[Path] | None = None,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
    ) -> None:
        self.inventory = inventory
        self.known_hosts = list(known_hosts) if known_hosts is not None else None
        self.connect_timeout_s = connect_timeout_s
        self.connects = 0  # new connections made, jump hosts included
        self._clients: dict[str, tuple[Host, paramiko.SSHClient]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> SSHPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            clients, self._clients = self._clients, {}
        for _, client in reversed(list(clients.values())):  # jumped hosts before their jump
            client.close()

    def known_hosts_files(self) -> list[Path]:
        return self.known_hosts if self.known_hosts is not None else default_known_hosts()

    def client(self, host: Host, _via: tuple[str, ...] = ()) -> paramiko.SSHClient:
        """The open connection to ``host``, made now if there is none; raises RemoteError."""
        with self._lock:
            lock = self._locks.setdefault(host.name, threading.Lock())
        with lock:
            held = self._clients.get(host.name)
            if held is not None:
                transport = held[1].get_transport()
                if held[0] == host and transport is not None and transport.is_active():
                    return held[1]
                held[1].close()
            client = self._connect(host, _via)
            with self._lock:
                self._clients[host.name] = (host, client)
                self.connects += 1
            return client

    def open_socket(
        self, host: Host, _via: tuple[str, ...] = ()
    ) -> socket.socket | paramiko.Channel:
        """A byte stream to host's SSH port: TCP with TCP_NODELAY, or a jump host's channel."""
        if host.jump:
            return self._jump_channel(host, _via)
        try:
            sock = socket.create_connection((host.address, host.port), self.connect_timeout_s)
        except OSError as exc:
            raise ConnectError(
                f"{host.name}: cannot connect to {host.target}: {why_failed(exc)}"
            ) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _jump_host(self, host: Host) -> Host:
        inventory = self.inventory if self.inventory is not None else load_inventory()
        return inventory.get(host.jump) if host.jump in inventory else parse_jump(host.jump)

    def _jump_channel(self, host: Host, via: tuple[str, ...]) -> paramiko.Channel:
        import paramiko

        jump = self._jump_host(host)
        if jump.name in (*via, host.name) or len(via) >= MAX_JUMPS:
            raise ConnectError(f"{host.name}: jump hosts loop ({' -> '.join((*via, host.name))})")
        transport = self.client(jump, (*via, host.name)).get_transport()
        if transport is None:
            raise ConnectError(f"{host.name}: the jump host {jump.name} is not connected")
        try:
            return transport.open_channel(
                "direct-tcpip",
                (host.address, host.port),
                ("127.0.0.1", 0),
                timeout=self.connect_timeout_s,
            )
        except (paramiko.SSHException, OSError) as exc:
            raise ConnectError(
                f"{host.name}: jump host {jump.name} cannot reach {host.target}: {why_failed(exc)}"
            ) from None

    def _connect(self, host: Host, via: tuple[str, ...]) -> paramiko.SSHClient:
        import paramiko

        sock = self.open_socket(host, via)
        client = paramiko.SSHClient()
        for path in self.known_hosts_files():
            if path.is_file():
                client.load_system_host_keys(str(path))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        key_file = os.path.expanduser(host.key_file) if host.key_file else None
        try:
            client.connect(
                host.address,
                port=host.port,
                username=host.user or getpass.getuser(),
                key_filename=key_file,
                allow_agent=True,
                look_for_keys=key_file is None,
                timeout=self.connect_timeout_s,
                banner_timeout=self.connect_timeout_s,
                auth_timeout=self.connect_timeout_s,
                sock=sock,
            )
        except Exception as exc:
            client.close()
            sock.close()
            raise _connect_error(host, exc) from None
        return client

    def run(
        self,
        host: Host,
        command: str,
        timeout_s: float = COMMAND_TIMEOUT_S,
        on_chunk: OnChunk | None = None,
    ) -> CommandResult:
        """Run ``command`` on ``host`` through its pooled connection, streaming its output.

        A command still running after ``timeout_s`` is sent SIGKILL (where the server
        accepts signal requests) and its channel closed. Raises RemoteError when the host
        cannot be reached; a failed command is a result, not an error."""
        import paramiko

        start = time.monotonic()
        client = self.client(host)
        transport = client.get_transport()
        if transport is None:
            raise ConnectError(f"{host.name}: connection lost")
        try:
            channel = transport.open_session(timeout=self.connect_timeout_s)
            channel.exec_command(command)
        except (paramiko.SSHException, OSError) as exc:
            raise ConnectError(
                f"{host.name}: cannot start the command: {why_failed(exc)}"
            ) from None
        with channel:
            reader = ChannelReader(channel, on_chunk)
            finished = reader.read_until(start + timeout_s)
        return CommandResult(
            exit_status=reader.exit_status,
            stdout=reader.stdout.text(),
            stderr=reader.stderr.text(),
            duration_s=time.monotonic() - start,
            timed_out=not finished,
            error=reader.error,
        )


def why_failed(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _connect_error(host: Host, exc: Exception) -> RemoteError:
    import paramiko

    trust = f"llmos hosts trust {host.name}"
    if isinstance(exc, paramiko.BadHostKeyException):
        return HostKeyError(
            f"{host.name} ({host.target}) presented a DIFFERENT host key than the one recorded "
            f"- refused; if the host was really reinstalled, remove its old key and run '{trust}'"
        )
    if isinstance(exc, paramiko.AuthenticationException):
        return ConnectError(
            f"{host.name}: authentication failed for {host.user or getpass.getuser()} on "
            f"{host.target}: {exc} - check the key file, or load the key into ssh-agent"
        )
    if isinstance(exc, paramiko.SSHException) and "not found in known_hosts" in str(exc):
        return HostKeyError(
            f"{host.name} ({host.target}) is not a known host - check its key "
            f"fingerprint with '{trust}'"
        )
    return ConnectError(f"{host.name}: cannot connect to {host.target}: {why_failed(exc)}")


_SHARED: SSHPool | None = None
_SHARED_LOCK = threading.Lock()


def shared_pool() -> SSHPool:
    """The session's pool, made on first use (never at import) and reused by every step."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            import atexit

            _SHARED = SSHPool()
            atexit.register(_SHARED.close)
        return _SHARED
