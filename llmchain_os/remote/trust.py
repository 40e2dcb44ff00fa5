"""Trust on approval: fetch a host's key, show its SHA256 fingerprint, and record it in the
shell's own known_hosts only after a person says yes (``llmos hosts trust HOST``).

The key is fetched with a bare SSH handshake: no authentication is tried, nothing is sent
to the host beyond the key exchange.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from llmchain_os.paths import atomic_write
from llmchain_os.remote.errors import ConnectError, HostKeyError
from llmchain_os.remote.inventory import Host
from llmchain_os.remote.ssh import SSHPool, key_name, own_known_hosts, why_failed

if TYPE_CHECKING:
    import paramiko

NEW, SAME, CHANGED = "new", "same", "changed"


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's form: SHA256 of the key blob, base64 without padding."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class HostKeyOffer:
    """A host's key as it presents it now, and how that compares with what is recorded."""

    host: Host
    key: paramiko.PKey
    status: str  # NEW, SAME or CHANGED
    recorded_in: Path | None = None  # the file holding a different key (CHANGED)

    @property
    def key_type(self) -> str:
        return str(self.key.get_name())

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key)

    def question(self) -> str:
        warn = ""
        if self.status == CHANGED:
            warn = (
                "\nWARNING: this is NOT the key recorded before. Say yes only if you know "
                "the host was reinstalled or re-keyed."
            )
        return (
            f"{self.host.name} ({self.host.target}) presents {self.key_type} key\n"
            f"  {self.fingerprint}{warn}\nTrust this key? [y/N] "
        )


def fetch_host_key(host: Host, pool: SSHPool) -> HostKeyOffer:
    """The key ``host`` presents (through its jump host where it has one)."""
    import paramiko

    sock = pool.open_socket(host)
    transport = paramiko.Transport(sock)
    try:
        transport.start_client(timeout=pool.connect_timeout_s)
        key = transport.get_remote_server_key()
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise ConnectError(
            f"{host.name}: no SSH handshake with {host.target}: {why_failed(exc)}"
        ) from None
    finally:
        transport.close()
    return _compare(host, key, pool.known_hosts_files())


def _compare(host: Host, key: paramiko.PKey, files: list[Path]) -> HostKeyOffer:
    import paramiko

    for path in files:
        if not path.is_file():
            continue
        recorded = paramiko.HostKeys(str(path)).lookup(key_name(host))
        if recorded is not None and key.get_name() in recorded:
            same = recorded[key.get_name()] == key
            return HostKeyOffer(host, key, SAME if same else CHANGED, None if same else path)
    return HostKeyOffer(host, key, NEW)


def check_recordable(offer: HostKeyOffer, path: Path | None = None) -> None:
    """Raises HostKeyError when the different key on record is in a file this shell does not
    own (the user's ~/.ssh/known_hosts): the user removes it there, we never edit it."""
    path = path or own_known_hosts()
    if offer.recorded_in is not None and offer.recorded_in != path:
        raise HostKeyError(
            f"{offer.recorded_in} holds another key for {offer.host.name}: remove it first "
            f"(ssh-keygen -R '{key_name(offer.host)}' -f {offer.recorded_in})"
        )


def record_host_key(offer: HostKeyOffer, path: Path | None = None) -> Path:
    """Add the offered key to the shell's known_hosts (replacing a key of the same type for
    that host); the file is rewritten atomically."""
    path = path or own_known_hosts()
    check_recordable(offer, path)
    name = key_name(offer.host)
    kept = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if len(words) >= 3 and name in words[0].split(",") and words[1] == offer.key_type:
                continue
            kept.append(line)
    kept.append(f"{name} {offer.key_type} {offer.key.get_base64()}")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, "\n".join(kept) + "\n", 0o600)
    return path
