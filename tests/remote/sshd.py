"""Real sshd hosts on 127.0.0.1 for tests and tools/bench_fanout.py.

Each host is /usr/sbin/sshd (by its absolute path, as sshd requires) run as the current user
with its own host key, key-only auth against an authorized_keys file we write, on a free
port. ``SetEnv`` gives each host a marker (LLMOS_TEST_HOST) so tests can tell them apart,
and SHLVL=1 keeps bash from sourcing the user's .bashrc for every command (Debian's bash does
that under sshd; with pyenv in it, that is 150-280 ms a command).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SSHD = Path("/usr/sbin/sshd")
PRIVSEP_DIR = Path("/run/sshd")  # sshd started as root refuses to run without it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def keygen(path: Path) -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "llmos-test", "-f", str(path)],
        check=True,
    )
    return path


@dataclass
class SSHDHost:
    name: str
    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def host_key(self) -> Path:
        return self.folder / "host_ed25519"

    def config(self, authorized_keys: Path) -> str:
        return "\n".join(
            [
                f"Port {self.port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {self.host_key}",
                f"PidFile {self.folder / 'sshd.pid'}",
                f"AuthorizedKeysFile {authorized_keys}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin prohibit-password",
                "AllowTcpForwarding yes",
                "MaxStartups 100:30:200",
                "MaxSessions 50",
                "Subsystem sftp internal-sftp",
                f"SetEnv SHLVL=1 LLMOS_TEST_HOST={self.name} LLMOS_TEST_DIR={self.folder}",
                "LogLevel ERROR",
                "",
            ]
        )

    def start(self, authorized_keys: Path) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self.host_key.exists():
            keygen(self.host_key)
        conf = self.folder / "sshd_config"
        conf.write_text(self.config(authorized_keys))
        if os.geteuid() == 0:
            PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)
        self.process = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "sshd.log", "wb"),  # noqa: SIM115 - closed by the child
            start_new_session=True,
        )

    def wait_ready(self, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                log = (self.folder / "sshd.log").read_text(errors="replace")
                raise RuntimeError(f"sshd {self.name} exited: {log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.5) as sock:
                    if sock.recv(4).startswith(b"SSH-"):
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"sshd {self.name} did not answer on port {self.port}")

    def public_key(self) -> str:
        return (self.folder / "host_ed25519.pub").read_text().strip()

    def known_hosts_line(self) -> str:
        kind, key, *_ = self.public_key().split()
        return f"[127.0.0.1]:{self.port} {kind} {key}"

    def stop(self) -> None:
        """Kill the listener and every session it forked (they share its process group)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=5)
        self.process = None


def start_hosts(names: list[str], root: Path, authorized_keys: Path) -> list[SSHDHost]:
    hosts = [SSHDHost(name, root / name) for name in names]
    try:
        for host in hosts:
            host.start(authorized_keys)
        for host in hosts:
            host.wait_ready()
    except BaseException:
        for host in hosts:
            host.stop()
        raise
    return hosts


def client_key(root: Path) -> tuple[Path, Path]:
    """A user key pair and an authorized_keys file that lets it in."""
    root.mkdir(parents=True, exist_ok=True)
    key = keygen(root / "id_ed25519")
    authorized = root / "authorized_keys"
    authorized.write_text((root / "id_ed25519.pub").read_text())
    return key, authorized
