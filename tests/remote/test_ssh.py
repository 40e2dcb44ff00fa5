"""The pool against real sshd hosts: known_hosts with RejectPolicy, trust, reuse, jumps,
timeouts and auth failures."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import paramiko
import pytest

from llmchain_os.api import trust_host
from llmchain_os.remote.errors import ConnectError, HostKeyError
from llmchain_os.remote.inventory import Inventory, save_inventory
from llmchain_os.remote.ssh import SSHPool, own_known_hosts
from tests.remote.conftest import host_of
from tests.remote.sshd import SSHDHost, keygen


def test_an_unknown_host_is_refused_then_trusted_on_approval(
    home: Path, inventory: Inventory, fleet: dict[str, SSHDHost]
) -> None:
    web = inventory.get("web-01")
    asked: list[str] = []
    with SSHPool(inventory) as pool:
        with pytest.raises(HostKeyError, match="llmos hosts trust web-01"):
            pool.run(web, "true")

        text, code = trust_host("web-01", lambda q: asked.append(q) or "n")
        assert code != 0 and not own_known_hosts().exists()
        fingerprint = asked[0].split("SHA256:")[1].split()[0]

        text, code = trust_host("web-01", lambda q: "y")
        assert code == 0 and fingerprint in text
        assert pool.run(web, "echo hi").stdout == "hi\n"

    expected = paramiko.Ed25519Key.from_path(str(fleet["web-01"].host_key))
    assert fingerprint == expected.fingerprint.split(":", 1)[1]
    assert "already trusted" in trust_host("web-01", None)[0]
    assert "Not trusted" in trust_host("web-02", None)[0]  # nobody to ask: nothing recorded
    assert f":{fleet['web-02'].port} " not in own_known_hosts().read_text()


def test_a_changed_host_key_is_refused(
    home: Path, inventory: Inventory, fleet: dict[str, SSHDHost], tmp_path: Path
) -> None:
    other = keygen(tmp_path / "other")
    kind, key = (tmp_path / "other.pub").read_text().split()[:2]
    (home / ".ssh" / "known_hosts").write_text(f"[127.0.0.1]:{fleet['web-01'].port} {kind} {key}\n")
    assert other.exists()

    with SSHPool(inventory) as pool, pytest.raises(HostKeyError, match="DIFFERENT"):
        pool.run(inventory.get("web-01"), "true")
    asked: list[str] = []
    with pytest.raises(HostKeyError, match="ssh-keygen -R"):
        trust_host("web-01", lambda q: asked.append(q) or "y")
    assert not asked


def test_the_pool_reuses_one_connection_with_tcp_nodelay(
    pool: SSHPool, inventory: Inventory
) -> None:
    web = inventory.get("web-01")
    first = pool.run(web, "echo $LLMOS_TEST_HOST")
    transport = pool.client(web).get_transport()
    for _ in range(5):
        assert pool.run(web, "true").exit_status == 0

    assert first.stdout == "web-01\n"
    assert pool.connects == 1
    assert pool.client(web).get_transport() is transport
    assert transport is not None
    sock = transport.sock
    assert isinstance(sock, socket.socket)
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_exit_status_and_both_streams(pool: SSHPool, inventory: Inventory) -> None:
    seen: list[tuple[str, str]] = []
    result = pool.run(
        inventory.get("web-02"),
        "echo out; echo err >&2; exit 3",
        on_chunk=lambda *c: seen.append(c),
    )
    assert (result.exit_status, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert ("stdout", "out\n") in seen and ("stderr", "err\n") in seen


def test_proxyjump_goes_through_the_jump_hosts_connection(
    known: Path, inventory: Inventory, fleet: dict[str, SSHDHost], user_key: tuple[Path, Path]
) -> None:
    behind = host_of(fleet["web-03"], user_key[0], jump="web-01")
    with SSHPool(inventory) as pool:
        result = pool.run(behind, "echo $LLMOS_TEST_HOST")
        transport = pool.client(behind).get_transport()
        assert transport is not None and isinstance(transport.sock, paramiko.Channel)
        assert pool.connects == 2  # web-01 first, then web-03 through it
    assert result.stdout == "web-03\n"


def test_a_hanging_command_times_out(pool: SSHPool, inventory: Inventory) -> None:
    start = time.monotonic()
    result = pool.run(inventory.get("web-01"), "echo started; sleep 30", timeout_s=1.0)

    assert result.timed_out and "timed out" in result.error
    assert result.stdout == "started\n"
    assert time.monotonic() - start < 5
    assert pool.run(inventory.get("web-01"), "echo again").stdout == "again\n"


def test_a_wrong_key_is_an_auth_error(
    known: Path, fleet: dict[str, SSHDHost], tmp_path: Path
) -> None:
    stranger = host_of(fleet["web-01"], keygen(tmp_path / "stranger"))
    save_inventory(Inventory([stranger]))
    with SSHPool() as pool, pytest.raises(ConnectError, match="authentication failed"):
        pool.run(stranger, "true")


def test_a_dead_port_is_a_connect_error(known: Path, dead_port: int, tmp_path: Path) -> None:
    dead = host_of(SSHDHost("dead", tmp_path, port=dead_port), tmp_path / "none")
    with SSHPool() as pool, pytest.raises(ConnectError, match=r"dead: cannot connect.*refused"):
        pool.run(dead, "true")
