"""What can go wrong with other hosts, each a ToolError whose message says what to do."""

from __future__ import annotations

from llmchain_os.errors import ToolError


class RemoteError(ToolError):
    """A remote operation failed; the message is one line, shown as it is."""


class InventoryError(RemoteError):
    """The inventory or an import source cannot be read, or would become inconsistent."""


class SelectionError(RemoteError):
    """A host selection names something the inventory does not have."""


class HostKeyError(RemoteError):
    """A host's key is unknown or differs from the one recorded: nothing is sent to it."""


class ConnectError(RemoteError):
    """The host could not be reached or would not let us in."""
