"""The inventory of remote hosts for the surfaces: list, add, remove, import, check, trust.

Every change loads hosts.toml, changes the copy, and saves it atomically only when the
whole change is valid: a bad import or a duplicate name leaves the file as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from llmchain_os.api.session import confirmed
from llmchain_os.errors import ToolError
from llmchain_os.exitcodes import ExitCode

if TYPE_CHECKING:
    from llmchain_os.remote.fanout import FanoutResult
    from llmchain_os.remote.inventory import Host
    from llmchain_os.remote.ssh import SSHPool
    from llmchain_os.tools.remote import HostListing

CHECK_TIMEOUT_S = 10.0
IMPORT_SOURCES = ("ssh", "ansible")


def list_hosts(selection: str = "all") -> HostListing:
    """``llmos hosts list`` and ``/hosts``: the hosts of a selection (all by default)."""
    from llmchain_os.tools.remote import HostListing
    from llmchain_os.tools.remote import list_hosts as listing

    result = listing.call(listing.parse_args({"selection": selection}))
    assert isinstance(result, HostListing)
    return result


def host_words() -> list[str]:
    """Host and group names, tags and tag values: what a host selection may use (for
    completion). An unreadable inventory gives none rather than stopping the prompt."""
    from llmchain_os.remote.select import inventory_words

    return inventory_words()


def add_host(
    name: str,
    address: str,
    port: int = 22,
    user: str = "",
    key_file: str = "",
    jump: str = "",
    groups: Sequence[str] = (),
    tags: Mapping[str, str] | None = None,
    replace: bool = False,
) -> Host:
    """Add one host and save; raises ToolError (bad value, name taken) saving nothing."""
    from llmchain_os.remote.inventory import load_inventory, parse_host, save_inventory

    fields = {"address": address, "port": port, "user": user, "key_file": key_file}
    fields |= {"jump": jump, "groups": tuple(groups), "tags": dict(tags or {})}
    host = parse_host(name, fields, "llmos hosts add")
    inventory = load_inventory()
    inventory.add(host, replace=replace)
    _logged("add_host", {"name": name, "address": address}, lambda: save_inventory(inventory))
    return host


def remove_host(name: str) -> Host:
    from llmchain_os.remote.inventory import load_inventory, save_inventory

    inventory = load_inventory()
    host = inventory.remove(name)
    _logged("remove_host", {"name": name}, lambda: save_inventory(inventory))
    return host


@dataclass(frozen=True)
class ImportReport:
    source: Path
    added: list[str]
    replaced: list[str]
    seen: int

    def summary(self) -> str:
        unchanged = self.seen - len(self.added) - len(self.replaced)
        return (
            f"{self.source}: {self.seen} hosts, {len(self.added)} added, "
            f"{len(self.replaced)} replaced, {unchanged} already there"
            + (f" (added: {', '.join(self.added)})" if self.added else "")
        )


def import_hosts(source: str, path: str | None = None, replace: bool = False) -> ImportReport:
    """Merge the hosts of an ssh_config (``ssh``, ~/.ssh/config by default) or an Ansible
    inventory (``ansible``, INI or YAML) into the inventory; raises ToolError."""
    from llmchain_os.remote.errors import InventoryError
    from llmchain_os.remote.importers import from_ansible, from_ssh_config
    from llmchain_os.remote.inventory import load_inventory, save_inventory

    if source not in IMPORT_SOURCES:
        raise InventoryError(f"Import from {' or '.join(IMPORT_SOURCES)}, not {source!r}")
    if source == "ansible" and not path:
        raise InventoryError("Say which Ansible inventory: llmos hosts import ansible FILE")
    where = Path(path or "~/.ssh/config").expanduser()
    hosts = from_ssh_config(where) if source == "ssh" else from_ansible(where)
    inventory = load_inventory()
    added, replaced = inventory.merge(hosts, replace=replace)
    args = {"source": source, "path": str(where), "added": added, "replaced": replaced}
    _logged("import_hosts", args, lambda: save_inventory(inventory))
    return ImportReport(where, added, replaced, len(hosts))


def check_hosts(
    selection: str = "all", pool: SSHPool | None = None, timeout_s: float = CHECK_TIMEOUT_S
) -> FanoutResult:
    """Connect to each selected host and run ``true``: one result per host, in parallel."""
    from llmchain_os.remote.fanout import run_on
    from llmchain_os.remote.inventory import load_inventory
    from llmchain_os.remote.select import select_hosts
    from llmchain_os.remote.ssh import SSHPool

    inventory = load_inventory()
    hosts = select_hosts(inventory, selection)
    if pool is not None:
        return run_on(pool, hosts, "true", timeout_s)
    with SSHPool(inventory, connect_timeout_s=timeout_s) as own:
        return run_on(own, hosts, "true", timeout_s)


def trust_host(
    name: str, ask: Callable[[str], str] | None, yes: bool = False, pool: SSHPool | None = None
) -> tuple[str, int]:
    """``llmos hosts trust HOST``: fetch its key, show the fingerprint, record it once the
    person says yes (``yes`` records unasked; nobody to ask records nothing).

    Returns what to print and the exit code."""
    from llmchain_os.remote.inventory import load_inventory
    from llmchain_os.remote.ssh import SSHPool
    from llmchain_os.remote.trust import (
        SAME,
        check_recordable,
        fetch_host_key,
        record_host_key,
    )

    inventory = load_inventory()
    host = inventory.get(name)
    own = pool or SSHPool(inventory)
    try:
        offer = fetch_host_key(host, own)
    finally:
        if pool is None:
            own.close()
    if offer.status == SAME:
        return f"{name} is already trusted ({offer.key_type} {offer.fingerprint}).", 0
    check_recordable(offer)
    if not yes:
        if ask is None:
            return (
                f"Not trusted: {name} presents {offer.key_type} {offer.fingerprint} "
                "- run this at a terminal to approve it",
                ExitCode.DECLINED,
            )
        if not confirmed(ask, offer.question()):
            return "Not trusted.", ExitCode.DECLINED
    args = {"name": name, "key": f"{offer.key_type} {offer.fingerprint}"}
    path = _logged("trust_host", args, lambda: record_host_key(offer))
    return f"Trusted {name}: {offer.key_type} {offer.fingerprint} recorded in {path}.", 0


T = TypeVar("T")


def _logged(tool: str, args: dict[str, Any], change: Callable[[], T]) -> T:
    """A change of the inventory or the trusted keys, in the audit log like any step (a
    ``started`` entry first: if it cannot be written, nothing changes)."""
    from llmchain_os.safety.audit import AuditError, logged_action

    try:
        return logged_action(tool, args, change, request=f"hosts {tool.split('_')[0]}")
    except AuditError as exc:
        raise ToolError(f"Nothing changed: {exc}") from exc
