"""find_processes finds a real process this test starts, by its command line and its user."""

from __future__ import annotations

import getpass
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.request import Request
from llmchain_os.errors import ToolError
from llmchain_os.reading.world import FixedWorld
from llmchain_os.tools.procfind import FoundProcesses, find_processes
from llmchain_os.tools.registry import builtin_registry


@pytest.fixture
def marked() -> Iterator[tuple[int, str]]:
    marker = f"marker-{uuid.uuid4().hex[:12]}"
    proc = subprocess.Popen([sys.executable, "-c", "import time, sys; time.sleep(60)", marker])
    yield proc.pid, marker
    proc.kill()
    proc.wait()


def _find(raw: dict[str, object]) -> FoundProcesses:
    out = find_processes.call(find_processes.parse_args(raw))
    assert isinstance(out, FoundProcesses)
    return out


def test_a_process_is_found_by_a_piece_of_its_command_line(marked: tuple[int, str]) -> None:
    pid, marker = marked

    out = _find({"command": marker.upper()})  # case does not matter

    assert [p.pid for p in out.processes] == [pid]
    assert out.summary() == (
        f"1 process with {marker.upper()!r} in the command line: {out.processes[0].name} "
        f"(pid {pid})."
    )
    assert out.subject() == {"pid": pid}


def test_a_process_is_found_by_its_user_and_both_criteria_combine(
    marked: tuple[int, str],
) -> None:
    pid, marker = marked
    me = getpass.getuser()

    assert pid in [p.pid for p in _find({"user": me, "limit": 500}).processes]
    assert [p.pid for p in _find({"user": me, "command": marker}).processes] == [pid]


def test_nothing_found_and_bad_input_are_said_plainly() -> None:
    assert _find({"command": "no-such-marker-xyz"}).summary() == (
        "No processes with 'no-such-marker-xyz' in the command line."
    )
    with pytest.raises(ToolError, match="needs a user or a piece of command line"):
        _find({})
    with pytest.raises(ToolError, match="no user named 'ghostuser-xyz'"):
        _find({"user": "ghostuser-xyz"})


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("which processes are run by root", {"user": "root"}),
        ("show root's processes", {"user": "root"}),
        ("processes owned by uid 0", {"user": "root"}),
        ("find processes whose command line contains worker.py", {"command": "worker.py"}),
        ('processes matching "celery beat"', {"command": "celery beat"}),
    ],
)
def test_plain_requests_plan_find_processes(text: str, args: dict[str, object]) -> None:
    outcome = RetrievalPlanner(builtin_registry(), world=FixedWorld()).plan(Request(text))
    assert outcome.plan is not None, outcome.unsure
    assert (outcome.plan.steps[0].tool, outcome.plan.steps[0].args) == ("find_processes", args)


def test_a_user_that_does_not_exist_is_unsure_not_guessed() -> None:
    outcome = RetrievalPlanner(builtin_registry(), world=FixedWorld()).plan(
        Request("list processes of user ghostuser")
    )
    assert outcome.plan is None and "no user named 'ghostuser'" in (outcome.unsure or "")
