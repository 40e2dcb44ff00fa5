"""process_tree and zombie_processes against a real family this test starts: a parent with a
sleeping child and a child that exited and was never reaped (a zombie)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import psutil
import pytest

from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.request import Request
from llmchain_os.errors import ToolError
from llmchain_os.reading.world import FixedWorld
from llmchain_os.tools.proctree import ProcessTree, Zombies, process_tree, zombie_processes
from llmchain_os.tools.registry import builtin_registry

FAMILY = """
import os, subprocess, time
sleeper = subprocess.Popen(["sleep", "60"])
dead = os.fork()
if dead == 0:
    os._exit(0)
print(sleeper.pid, dead, flush=True)
time.sleep(60)
"""


@pytest.fixture
def family() -> Iterator[tuple[int, int, int]]:
    """(parent, sleeping child, zombie child) pids; the zombie is one once this returns."""
    parent = subprocess.Popen([sys.executable, "-c", FAMILY], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    sleeper, dead = map(int, parent.stdout.readline().split())
    for _ in range(200):
        try:
            if psutil.Process(dead).status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    yield parent.pid, sleeper, dead
    psutil.Process(sleeper).kill()
    parent.kill()
    parent.wait()


def test_the_tree_of_a_pid_holds_its_children_and_says_what_it_runs_under(
    family: tuple[int, int, int],
) -> None:
    parent, sleeper, dead = family

    out = process_tree.call(process_tree.parse_args({"pid": parent}))

    assert isinstance(out, ProcessTree)
    assert [(n.pid, n.depth) for n in out.nodes] == [(parent, 0), (sleeper, 1), (dead, 1)]
    assert out.total == 3 and out.subject() == {"pid": parent}
    assert (
        out.summary().startswith("python")
        and "a tree of 3 processes, 2 levels deep" in out.summary()
    )
    assert f"({psutil.Process().pid})" in out.summary()  # it runs under this test
    assert out.table().rows[1][0].endswith("sleep")


def test_the_whole_tree_is_capped_by_its_limit() -> None:
    out = process_tree.call(process_tree.parse_args({"limit": 5}))
    assert isinstance(out, ProcessTree)
    assert len(out.nodes) == 5 and out.total >= len(psutil.pids()) - 5
    assert "(5 shown)" in out.summary()


def test_a_zombie_is_found_with_the_parent_that_did_not_reap_it(
    family: tuple[int, int, int],
) -> None:
    parent, _, dead = family

    out = zombie_processes.call(zombie_processes.parse_args({}))

    assert isinstance(out, Zombies)
    mine = [z for z in out.zombies if z.pid == dead]
    assert mine and mine[0].parent_pid == parent
    assert f"(pid {parent})" in out.summary() and "not yet reaped" in out.summary()


def test_no_zombies_is_said_plainly() -> None:
    assert Zombies(zombies=[]).summary() == "There are no zombie processes."


def test_an_unknown_pid_or_name_is_one_clear_line() -> None:
    with pytest.raises(ToolError, match="No running process named 'no-such-proc-xyz'"):
        process_tree.call(process_tree.parse_args({"name": "no-such-proc-xyz"}))
    with pytest.raises(ToolError, match="bad pid"):
        process_tree.parse_args({"pid": 0})


@pytest.mark.parametrize(
    ("text", "tool", "args"),
    [
        ("show the process tree", "process_tree", {}),
        ("process tree of pid 4242", "process_tree", {"pid": 4242}),
        ("what are the child processes of stuckjob", "process_tree", {"name": "stuckjob"}),
        ("is there a zombie", "zombie_processes", {}),
        ("any defunct processes?", "zombie_processes", {}),
    ],
)
def test_plain_requests_plan_the_tree_tools(text: str, tool: str, args: dict[str, object]) -> None:
    world = FixedWorld({"stuckjob": [4242], "python3": [77]})
    outcome = RetrievalPlanner(builtin_registry(), world=world).plan(Request(text))
    assert outcome.plan is not None, outcome.unsure
    assert (outcome.plan.steps[0].tool, outcome.plan.steps[0].args) == (tool, args)


def test_a_named_running_process_still_goes_to_process_info() -> None:
    world = FixedWorld({"stuckjob": [4242]})
    outcome = RetrievalPlanner(builtin_registry(), world=world).plan(Request("is stuckjob running"))
    assert outcome.plan is not None and outcome.plan.steps[0].tool == "process_info"
