"""The hosts the shell may act on: a TOML file next to config.toml, written atomically.

::

    [hosts."web-01"]
    address = "10.0.0.11"
    user = "deploy"
    key_file = "~/.ssh/deploy_ed25519"
    jump = "bastion"                  # another host of this file, or [user@]address[:port]
    groups = ["web"]
    tags = { provider = "aws", region = "eu-west-1", role = "web" }

Host and group names are plain words (letters, digits, ``_ . -``): selections are built
from them, and a host argument may use nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from llmchain_os.paths import atomic_write, config_dir
from llmchain_os.remote.errors import InventoryError

NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
# Control characters (DEL too) are refused in every value: the file is TOML and listings
# print these values to a terminal.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
GROUP_ALL = "all"


def hosts_file() -> Path:
    """hosts.toml in the XDG config dir, beside config.toml."""
    return config_dir() / "hosts.toml"


def check_name(name: str, what: str = "host") -> str:
    if not NAME.match(name) or name == GROUP_ALL:
        raise ValueError(
            f"{what} name {name!r} is not allowed: use letters, digits, '_', '.', '-' "
            f"(and not {GROUP_ALL!r})"
        )
    return name


class Host(BaseModel):
    """One machine: where it is, how to log in, and what it is (tags, groups)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    address: str = Field(min_length=1)
    port: int = Field(default=22, ge=1, le=65535)
    user: str = ""
    key_file: str = ""
    jump: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    groups: tuple[str, ...] = ()

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name(value)

    @field_validator("groups")
    @classmethod
    def _groups(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(check_name(g, "group") for g in value))

    @field_validator("address", "user", "key_file", "jump")
    @classmethod
    def _plain(cls, value: str) -> str:
        if CONTROL.search(value) or value != value.strip():
            raise ValueError("control characters or surrounding spaces are not allowed")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        for key, tag in value.items():
            if not NAME.match(key) or CONTROL.search(tag) or not tag:
                raise ValueError(f"bad tag {key}={tag!r}: keys are plain words, values text")
        return value

    @property
    def target(self) -> str:
        """user@address:port, as shown next to the name."""
        who = f"{self.user}@" if self.user else ""
        return f"{who}{self.address}:{self.port}"


class Inventory:
    """Hosts by name, in the order they were added; groups come from the hosts."""

    def __init__(self, hosts: Iterable[Host] = ()) -> None:
        self._hosts: dict[str, Host] = {}
        for host in hosts:
            self.add(host)

    def __iter__(self) -> Iterator[Host]:
        return iter(self._hosts.values())

    def __len__(self) -> int:
        return len(self._hosts)

    def __contains__(self, name: object) -> bool:
        return name in self._hosts

    def names(self) -> list[str]:
        return list(self._hosts)

    def get(self, name: str) -> Host:
        try:
            return self._hosts[name]
        except KeyError:
            raise InventoryError(
                f"No host named {name!r} - 'llmos hosts list' shows them"
            ) from None

    def groups(self) -> dict[str, list[str]]:
        """Group name -> its hosts' names."""
        found: dict[str, list[str]] = {}
        for host in self:
            for group in host.groups:
                found.setdefault(group, []).append(host.name)
        return found

    def add(self, host: Host, replace: bool = False) -> None:
        if host.name in self._hosts and not replace:
            raise InventoryError(
                f"{host.name} is already in the inventory - remove it first, or replace it"
            )
        clash = set(host.groups) & (set(self._hosts) - {host.name}) | (
            {host.name} & set(self.groups())
        )
        if clash:
            raise InventoryError(f"{', '.join(sorted(clash))} is both a host and a group name")
        self._hosts[host.name] = host

    def remove(self, name: str) -> Host:
        host = self.get(name)
        del self._hosts[name]
        return host

    def merge(self, hosts: Iterable[Host], replace: bool = False) -> tuple[list[str], list[str]]:
        """Add ``hosts``; returns (added, replaced) names. A name already here with other
        settings is an error unless ``replace``; nothing changes when it fails."""
        incoming = list(hosts)
        differing = [h.name for h in incoming if h.name in self and self._hosts[h.name] != h]
        if differing and not replace:
            raise InventoryError(
                f"already in the inventory with other settings: {', '.join(differing)} "
                "- use --replace to overwrite them"
            )
        trial = Inventory(self)
        added = [h.name for h in incoming if h.name not in self]
        for host in incoming:
            trial.add(host, replace=True)
        self._hosts = trial._hosts
        return added, differing


def load_inventory(path: Path | None = None) -> Inventory:
    """The saved hosts; no file is an empty inventory. Raises InventoryError for a file
    that is not valid, naming the file and the problem."""
    import tomllib

    path = path or hosts_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Inventory()
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(f"Cannot read {path}: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InventoryError(f"{path} is not valid TOML: {exc} - fix it by hand") from None
    return _from_data(data, path)


def _from_data(data: dict[str, Any], path: Path) -> Inventory:
    table = data.get("hosts", {})
    if not isinstance(table, dict) or set(data) - {"hosts"}:
        raise InventoryError(f"{path}: only [hosts.NAME] tables are allowed")
    inventory = Inventory()
    for name, fields in table.items():
        if not isinstance(fields, dict):
            raise InventoryError(f"{path}: hosts.{name} must be a table")
        inventory.add(parse_host(name, fields, str(path)))
    return inventory


def parse_host(name: str, fields: dict[str, Any], source: str) -> Host:
    """A Host from raw fields; InventoryError naming ``source`` and the first problem."""
    try:
        return Host.model_validate({"name": name, **fields})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "host"
        raise InventoryError(f"{source}: host {name!r}: {where}: {err['msg']}") from None


def save_inventory(inventory: Inventory, path: Path | None = None) -> Path:
    """Write the whole file atomically (mode 600): a crash leaves the old file or the new."""
    path = path or hosts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, inventory_toml(inventory), 0o600)
    return path


def _q(value: str) -> str:
    # A JSON string without control characters (refused by Host) is a TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def inventory_toml(inventory: Inventory) -> str:
    lines = ["# llmchain-os hosts: `llmos hosts add|rm|import` rewrite this file.", ""]
    for host in inventory:
        lines.append(f"[hosts.{_q(host.name)}]")
        lines.append(f"address = {_q(host.address)}")
        if host.port != 22:
            lines.append(f"port = {host.port}")
        for key in ("user", "key_file", "jump"):
            if value := getattr(host, key):
                lines.append(f"{key} = {_q(value)}")
        if host.groups:
            lines.append(f"groups = [{', '.join(_q(g) for g in host.groups)}]")
        if host.tags:
            pairs = ", ".join(f"{_q(k)} = {_q(v)}" for k, v in host.tags.items())
            lines.append(f"tags = {{ {pairs} }}")
        lines.append("")
    return "\n".join(lines)
