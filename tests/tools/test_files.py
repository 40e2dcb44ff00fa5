"""File tools on real files in tmp_path: the effect asked about, the trash, and /undo."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from llmchain_os import api, cli
from llmchain_os.agent.events import Event, EventKind
from llmchain_os.agent.executor import Executor
from llmchain_os.agent.plan import Plan, Step, StepStatus
from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.policy import Decision, Policy
from llmchain_os.agent.request import Request
from llmchain_os.errors import ToolError
from llmchain_os.repl.render import Renderer
from llmchain_os.safety.risk import Risk
from llmchain_os.safety.trash import list_batches
from llmchain_os.tools.base import Tool
from llmchain_os.tools.deletion import rm_effect
from llmchain_os.tools.registry import builtin_registry

REGISTRY = builtin_registry()
DAY = 86400


def tool(name: str) -> Tool:
    return REGISTRY.get(name)


def make(path: Path, size: int, age_days: float = 0, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    path.chmod(mode)
    when = time.time() - age_days * DAY
    os.utime(path, (when, when))
    return path


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    """Two old logs (1,500 + 2,500 bytes), one new log, and an old file of another kind."""
    folder = tmp_path / "logs"
    make(folder / "a.log", 1500, age_days=40)
    make(folder / "b.log", 2500, age_days=31, mode=0o600)
    make(folder / "new.log", 700)
    make(folder / "keep.txt", 300, age_days=90)
    return folder


class Asked:
    """An approver that says yes and keeps the question it was asked."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.questions: list[str] = []
        self.decisions: list[Decision] = []

    def __call__(self, step: Step, decision: Decision) -> bool:
        self.decisions.append(decision)
        self.questions.append(decision.prompt(step))
        return self.answer


def run(step: Step, approve: Asked) -> list[Event]:
    return list(Executor(REGISTRY, Policy(), approve).execute(Plan(steps=[step])))


def test_delete_by_pattern_and_age_asks_with_the_real_effect_then_undo_restores(
    logs: Path,
) -> None:
    before = {p: (p.read_bytes(), p.stat().st_mode, p.stat().st_mtime) for p in logs.iterdir()}
    asked = Asked()
    step = Step(
        tool="delete_files",
        args={"path": str(logs), "pattern": "*.log", "older_than_days": 30},
        risk=tool("delete_files").assess(tool("delete_files").parse_args({"path": str(logs)})).risk,
    )

    events = run(step, asked)

    (question,) = asked.questions
    assert question.startswith(f"Delete 2 files, 3.9 KiB, under {logs}?")  # 4,000 bytes
    assert "destructive" in question
    assert question.endswith("They go to the trash; /undo restores them.")
    assert events[-1].kind is EventKind.STEP_DONE
    assert sorted(p.name for p in logs.iterdir()) == ["keep.txt", "new.log"]
    (batch,) = list_batches()
    assert sorted(Path(e.original).name for e in batch.entries) == ["a.log", "b.log"]

    lines = api.undo_last()

    assert lines[0].startswith("Undo of delete_files")
    assert sum("restored" in line for line in lines) == 2
    after = {p: (p.read_bytes(), p.stat().st_mode, p.stat().st_mtime) for p in logs.iterdir()}
    assert after == before


def test_declined_delete_changes_nothing(logs: Path) -> None:
    run(Step(tool="delete_files", args={"path": str(logs / "a.log")}), Asked(answer=False))
    assert (logs / "a.log").exists()
    assert list_batches() == []


def test_glob_path_recursive_pattern_and_single_path_effects(tmp_path: Path) -> None:
    make(tmp_path / "build" / "x.tmp", 100)
    make(tmp_path / "build" / "deep" / "y.tmp", 200)
    make(tmp_path / "build" / "z.c", 50)
    delete = tool("delete_files")

    flat = delete.parse_args({"path": str(tmp_path / "build" / "*.tmp")})
    deep = delete.parse_args(
        {"path": str(tmp_path / "build"), "pattern": "*.tmp", "recursive": True}
    )
    whole = delete.parse_args({"path": str(tmp_path / "build"), "recursive": True})

    assert delete.describe(flat) == f"delete {tmp_path / 'build' / 'x.tmp'} (100 B)"
    assert delete.describe(deep) == f"delete 2 files, 300 B, under {tmp_path / 'build'}"
    assert (
        delete.describe(whole) == f"delete the folder {tmp_path / 'build'} (350 B, 3 files inside)"
    )
    delete.call(deep)
    assert sorted(p.name for p in (tmp_path / "build").rglob("*")) == ["deep", "z.c"]

    nested = delete.parse_args({"path": str(tmp_path / "build" / "**"), "recursive": True})
    assert (
        delete.describe(nested) == f"delete the folder {tmp_path / 'build'} (50 B, 1 file inside)"
    )


def test_a_folder_without_pattern_or_recursive_is_refused(tmp_path: Path) -> None:
    make(tmp_path / "d" / "f", 1)
    delete = tool("delete_files")
    with pytest.raises(ToolError, match="is a folder"):
        delete.call(delete.parse_args({"path": str(tmp_path / "d")}))
    assert (tmp_path / "d" / "f").exists()


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/", "refusing / itself"),
        ("~", "home directory itself"),
        ("/proc/self/status", "nothing under /proc"),
        ("/sys/kernel", "nothing under /sys"),
        ("/dev/null", "nothing under /dev"),
        ("/no/such/place", "does not exist"),
        ("/no/such/*.log", "does not exist"),
    ],
)
def test_unsafe_or_missing_paths_are_refused_before_anything_runs(path: str, why: str) -> None:
    for name in ("delete_files", "write_file"):
        if name == "write_file" and "such" in path:
            continue
        with pytest.raises(ToolError, match=why):
            tool(name).parse_args(
                {"path": path, **({"content": "x"} if name == "write_file" else {})}
            )


def test_the_trash_itself_cannot_be_deleted(tmp_path: Path) -> None:
    victim = make(tmp_path / "x", 10)
    delete = tool("delete_files")
    delete.call(delete.parse_args({"path": str(victim)}))
    root = Path(os.environ["XDG_DATA_HOME"]) / "llmchain-os" / "trash"
    with pytest.raises(ToolError, match="holds the trash"):
        delete.call(delete.parse_args({"path": str(root.parent), "recursive": True}))


def test_overwrite_keeps_the_old_version_and_undo_restores_it(tmp_path: Path) -> None:
    conf = make(tmp_path / "app.conf", 0, age_days=2, mode=0o600)
    conf.write_text("port=1\n" * 3)
    os.utime(conf, (1_700_000_000, 1_700_000_000))
    asked = Asked()

    run(Step(tool="write_file", args={"path": str(conf), "content": "a\nb\nc\n"}), asked)

    day = time.strftime("%Y-%m-%d", time.localtime(1_700_000_000))
    assert asked.questions[0].startswith(f"Overwrite {conf} (21 B, modified {day}) with 3 lines?")
    assert "/undo restores it" in asked.questions[0]
    assert conf.read_text() == "a\nb\nc\n" and conf.stat().st_mode & 0o777 == 0o600

    assert any("restored" in line for line in api.undo_last())
    assert conf.read_text() == "port=1\n" * 3
    assert conf.stat().st_mtime == 1_700_000_000


def test_create_and_append_are_undone_too(tmp_path: Path) -> None:
    write = tool("write_file")
    notes = tmp_path / "notes.txt"
    args = write.parse_args({"path": str(notes), "content": "one\ntwo"})
    assert write.describe(args) == f"create {notes} with 2 lines"
    write.call(args)
    more = write.parse_args({"path": str(notes), "content": "three\n", "append": True})
    assert write.describe(more).startswith(f"append 1 line to {notes} (7 B, modified ")
    write.call(more)
    assert notes.read_text() == "one\ntwothree\n"

    api.undo_last()
    assert notes.read_text() == "one\ntwo"
    assert any("removed" in line for line in api.undo_last())
    assert not notes.exists()


def test_write_refuses_a_symlink_and_a_missing_folder(tmp_path: Path) -> None:
    write = tool("write_file")
    (tmp_path / "real").write_text("r")
    (tmp_path / "link").symlink_to("real")
    with pytest.raises(ToolError, match="not a plain file"):
        write.call(write.parse_args({"path": str(tmp_path / "link"), "content": "x"}))
    with pytest.raises(ToolError, match="not an existing folder"):
        write.parse_args({"path": str(tmp_path / "nope" / "f"), "content": "x"})
    assert (tmp_path / "real").read_text() == "r"


def test_find_files_orders_by_size_or_time_and_shows_as_many_as_asked(tmp_path: Path) -> None:
    for age, (name, size) in enumerate([("mid", 20), ("big", 300), ("tiny", 1), ("old", 50)]):
        path = tmp_path / name
        path.write_bytes(b"x" * size)
        os.utime(path, (time.time() - age * 86400, time.time() - age * 86400))
    find = tool("find_files")

    def names(**args: object) -> list[str]:
        found = find.call(find.parse_args({"path": str(tmp_path), **args}))
        return [Path(f.path).name for f in found.files]  # type: ignore[attr-defined]

    assert names() == ["big", "old", "mid", "tiny"]
    assert names(order="smallest", limit=1) == ["tiny"]
    assert names(order="newest", limit=2) == ["mid", "big"]
    assert names(order="oldest") == ["old", "tiny", "big", "mid"]
    one = find.call(find.parse_args({"path": str(tmp_path), "order": "oldest", "limit": 1}))
    assert one.summary().endswith(
        f"1 shown; the oldest is {tmp_path / 'old'} (modified "
        f"{time.strftime('%Y-%m-%d', time.localtime(time.time() - 3 * 86400))})."
    )


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("whats the bigest file in this folder", {"order": "largest", "limit": 1}),
        ("which file in data is the smalest?", {"order": "smallest", "limit": 1}),
        ("show the 3 most recently modified files", {"order": "newest", "limit": 3}),
        ("what are the largest files in /tmp", {"path": "/tmp", "order": "largest"}),
        ("find files bigger than 100MB in /var", {"path": "/var", "larger_than": "100MB"}),
    ],
)
def test_find_files_reads_which_files_first_and_how_many(
    text: str, args: dict[str, object]
) -> None:
    from llmchain_os.reading.world import FixedWorld
    from llmchain_os.tools.card import Clause

    card = tool("find_files").card
    assert card.extract is not None
    assert card.extract(Clause(text, FixedWorld())) == args


def test_find_files_by_size_and_age_and_file_info(logs: Path) -> None:
    find = tool("find_files")
    big = find.call(find.parse_args({"path": str(logs.parent), "larger_than": "1K"}))
    assert [Path(f.path).name for f in big.files] == ["b.log", "a.log"]  # type: ignore[attr-defined]
    assert big.summary().startswith("2 files matching * under")
    old = find.call(find.parse_args({"path": str(logs), "older_than_days": 35}))
    assert sorted(Path(f.path).name for f in old.files) == ["a.log", "keep.txt"]  # type: ignore[attr-defined]
    assert find.risk_label == "read" and find.undo == ""

    info = tool("file_info").call(tool("file_info").parse_args({"path": str(logs)}))
    assert info.summary().startswith(f"{logs} is a folder of 4.9 KiB, 4 files inside, mode 0o755")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("rm {d}/a.log {d}/b.log", "delete 2 files, 3.9 KiB, under {d}"),
        ("rm -f {d}/*.log", "delete 3 files, 4.6 KiB, under {d}"),
        ("rm -rf -- {d}", "delete the folder {d} (4.9 KiB, 4 files inside)"),
        ("rm {d}", "delete nothing: no file matches"),  # a folder without -r is not removed
        ("rm {d}/a.log; ls", ""),
        ("rm $(cat list)", ""),
        ("rm --no-preserve-root {d}", ""),
        ("ls {d}", ""),
    ],
)
def test_a_plain_rm_gets_the_same_effect(logs: Path, command: str, expected: str) -> None:
    assert rm_effect(command.format(d=logs)) == expected.format(d=logs)


def test_run_shell_rm_question_shows_the_effect_and_that_it_cannot_be_undone(logs: Path) -> None:
    asked = Asked(answer=False)
    command = f"rm {logs}/a.log"
    run(
        Step(
            tool="run_shell",
            args={"command": command},
            risk=REGISTRY.risk_of("run_shell", {"command": command}),
        ),
        asked,
    )
    (question,) = asked.questions
    assert question.startswith(f"Run {command} - delete {logs}/a.log (1.5 KiB)?")
    assert question.endswith("This cannot be undone.")


def test_dry_run_reports_the_effect(logs: Path) -> None:
    step = Step(tool="delete_files", args={"path": str(logs / "a.log")})
    events = list(Executor(REGISTRY, Policy(), dry_run=True).execute(Plan(steps=[step])))
    assert f"delete {logs / 'a.log'} (1.5 KiB)" in events[-1].text
    assert (logs / "a.log").exists()


def plan_of(text: str) -> tuple[str, dict[str, object]]:
    outcome = RetrievalPlanner(REGISTRY, names=lambda: set()).plan(Request(text))
    assert outcome.plan is not None, outcome.unsure
    (step,) = outcome.plan.steps
    return step.tool, step.args


def test_planner_reads_file_requests_into_arguments(tmp_path: Path) -> None:
    (tmp_path / "x" / "logs").mkdir(parents=True)
    (tmp_path / "build").mkdir()
    assert plan_of(f"delete the log files older than 30 days in {tmp_path}/x/logs") == (
        "delete_files",
        {"path": f"{tmp_path}/x/logs", "pattern": "*.log", "older_than_days": 30},
    )
    assert plan_of(f"remove *.tmp under {tmp_path}/build") == (
        "delete_files",
        {"path": f"{tmp_path}/build", "pattern": "*.tmp", "recursive": True},
    )
    assert plan_of("find files bigger than 100MB in /var") == (
        "find_files",
        {"path": "/var", "larger_than": "100MB"},
    )
    assert plan_of(f'write "hello there" to {tmp_path}/notes.txt') == (
        "write_file",
        {"path": f"{tmp_path}/notes.txt", "content": "hello there"},
    )


def test_planner_takes_a_delete_order_as_delete_files(tmp_path: Path) -> None:
    make(tmp_path / "logs" / "a.log", 1)
    assert plan_of(f"delete {tmp_path}/logs/a.log") == (
        "delete_files",
        {"path": f"{tmp_path}/logs/a.log"},
    )
    assert plan_of(f"delete everything in {tmp_path}/logs") == (
        "delete_files",
        {"path": f"{tmp_path}/logs", "pattern": "*", "recursive": True},
    )
    assert plan_of(f"remove the folder {tmp_path}/logs") == (
        "delete_files",
        {"path": f"{tmp_path}/logs", "recursive": True},
    )
    assert plan_of(f"how much space is left in {tmp_path}")[0] == "disk_usage"


def test_planner_sends_kill_requests_to_kill_process() -> None:
    assert plan_of("kill process 4242") == ("kill_process", {"pid": 4242})
    assert plan_of("force kill pid 4243") == ("kill_process", {"pid": 4243, "force": True})
    assert plan_of("kill -9 4244") == ("run_shell", {"command": "kill -9 4244"})  # spelled out
    assert plan_of("what will get OOM killed first? top 10 by mem")[0] == "top_processes"
    assert plan_of("show details of process 4242")[0] == "process_info"


def test_planner_is_unsure_about_a_file_that_is_not_there() -> None:
    outcome = RetrievalPlanner(REGISTRY, names=lambda: set()).plan(
        Request("delete the log files in /no/such/dir")
    )
    assert outcome.plan is None and outcome.unsure is not None
    assert "does not exist" in outcome.unsure


def test_plan_says_which_steps_cannot_be_undone(tmp_path: Path) -> None:
    out = io.StringIO()
    renderer = Renderer(Console(file=out, width=200, color_system=None))
    steps = [
        Step(tool="delete_files", args={"path": "x"}, risk=Risk.DESTRUCTIVE, undo="trash"),
        Step(tool="run_shell", args={"command": "rm x"}, risk=Risk.DESTRUCTIVE),
        Step(tool="disk_usage", args={}, risk=Risk.READ),
    ]
    renderer.render(Event(kind=EventKind.PLAN, data={"plan": [s.public() for s in steps]}))
    first, second, third = out.getvalue().splitlines()
    assert "(/undo restores)" in first and "cannot be undone" not in first
    assert "cannot be undone" in second
    assert "undo" not in third
    assert [s.public().get("undoable") for s in steps] == [True, False, None]


@pytest.fixture
def deleted(tmp_path: Path) -> Iterator[Path]:
    victim = make(tmp_path / "gone.txt", 10)
    delete = tool("delete_files")
    delete.call(delete.parse_args({"path": str(victim)}))
    yield victim


def test_llmos_undo_lists_and_restores(deleted: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["undo", "--list"]) == 0
    listing = capsys.readouterr().out
    assert "delete_files: delete" in listing and str(deleted) in listing

    assert cli.main(["undo"]) == 0
    assert f"restored {deleted}" in capsys.readouterr().out
    assert deleted.exists()
    assert cli.main(["undo"]) == 0
    assert "nothing to undo" in capsys.readouterr().out


def test_slash_undo_in_the_shell(deleted: Path) -> None:
    from prompt_toolkit.history import InMemoryHistory

    from llmchain_os.repl.commands import run_slash

    out = io.StringIO()
    session = api.Session.__new__(api.Session)  # /undo needs no model or settings
    assert run_slash("/undo", session, Console(file=out, width=200), InMemoryHistory())
    assert f"restored {deleted}" in out.getvalue()
    assert deleted.exists()


def test_step_status_is_done_for_an_empty_match(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    events = run(
        Step(tool="delete_files", args={"path": str(tmp_path / "empty"), "pattern": "*.log"}),
        Asked(),
    )
    assert StepStatus(events[-1].data["status"]) is StepStatus.DONE
    assert events[-1].text == "Nothing matched, so nothing was deleted."
    assert list_batches() == []


def test_the_shell_asks_with_the_effect_deletes_on_yes_and_slash_undo_restores(
    logs: Path, tmp_path: Path
) -> None:
    """The real REPL on pipe input; a scripted model that is never asked (retrieval plans)."""
    from llmchain_os.config import Settings
    from tests.fakes import ScriptedChatModel
    from tests.helpers import drive

    session = api.Session(
        Settings(n_threads=1, planner="retrieval", answer="facts"), model=ScriptedChatModel()
    )
    keys = [f"delete the log files older than 30 days in {logs}\n", "y\n", "/undo\n", "\x04"]
    code, text = drive(session, tmp_path / "h", *keys)
    assert code == 0

    assert "delete_files(" in text and "(/undo restores)" in text
    assert "Moved 2 paths (3.9 KiB) to the trash" in text
    assert f"restored {logs / 'a.log'}" in text and f"restored {logs / 'b.log'}" in text
    assert sorted(p.name for p in logs.iterdir()) == ["a.log", "b.log", "keep.txt", "new.log"]


def test_overwriting_a_file_is_destructive_so_yes_alone_does_not_approve_it(tmp_path: Path) -> None:
    existing = tmp_path / "app.conf"
    existing.write_text("port = 80\n")
    write = tool("write_file")
    overwrite = write.assess(write.parse_args({"path": str(existing), "content": "x"}))
    append = write.assess(write.parse_args({"path": str(existing), "content": "x", "append": True}))
    create = write.assess(write.parse_args({"path": str(tmp_path / "new.txt"), "content": "x"}))
    assert overwrite.risk is Risk.DESTRUCTIVE and "overwrites" in overwrite.reason
    assert append.risk is Risk.WRITE and create.risk is Risk.WRITE
    step = Step(tool="write_file", args={"path": str(existing), "content": "x"}, risk=Risk.WRITE)
    executor = Executor(REGISTRY, Policy(auto_write=True))
    list(executor.execute(Plan(steps=[step])))
    assert executor.records[0].status is StepStatus.DECLINED
    assert existing.read_text() == "port = 80\n"


def test_a_plan_says_undo_restores_whoever_built_the_step(tmp_path: Path) -> None:
    # run_tool (llmos jobs rm, scripts) builds its step without the planner: the plan still
    # says what the tool says, not "cannot be undone".
    target = tmp_path / "app.conf"
    target.write_text("port = 80\n")
    session = api.Session(registry=REGISTRY)
    events = list(
        session.run_tool("write_file", {"path": str(target), "content": "x"}, dry_run=True)
    )
    (plan,) = [ev.data["plan"] for ev in events if ev.kind is EventKind.PLAN]
    assert plan[0]["undoable"] is True
    assert target.read_text() == "port = 80\n"


def test_write_through_a_linked_folder_writes_its_real_place(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "via").symlink_to(tmp_path / "real")
    tool = builtin_registry().get("write_file")

    tool.call(tool.parse_args({"path": str(tmp_path / "via" / "n.txt"), "content": "hi"}))

    assert (tmp_path / "real" / "n.txt").read_text() == "hi"
