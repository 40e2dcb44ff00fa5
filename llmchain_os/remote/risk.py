"""The risk of running a command on other hosts: at least ``remote``, and never less than
the command's own risk (a destructive command stays destructive, a denied one is denied)."""

from __future__ import annotations

from llmchain_os.safety.commands import classify_command
from llmchain_os.safety.risk import Assessment, Risk


def remote_assessment(command: str, where: str = "other hosts") -> Assessment:
    """The worse of ``remote`` and what ``classify_command`` says of ``command`` itself."""
    own = classify_command(command)
    if own.denied or own.risk.rank >= Risk.REMOTE.rank:
        return Assessment(own.risk, f"{own.reason} (on {where})", own.denied)
    return Assessment(Risk.REMOTE, f"runs on {where}; the command itself is {own.risk.value}")


def upload_assessment(where: str = "other hosts") -> Assessment:
    """Copying a file onto hosts changes them: remote (it may replace a file of that name)."""
    return Assessment(Risk.REMOTE, f"writes a file on {where}")
