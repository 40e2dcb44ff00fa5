"""Real sshd hosts on loopback (started once for the run), and an inventory naming them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from llmchain_os.remote import ssh
from llmchain_os.remote.inventory import Host, Inventory, save_inventory
from llmchain_os.remote.ssh import SSHPool
from tests.remote.sshd import SSHD, SSHDHost, client_key, free_port, start_hosts

NAMES = ["web-01", "web-02", "web-03"]

if not SSHD.exists():
    pytest.skip("needs /usr/sbin/sshd (openssh-server)", allow_module_level=True)


@pytest.fixture(scope="session")
def user_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return client_key(tmp_path_factory.mktemp("user"))


@pytest.fixture(scope="session")
def fleet(
    tmp_path_factory: pytest.TempPathFactory, user_key: tuple[Path, Path]
) -> Iterator[dict[str, SSHDHost]]:
    """Three running sshd, by name; each has its own folder (LLMOS_TEST_DIR on the host)."""
    hosts = start_hosts(NAMES, tmp_path_factory.mktemp("fleet"), user_key[1])
    yield {h.name: h for h in hosts}
    for host in hosts:
        host.stop()


def host_of(server: SSHDHost, key: Path, **extra: object) -> Host:
    fields: dict[str, object] = {"address": "127.0.0.1", "port": server.port}
    fields |= {"key_file": str(key), "groups": ("web",), **extra}
    return Host.model_validate({"name": server.name, **fields})


@pytest.fixture
def inventory(fleet: dict[str, SSHDHost], user_key: tuple[Path, Path]) -> Inventory:
    """The three hosts (group web, tags provider/region), saved as the user's hosts.toml."""
    regions = {"web-01": "eu-west-1", "web-02": "eu-west-1", "web-03": "us-east-1"}
    found = Inventory(
        host_of(server, user_key[0], tags={"provider": "aws", "region": regions[name]})
        for name, server in fleet.items()
    )
    save_inventory(found)
    return found


@pytest.fixture
def home(private_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private ~ (so ~/.ssh/known_hosts is the test's) and no agent of the user's."""
    monkeypatch.setenv("HOME", str(private_home))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    (private_home / ".ssh").mkdir(exist_ok=True)
    return private_home


@pytest.fixture
def known(home: Path, fleet: dict[str, SSHDHost]) -> Path:
    """~/.ssh/known_hosts holding every fleet host's key."""
    path = home / ".ssh" / "known_hosts"
    path.write_text("".join(f"{h.known_hosts_line()}\n" for h in fleet.values()))
    return path


@pytest.fixture
def pool(known: Path, inventory: Inventory) -> Iterator[SSHPool]:
    with SSHPool(inventory, connect_timeout_s=5.0) as made:
        yield made


@pytest.fixture
def shared(known: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh session pool for the tools, closed after the test."""
    monkeypatch.setattr(ssh, "_SHARED", None)
    yield
    if ssh._SHARED is not None:
        ssh._SHARED.close()


@pytest.fixture
def dead_port() -> int:
    return free_port()


def write_state(fleet: dict[str, SSHDHost], states: dict[str, str]) -> None:
    for name, text in states.items():
        (fleet[name].folder / "state").write_text(text + "\n")
