"""diagnose against real situations this test makes: a CPU burner, a memory hog, a full
filesystem and one out of inodes (small tmpfs mounts, where this test may mount), and zombies.
The remedies it proposes are planned from their own words and go through the policy: a
declined kill leaves the burner running, an approved one ends it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from llmchain_os.agent.executor import Executor
from llmchain_os.agent.plan import Plan, Step, StepStatus
from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.policy import Policy
from llmchain_os.agent.request import Request
from llmchain_os.errors import ToolError
from llmchain_os.reading.world import FixedWorld, LiveWorld
from llmchain_os.tools.diagnose import Diagnosis, diagnose, question_of
from llmchain_os.tools.diagnose_rules import Remedy, rank_causes
from llmchain_os.tools.evidence import Evidence, NetDelta, Proc, read_pressure
from llmchain_os.tools.registry import builtin_registry

HOG = "import sys, time; b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]); " \
    "print('ready', flush=True); time.sleep(60)"  # fmt: skip


def _spawn(code: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


# A busy loop in four threads (hashlib lets go of the GIL), so that on a machine shared with
# other busy programs it still gets more CPU than any one-threaded one.
BURNER = """
import hashlib, threading
def burn():
    block = bytes(1 << 20)
    while True:
        hashlib.sha256(block).digest()
for _ in range(4):
    threading.Thread(target=burn, daemon=True).start()
print("ready", flush=True)
burn()
"""


@pytest.fixture
def burner() -> Iterator[subprocess.Popen[str]]:
    proc = _spawn(BURNER)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    yield proc
    proc.kill()
    proc.wait()


@pytest.fixture
def hog() -> Iterator[int]:
    proc = _spawn(HOG)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    yield proc.pid
    proc.kill()
    proc.wait()


def _diagnose(**args: object) -> Diagnosis:
    out = diagnose.call(diagnose.parse_args(args))
    assert isinstance(out, Diagnosis)
    return out


# This machine is shared with other busy programs, so a sample may find one of them busier
# than the burner; of five samples, one must name the burner first (each is ranked anyway).
TRIES = 5


def _first_named(pid: int) -> Diagnosis:
    """A diagnosis that names ``pid`` first; if none of the samples does, each must have
    named a process that was busier than the burner in that very sample (the ranking was
    right, the premise was not), and the test is skipped saying so."""
    for _ in range(TRIES):
        out = _diagnose()
        if out.causes and out.causes[0].pid == pid:
            return out
        cpu = {c.pid: c.value for c in out.consumers}
        first = out.causes[0].pid if out.causes else None
        assert first is not None and cpu.get(first, 0.0) >= cpu.get(pid, 0.0), out.consumers
    pytest.skip(f"another program was busier than the burner in all {TRIES} samples")


def test_a_cpu_burner_is_named_first_by_pid_with_its_evidence(
    burner: subprocess.Popen[str],
) -> None:
    out = _first_named(burner.pid)

    first = out.causes[0]
    assert (first.kind, first.pid) == ("cpu_hog", burner.pid), out.consumers
    assert first.evidence[0].endswith("of one core over the 0.5 s sample")
    assert (
        out.summary().startswith("Most likely: python") and f"(pid {burner.pid})" in out.summary()
    )
    assert out.subject() == {"pid": burner.pid}
    assert [r.say for r in first.remedies] == [
        f"renice {burner.pid} to 10",
        f"suspend {burner.pid}",
        f"kill {burner.pid}",
    ]
    assert {row[0] for row in out.facts} >= {"load", "cpu busy", "iowait", "memory used", "swap"}


def _step(remedy: Remedy) -> Step:
    """The remedy's own words, planned: the same call the diagnosis proposed."""
    world = LiveWorld()
    outcome = RetrievalPlanner(builtin_registry(), world=world).plan(Request(remedy.say))
    assert outcome.plan is not None, outcome.unsure
    step = outcome.plan.steps[0]
    assert (step.tool, step.args) == (remedy.tool, remedy.args)
    assert step.risk.value == remedy.risk
    return step


def test_the_proposed_kill_goes_through_the_policy_declined_then_approved(
    burner: subprocess.Popen[str],
) -> None:
    mine = [c for c in _diagnose().causes if c.pid == burner.pid]  # never another's process
    assert mine, "the burner was not found"
    kill = next(r for r in mine[0].remedies if r.tool == "kill_process")
    step = _step(kill)
    asked: list[str] = []

    def decline(s: Step, decision: object) -> bool:
        asked.append(decision.prompt(s))  # type: ignore[attr-defined]
        return False

    declined = Executor(builtin_registry(), Policy(), approve=decline)
    list(declined.execute(Plan(steps=[step])))
    assert declined.records[0].status is StepStatus.DECLINED
    assert asked and f"process {burner.pid} (python" in asked[0]
    assert psutil.Process(burner.pid).status() != psutil.STATUS_ZOMBIE  # untouched
    assert burner.poll() is None

    approved = Executor(
        builtin_registry(), Policy(), approve=lambda s, d: s.args == {"pid": burner.pid}
    )
    list(approved.execute(Plan(steps=[step])))
    assert approved.records[0].status is StepStatus.DONE
    assert burner.wait(timeout=5) is not None


def test_a_plan_may_diagnose_then_act_on_the_culprit_it_found(
    burner: subprocess.Popen[str],
) -> None:
    outcome = RetrievalPlanner(builtin_registry(), world=LiveWorld()).plan(
        Request("why is my machine slow, then suspend it")
    )
    assert outcome.plan is not None, outcome.unsure
    assert [(s.tool, s.refs) for s in outcome.plan.steps] == [
        ("diagnose", {}),
        ("suspend_process", {"pid": "pid"}),
    ]
    for _ in range(TRIES):  # only the burner may be suspended, whatever a sample named
        ex = Executor(
            builtin_registry(), Policy(), approve=lambda s, d: s.args == {"pid": burner.pid}
        )
        list(ex.execute(outcome.plan))
        if ex.records[1].status is StepStatus.DONE:
            break
        named = ex.records[0].output["causes"][0]["pid"]
        cpu = {c["pid"]: c["value"] for c in ex.records[0].output["consumers"]}
        assert cpu.get(named, 0.0) >= cpu.get(burner.pid, 0.0)  # it named a busier one
    else:
        pytest.skip(f"another program was busier than the burner in all {TRIES} samples")
    assert [r.status for r in ex.records] == [StepStatus.DONE, StepStatus.DONE]
    assert psutil.Process(burner.pid).status() == psutil.STATUS_STOPPED


def test_a_memory_hog_is_named_among_the_memory_users_in_its_rank(hog: int) -> None:
    out = _diagnose(question="memory")

    pids = [c.pid for c in out.consumers]
    assert hog in pids, out.consumers
    mine = out.consumers[pids.index(hog)]
    assert mine.value >= 300 * 2**20 and "% of the memory in use" in mine.amount
    assert all(c.value >= mine.value for c in out.consumers[: pids.index(hog)])
    assert all(c.area == "memory" for c in out.causes)
    if not out.causes and pids[0] == hog:
        assert f"(pid {hog}, " in out.summary()


@pytest.fixture
def small_mount() -> Iterator[Path]:
    """A tmpfs of 1 MiB with 64 inodes this test mounts (needs root and a mount namespace
    that allows it)."""
    where = Path(tempfile.mkdtemp(prefix="llmos-full-"))
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,nr_inodes=64", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield where
    subprocess.run(["umount", str(where)], check=True)
    where.rmdir()


def test_a_full_filesystem_is_the_disk_questions_first_cause(small_mount: Path) -> None:
    with (small_mount / "big").open("wb") as f, pytest.raises(OSError):
        f.write(b"x" * (2 * 2**20))  # more than fits: the disk fills

    out = _diagnose(question="disk")

    first = out.causes[0]
    assert (first.kind, first.headline) == (
        "disk_full",
        f"the filesystem at {small_mount} is 100% full",
    )
    remedy = first.remedies[0]
    assert (remedy.tool, remedy.args) == ("folder_size", {"path": str(small_mount)})
    _step(remedy)


def test_a_filesystem_out_of_inodes_is_named_as_such(small_mount: Path) -> None:
    for i in range(70):
        try:
            (small_mount / f"f{i}").touch()
        except OSError:
            break

    out = _diagnose(question="disk")

    mine = [c for c in out.causes if str(small_mount) in c.headline]
    assert mine and mine[0].kind == "inodes_full" and "inodes 100% used" in mine[0].headline


# The parent reaps its zombies when told to (a line on stdin): killed, it would leave them to
# pid 1, which in some containers never reaps them.
ZOMBIES = """
import os, sys
kids = [pid for pid in (os.fork() for _ in range(8)) if pid or os._exit(0)]
print('ready', flush=True)
sys.stdin.readline()
for pid in kids:
    os.waitpid(pid, 0)
"""


def test_zombies_name_the_parent_that_did_not_reap_them() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", ZOMBIES], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == "ready"
        for _ in range(100):
            kids = psutil.Process(parent.pid).children()
            if len(kids) == 8 and all(k.status() == psutil.STATUS_ZOMBIE for k in kids):
                break
        out = _diagnose()
    finally:
        parent.communicate("reap\n", timeout=10)
    zombies = [c for c in out.causes if c.kind == "zombies"]
    mine = [z for z in zombies if z.pid == parent.pid]
    assert mine and mine[0].headline == "8 zombie processes wait to be reaped"
    assert mine[0].remedies[0].say == f"process tree of pid {parent.pid}"


def test_a_program_run_many_times_over_is_a_runaway() -> None:
    name = "llmos-runaway"  # a copy of sleep under its own name, so no other sleep counts
    binary = Path(tempfile.mkdtemp()) / name
    shutil.copy(shutil.which("sleep") or "/bin/sleep", binary)
    copies = [subprocess.Popen([str(binary), "60"]) for _ in range(60)]
    try:
        out = _diagnose()
        runaway = [c for c in out.causes if c.kind == "runaway"]
        assert runaway and runaway[0].headline == f"60 copies of {name} are running"
        remedy = runaway[0].remedies[0]
        assert (remedy.tool, remedy.args) == ("process_tree", {"name": name})
        _step(remedy)  # planned from "process tree of llmos-runaway" while they run
    finally:
        for c in copies:
            c.kill()
            c.wait()


def test_pressure_is_read_from_the_kernels_files(tmp_path: Path) -> None:
    (tmp_path / "memory").write_text(
        "some avg10=12.50 avg60=3.00 avg300=1.00 total=99\n"
        "full avg10=2.00 avg60=0.00 avg300=0.00 total=9\n"
    )
    assert read_pressure(tmp_path) == {"memory some": 12.5, "memory full": 2.0}
    assert read_pressure(tmp_path / "absent") == {}
    if Path("/proc/pressure/cpu").exists():
        assert "cpu some" in read_pressure()


def test_a_long_sample_is_one_clear_line() -> None:
    with pytest.raises(ToolError, match="bad sample_s"):
        diagnose.parse_args({"sample_s": 30})
    with pytest.raises(ToolError, match="bad question"):
        diagnose.parse_args({"question": "vibes"})


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("why is my machine slow", {}),
        ("my computer is so slow", {}),
        ("the server feels sluggish, what is wrong", {}),
        ("diagnose this machine", {}),
        ("why is the disk full", {"question": "disk"}),
        ("what is filling up my disk", {"question": "disk"}),
        ("my ram is nearly full, what is using it", {"question": "memory"}),
        ("why am I out of memory", {"question": "memory"}),
        ("why is memory so high", {"question": "memory"}),
        ("why is the network slow", {"question": "network"}),
    ],
)
def test_plain_questions_plan_a_diagnosis(text: str, args: dict[str, object]) -> None:
    outcome = RetrievalPlanner(builtin_registry(), world=FixedWorld()).plan(Request(text))
    assert outcome.plan is not None, outcome.unsure
    assert (outcome.plan.steps[0].tool, outcome.plan.steps[0].args) == ("diagnose", args)


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("what is eating my ram", "top_processes"),
        ("what is eating my memory", "top_processes"),
        ("which processes use the most cpu", "top_processes"),
        ("how full is my disk", "disk_usage"),
        ("tell me a joke", None),
    ],
)
def test_lists_and_plain_figures_stay_with_their_tools(text: str, tool: str | None) -> None:
    outcome = RetrievalPlanner(builtin_registry(), world=FixedWorld()).plan(Request(text))
    first = outcome.plan.steps[0].tool if outcome.plan else None
    assert first != "diagnose" and (tool is None or first == tool)


def test_the_question_is_the_first_resource_named() -> None:
    assert question_of("why is the disk full and memory low") == "disk"
    assert question_of("why so slow") == "slow"


# In addition to the real situations above: what a real test cannot make on a shared machine
# (memory running out, a saturated link, a stolen CPU), as evidence built by hand.
def _evidence(**fields: object) -> Evidence:
    base: dict[str, object] = {
        "sample_s": 0.5,
        "cores": 4,
        "load": (0.5, 0.5, 0.5),
        "memory_total": 8 * 2**30,
        "memory_available": 6 * 2**30,
        "memory_percent": 25.0,
        "procs": [Proc(100, 1, "db", "u", 5.0, 2**30, 10, "sleeping")],
    }
    return Evidence(**{**base, **fields})  # type: ignore[arg-type]


def test_memory_running_out_names_the_biggest_process_and_offers_to_kill_it() -> None:
    ev = _evidence(
        memory_available=2**28, memory_percent=97.0, swap_io_per_s=8 * 2**20,
        pressure={"memory some": 30.0},
    )  # fmt: skip
    first = rank_causes("memory", ev)[0]
    assert (first.kind, first.pid, first.severity) == ("memory_pressure", 100, 92.0)
    assert "swapping 8.0 MiB/s" in first.evidence
    assert [r.say for r in first.remedies] == ["kill 100"]


def test_load_without_one_process_to_blame_is_an_overload_and_a_hog_is_not() -> None:
    many = [Proc(200 + i, 1, "worker", "u", 30.0, 2**20, 1, "running") for i in range(20)]
    assert [c.kind for c in rank_causes("slow", _evidence(load=(12.0, 8.0, 4.0), procs=many))] == [
        "overload"
    ]
    hog = [*many, Proc(300, 1, "spin", "u", 99.0, 2**20, 1, "running")]
    kinds = [c.kind for c in rank_causes("slow", _evidence(load=(12.0, 8.0, 4.0), procs=hog))]
    assert kinds[0] == "cpu_hog" and "overload" not in kinds


def test_steal_and_a_lossy_link_are_named_for_their_questions() -> None:
    ev = _evidence(steal=30.0, nets=[NetDelta("eth0", 120e6, 0, 1000)])
    assert [c.kind for c in rank_causes("slow", ev)] == ["network", "steal"]
    assert [c.headline for c in rank_causes("network", ev)] == ["the interface eth0 is saturated"]
    assert rank_causes("disk", ev) == []
