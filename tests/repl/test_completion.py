"""Tab completion offers the inventory's hosts, groups and tags beside the slash commands,
read from the real hosts file (and read again after a while, not on every key)."""

from __future__ import annotations

from pathlib import Path

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from llmchain_os.api import Session
from llmchain_os.config import Settings
from llmchain_os.remote.inventory import Host, Inventory, save_inventory
from llmchain_os.repl.app import Environment, Shell, string_console


def test_completion_offers_the_inventorys_words(tmp_path: Path) -> None:
    host = Host.model_validate(
        {"name": "web-01", "address": "10.0.0.11", "groups": ("web",), "tags": {"provider": "aws"}}
    )
    with create_pipe_input() as pipe:
        env = Environment(
            input=pipe,
            output=DummyOutput(),
            console=string_console(80),
            history_path=tmp_path / "history",
        )
        shell = Shell(Session(Settings(n_threads=1)), env)
        before = shell._words()
        save_inventory(Inventory([host]))
        cached = shell._words()  # read again only after a while
        shell._hosts_read -= 60
        after = shell._words()

    assert "/hosts" in before and "web-01" not in before
    assert "web-01" not in cached
    assert {"web-01", "web", "aws"} <= set(after)
