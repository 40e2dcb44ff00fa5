"""Tools that act on other hosts over SSH: run one command on a selection, copy a file to
a selection, list the inventory.

A ``hosts`` argument is a selection expression over the inventory's own names, groups and
tags (``remote.select``); anything else is refused before the question is asked. Running a
command anywhere else is at least ``remote``, and never less than the command's own risk.
Every selected host runs over the session's one connection pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from pydantic import BaseModel, Field

from llmchain_os.errors import ToolError
from llmchain_os.remote.fanout import FanoutResult, LineJoiner, command_work, stream_fan_out
from llmchain_os.remote.inventory import Host, load_inventory
from llmchain_os.remote.risk import remote_assessment, upload_assessment
from llmchain_os.remote.select import select_hosts
from llmchain_os.remote.ssh import shared_pool
from llmchain_os.remote.transfer import local_file, upload_to
from llmchain_os.safety.risk import Assessment, Risk
from llmchain_os.tools import remote_cards
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.units import human_bytes

Selection = Annotated[str, Field(min_length=1, max_length=2000)]


def selected(expression: str) -> list[Host]:
    """The inventory's hosts that ``expression`` names; raises SelectionError."""
    return select_hosts(load_inventory(), expression)


def hosts_phrase(hosts: list[Host]) -> str:
    names = ", ".join(h.name for h in hosts)
    return f"{len(hosts)} host{'s' if len(hosts) != 1 else ''}: {names}"


def _selection_refused(expression: str) -> Assessment | list[Host]:
    try:
        return selected(expression)
    except ToolError as exc:  # a host argument may only use the inventory's names
        return Assessment(Risk.REMOTE, str(exc), denied=True)


def _run_risk(args: BaseModel) -> Assessment:
    hosts = _selection_refused(str(getattr(args, "hosts", "")))
    if isinstance(hosts, Assessment):
        return hosts
    return remote_assessment(str(getattr(args, "command", "")), hosts_phrase(hosts))


def _run_effect(args: BaseModel) -> str:
    hosts = selected(str(getattr(args, "hosts", "")))
    return f"run `{getattr(args, 'command', '')}` on {hosts_phrase(hosts)}"


@tool(
    risk=_run_risk,
    effect=_run_effect,
    risk_from="the command and its hosts",
    card=remote_cards.RUN,
)
def run_on_hosts(
    command: Annotated[str, Field(min_length=1, max_length=4000)], hosts: Selection
) -> Iterator[str | FanoutResult]:
    """Run one shell command on several remote hosts over SSH and compare what each printed."""
    chosen = selected(hosts)
    joiner = LineJoiner()
    for item in stream_fan_out(chosen, command_work(shared_pool(), command)):
        if isinstance(item, list):
            if rest := joiner.flush():
                yield rest
            yield FanoutResult(action=f"`{command}`", results=item)
        elif text := joiner.feed(item):
            yield text


def _copy_risk(args: BaseModel) -> Assessment:
    hosts = _selection_refused(str(getattr(args, "hosts", "")))
    if isinstance(hosts, Assessment):
        return hosts
    return upload_assessment(hosts_phrase(hosts))


def _copy_effect(args: BaseModel) -> str:
    hosts = selected(str(getattr(args, "hosts", "")))
    local = local_file(str(getattr(args, "path", "")))
    dest = str(getattr(args, "dest", "")) or "~"
    return (
        f"copy {local} ({human_bytes(local.stat().st_size)}) to {dest} on {hosts_phrase(hosts)}"
        " (a file of that name there is replaced)"
    )


@tool(risk=_copy_risk, effect=_copy_effect, risk_from="its hosts", card=remote_cards.COPY_CARD)
def copy_to_hosts(
    path: Annotated[str, Field(min_length=1, max_length=4000)],
    hosts: Selection,
    dest: Annotated[str, Field(max_length=4000)] = "",
) -> FanoutResult:
    """Copy a local file to several remote hosts over SFTP, checked by checksum on each."""
    return upload_to(shared_pool(), selected(hosts), path, dest)


class HostRow(BaseModel):
    name: str
    target: str
    jump: str
    groups: list[str]
    tags: dict[str, str]


class HostListing(ToolOutput):
    """The hosts of a selection, as the inventory has them."""

    hosts: list[HostRow]

    def summary(self) -> str:
        if not self.hosts:
            return "No hosts yet - add one with 'llmos hosts add' or 'llmos hosts import'."
        return f"{len(self.hosts)} hosts: {', '.join(h.name for h in self.hosts)}."

    def table(self) -> Table | None:
        if not self.hosts:
            return None
        rows = [
            [
                h.name,
                h.target + (f" via {h.jump}" if h.jump else ""),
                ", ".join(h.groups),
                " ".join(f"{k}={v}" for k, v in h.tags.items()),
            ]
            for h in self.hosts
        ]
        return Table("Hosts", ["name", "address", "groups", "tags"], rows)


def host_listing(hosts: list[Host]) -> HostListing:
    rows = [
        HostRow(name=h.name, target=h.target, jump=h.jump, groups=list(h.groups), tags=h.tags)
        for h in hosts
    ]
    return HostListing(hosts=rows)


@tool(risk=Risk.READ, card=remote_cards.LIST_CARD)
def list_hosts(selection: Selection = "all") -> HostListing:
    """List the remote hosts in the inventory (a selection of them: a group, tag or name)."""
    inventory = load_inventory()
    if not len(inventory):
        return host_listing([])
    return host_listing(select_hosts(inventory, selection))


TOOLS = [run_on_hosts, copy_to_hosts, list_hosts]
