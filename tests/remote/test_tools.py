"""The remote tools as the executor sees them: risk, effect, refusal of unknown hosts, and a
real run over the session pool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from llmchain_os.remote import ssh
from llmchain_os.remote.fanout import FanoutResult
from llmchain_os.remote.inventory import Inventory
from llmchain_os.remote.risk import remote_assessment
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Tool
from llmchain_os.tools.remote import TOOLS, copy_to_hosts, list_hosts, run_on_hosts


def args(tool: Tool, **raw: Any) -> Any:
    return tool.parse_args(raw)


def test_risk_is_at_least_remote_and_never_less_than_the_commands() -> None:
    assert remote_assessment("uptime").risk is Risk.REMOTE
    assert remote_assessment("touch /tmp/x").risk is Risk.REMOTE
    assert remote_assessment("rm -rf /var/lib/app").risk is Risk.DESTRUCTIVE
    assert remote_assessment("sudo systemctl restart nginx").risk.rank >= Risk.PRIVILEGED.rank
    denied = remote_assessment("rm -rf --no-preserve-root /")
    assert denied.denied


def test_run_on_hosts_names_every_host_and_the_command(inventory: Inventory) -> None:
    call = args(run_on_hosts, command="systemctl restart nginx", hosts="web")

    assert run_on_hosts.describe(call) == (
        "run `systemctl restart nginx` on 3 hosts: web-01, web-02, web-03"
    )
    assessed = run_on_hosts.assess(call)
    assert assessed.risk.rank >= Risk.REMOTE.rank and not assessed.denied
    assert "web-01, web-02, web-03" in assessed.reason


def test_a_host_argument_outside_the_inventory_is_denied(inventory: Inventory) -> None:
    assessed = run_on_hosts.assess(args(run_on_hosts, command="uptime", hosts="wbe"))
    assert assessed.denied and "did you mean web" in assessed.reason
    assert copy_to_hosts.assess(args(copy_to_hosts, path="/etc/hosts", hosts="evil.com")).denied


def test_run_on_hosts_streams_then_gives_the_results(inventory: Inventory, shared: None) -> None:
    items = list(run_on_hosts.stream(args(run_on_hosts, command="echo up", hosts="eu-west")))

    result = items[-1]
    assert isinstance(result, FanoutResult)
    assert [r.host for r in result.results] == ["web-01", "web-02"]
    assert sorted("".join(i for i in items if isinstance(i, str)).splitlines()) == [
        "web-01: up",
        "web-02: up",
    ]
    assert result.summary() == "`echo up` on 2 hosts: all succeeded. 2 hosts: up"
    run_on_hosts.call(args(run_on_hosts, command="true", hosts="web-01"))
    assert ssh._SHARED is not None and ssh._SHARED.connects == 2  # reused across calls


def test_copy_to_hosts_effect_and_run(inventory: Inventory, shared: None, tmp_path: Path) -> None:
    local = tmp_path / "backup.sh"
    local.write_text("echo hi\n")
    call = args(copy_to_hosts, path=str(local), hosts="web-03", dest=f"{tmp_path}/copy.sh")

    assert copy_to_hosts.describe(call).startswith(f"copy {local} (8 B) to {tmp_path}/copy.sh")
    assert copy_to_hosts.assess(call).risk is Risk.REMOTE
    result = copy_to_hosts.call(call)
    assert result.failure() is None and (tmp_path / "copy.sh").read_text() == "echo hi\n"


def test_list_hosts(inventory: Inventory) -> None:
    listing = list_hosts.call(args(list_hosts, selection="us-east"))
    assert listing.summary() == "1 hosts: web-03."
    table = listing.table()
    assert table is not None and table.rows[0][2] == "web"
    assert {t.name for t in TOOLS} == {"run_on_hosts", "copy_to_hosts", "list_hosts"}


@pytest.mark.parametrize("tool", TOOLS)
def test_every_remote_tool_has_exemplars(tool: Tool) -> None:
    from llmchain_os.prompts import load_exemplars

    assert len(load_exemplars()[tool.name]) >= 5
