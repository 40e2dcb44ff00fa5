"""`llmos hosts ...` end to end through cli.main, against the real fleet where it connects."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmchain_os.cli import main
from llmchain_os.exitcodes import ExitCode
from llmchain_os.remote.inventory import Inventory, load_inventory
from llmchain_os.safety.audit import AuditLog
from tests.remote.sshd import SSHDHost


def test_add_list_rm(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["hosts", "add", "web-01", "10.0.0.11", "--user", "deploy", "--group", "web"]
    assert main([*args, "--tag", "provider=aws"]) == 0
    assert main(["hosts", "add", "web-01", "10.0.0.12"]) == ExitCode.STEP_FAILED
    assert main(["hosts", "list"]) == 0
    out = capsys.readouterr()
    assert "already in the inventory" in out.err
    assert "web-01  deploy@10.0.0.11:22  web     provider=aws" in out.out

    assert main(["hosts", "rm", "web-01"]) == 0
    assert main(["hosts", "rm", "web-01"]) == ExitCode.STEP_FAILED
    assert len(load_inventory()) == 0
    # each change of the inventory is in the audit log, the refused ones not as done
    entries = AuditLog().read().entries
    done = [(e.tool, e.status) for e in entries if e.status != "started"]
    assert done == [("add_host", "done"), ("remove_host", "done")]


def test_import_ssh_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config"
    config.write_text("Host db-01\n  HostName 10.1.0.5\n  User pg\n")
    assert main(["hosts", "import", "ssh", str(config)]) == 0
    assert "1 added" in capsys.readouterr().out
    assert load_inventory().get("db-01").target == "pg@10.1.0.5:22"


def test_check_and_trust(
    known: Path,
    inventory: Inventory,
    fleet: dict[str, SSHDHost],
    capsys: pytest.CaptureFixture[str],
) -> None:
    known.write_text(fleet["web-01"].known_hosts_line() + "\n")

    assert main(["hosts", "check", "web"]) == ExitCode.STEP_FAILED
    out = capsys.readouterr().out
    assert "web-01  0" in out and "llmos hosts trust web-02" in out

    assert main(["hosts", "trust", "web-02"]) == ExitCode.DECLINED  # no terminal: not asked
    assert main(["hosts", "trust", "web-02", "--yes"]) == 0
    assert "SHA256:" in capsys.readouterr().out
    trusted = [e for e in AuditLog().read().entries if e.tool == "trust_host"]
    assert trusted[-1].status == "done" and "SHA256:" in trusted[-1].args["key"]
    assert main(["hosts", "check", "web-01,web-02"]) == 0


def test_slash_hosts_lists_a_selection(inventory: Inventory) -> None:
    from io import StringIO
    from typing import Any

    from rich.console import Console

    from llmchain_os.repl.commands import SLASH_COMMANDS, run_slash

    out = StringIO()
    nobody: Any = None  # /hosts needs no session or history
    assert run_slash("/hosts eu-west", nobody, Console(file=out, width=120), nobody)
    assert run_slash("/hosts nowhere", nobody, Console(file=out, width=120), nobody)
    text = out.getvalue()
    assert "web-01" in text and "web-03" not in text.split("2 hosts")[0]
    assert "Unknown host, group or tag 'nowhere'" in text
    assert "/hosts" in SLASH_COMMANDS
