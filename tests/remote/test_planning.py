"""Plain requests about the fleet become one remote step: the hosts from the inventory's
own words, the command spelled out or composed (and then asked about, whatever the flags),
and an honest "unsure" when the request names hosts the inventory does not have. The last
test goes through the Session to real sshd hosts, with the question naming every host."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmchain_os.agent.compose import Composer, load_examples
from llmchain_os.agent.events import EventKind
from llmchain_os.agent.plan import Step
from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.policy import Decision
from llmchain_os.agent.request import Request
from llmchain_os.api import Session
from llmchain_os.knowledge.embed import Embedder, shared_embedder
from llmchain_os.prompts import load_exemplars
from llmchain_os.reading.world import FixedWorld
from llmchain_os.remote.inventory import Inventory
from llmchain_os.tools.registry import builtin_registry

WORDS = {"web", "db", "aws", "gcp", "eu-west", "web-01", "web-02", "web-03", "db-01"}


@pytest.fixture(scope="module")
def composer(tmp_path_factory: pytest.TempPathFactory) -> Composer:
    """As the session builds it: the tools' retrieved examples and those of no tool."""
    embedder: Embedder = shared_embedder()
    tools = {**builtin_registry().examples(), "_none": load_exemplars()["_none"]}
    return Composer(load_examples(), embedder, tmp_path_factory.mktemp("c"), tools)


def plan(text: str, composer: Composer, hosts: set[str] = WORDS) -> tuple[list[Step], str]:
    planner = RetrievalPlanner(builtin_registry(), world=FixedWorld(hosts=hosts), composer=composer)
    outcome = planner.plan(Request(text))
    return (outcome.plan.steps if outcome.plan else []), outcome.unsure or ""


@pytest.mark.parametrize(
    ("text", "tool", "args"),
    [
        ("run `uptime` on web-01 and db-01", "run_on_hosts", {"hosts": "web-01,db-01"}),
        ("restart nginx on every web host in aws", "run_on_hosts", {"hosts": "web aws"}),
        ("check disk space on all servers except web-03", "run_on_hosts", {"hosts": "all:!web-03"}),
        ("copy backup.sh to all eu-west hosts", "copy_to_hosts", {"hosts": "eu-west"}),
        ("list the hosts in aws", "list_hosts", {"selection": "aws"}),
    ],
)
def test_the_hosts_come_from_the_inventorys_words(
    text: str, tool: str, args: dict[str, str], composer: Composer
) -> None:
    steps, unsure = plan(text, composer)
    assert not unsure, unsure
    assert steps[0].tool == tool
    assert args.items() <= steps[0].args.items()


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("restart nginx on every web host in aws", "systemctl restart nginx"),
        ("is nginx running on web-02", "systemctl is-active nginx"),
        ("how much memory is free on db-01", "free -m"),
        ("uptime on all hosts", "uptime"),
    ],
)
def test_a_described_command_is_composed_and_always_asked(
    text: str, command: str, composer: Composer
) -> None:
    steps, _ = plan(text, composer)
    assert steps[0].args["command"] == command
    assert steps[0].needs_consent  # not spelled out: --yes alone never runs it


def test_a_spelled_command_is_taken_as_spelled(composer: Composer) -> None:
    steps, _ = plan("run `df -h /var` on db", composer)
    assert steps[0].args == {"hosts": "db", "command": "df -h /var"}
    assert not steps[0].needs_consent


def test_hosts_the_inventory_lacks_are_unsure_never_this_machine(composer: Composer) -> None:
    _, none_yet = plan("restart nginx on every web host", composer, hosts=set())
    _, which = plan("uptime on every server in azure", composer)
    steps, local = plan("how full is my disk", composer)

    assert "no remote hosts yet" in none_yet and "llmos hosts import" in none_yet
    assert which.startswith("Which hosts?") and "web-01" in which
    assert not local and steps[0].tool == "disk_usage"  # a local question stays local


def test_a_fleet_request_runs_on_real_hosts_after_one_question(
    inventory: Inventory, shared: None, private_home: Path
) -> None:
    asked: list[str] = []

    def approve(step: Step, decision: Decision) -> bool:
        asked.append(decision.prompt(step))
        return True

    events = list(Session().handle("run `echo hello` on web-01 and web-02", approve=approve))

    assert len(asked) == 1 and "on 2 hosts: web-01, web-02" in asked[0]
    done = [e for e in events if e.kind is EventKind.STEP_DONE]
    assert done and "2 hosts: hello" in done[0].text
    outputs = [e for e in events if e.kind is EventKind.OUTPUT]
    hosts = [r["host"] for r in outputs[0].data["output"]["results"]]
    assert hosts == ["web-01", "web-02"]
