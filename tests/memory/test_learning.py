"""Learning from memory: the plan cache (a past success's tools, arguments read again from
the new request, still through the policy) and learned exemplars, on the real store, the
real MiniLM model and the real planner."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmchain_os import api
from llmchain_os.agent.events import EventKind
from llmchain_os.agent.learned import REUSE, Past, refill, template
from llmchain_os.agent.request import Request
from llmchain_os.api import Session
from llmchain_os.api.learning import learned
from llmchain_os.config import Settings
from llmchain_os.memory.history import record_feedback, record_request
from llmchain_os.memory.store import forget_shared, memory_dir
from llmchain_os.tools.card import Role
from tests.helpers import drive
from tests.memory.conftest import finished

CTRL_D = "\x04"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with a few files and folders the requests name."""
    work = tmp_path / "work"
    for folder in ("docs", "src"):
        (work / folder).mkdir(parents=True)
        (work / folder / f"{folder}-readme.txt").write_text("one\ntwo\nthree\n")
    (work / "notes.txt").write_text("a\nb\n")
    (work / "todo.md").write_text("x\ny\nz\n")
    monkeypatch.chdir(work)
    yield work
    forget_shared(memory_dir())


def session(learn: bool = True) -> Session:
    return Session(Settings(n_threads=1, index_programs=False), learn=learn)


def plan_event(events: list[api.Event]) -> dict:
    [plan] = [ev.data for ev in events if ev.kind is EventKind.PLAN]
    return plan


def test_a_command_becomes_a_template_of_its_request(here: Path) -> None:
    assert template("wc -l notes.txt", "how many lines are in notes.txt") == "wc -l {FILE}"
    assert refill("wc -l notes.txt", "how many lines are in notes.txt", "lines in todo.md") == (
        "wc -l todo.md"
    )
    # the new request names no file: the old one is never carried over
    assert refill("wc -l notes.txt", "how many lines are in notes.txt", "count lines") is None
    # nor is a number the new request names left out
    assert refill("wc -l notes.txt", "lines in notes.txt", "the first 3 lines of todo.md") is None
    assert template("echo {x}", "echo") is None
    weekday = "date -d '15 march 2024' +%A"
    assert template(weekday, "what weekday was 15 march 2024") == "date -d {DATE} +%A"
    assert refill(weekday, "what weekday was 15 march 2024", "and the 14th of July 1989?") == (
        "date -d '14 july 1989' +%A"
    )


def test_a_reused_plan_reads_its_arguments_from_the_new_request(here: Path) -> None:
    planner = session(learn=False).planner()
    usual = planner.plan(Request(text="how full is the disk that /tmp is on")).plan
    assert usual is not None and usual.source == "retrieval"
    [want] = usual.steps
    past = Past("h-1", "how full is the disk that / is on", [{"tool": want.tool, "args": {}}], 0.97)
    planner.recall = lambda text: [past]
    reused = planner.plan(Request(text="how full is the disk that /tmp is on")).plan
    assert reused is not None and reused.source == "memory"
    [step] = reused.steps
    assert step.tool == want.tool and step.args == want.args  # read again, not the old ones
    assert step.why.startswith("reused the plan of 'how full is the disk that / is on' (h-1")
    # below the line, or with steps that do not fit the request, it is planned as usual
    for other in (Past("h-1", past.request, past.plan, REUSE - 0.01), Past("h-1", "", [], 0.99)):
        planner.recall = lambda text, other=other: [other]
        again = planner.plan(Request(text="how full is the disk that /tmp is on")).plan
        assert again is not None and again.source == "retrieval"


def test_a_reused_command_makes_an_unsure_request_answerable(here: Path) -> None:
    planner = session(learn=False).planner()
    planner._model, planner._load_model = None, None
    assert planner.plan(Request(text="what is in the src folder")).plan is None  # unsure
    plan = [{"tool": "run_shell", "args": {"command": "ls -la -- docs"}}]
    planner.recall = lambda text: [Past("h-3", "what is in the docs folder", plan, 0.96)]
    reused = planner.plan(Request(text="what is in the src folder")).plan
    assert reused is not None and reused.steps[0].args == {"command": "ls -la -- src"}
    # a request that names no folder gets no old folder: the slot's default, as composed
    # commands have it
    bare = planner.plan(Request(text="what is in the folder")).plan
    assert bare is not None and bare.steps[0].args == {"command": "ls -la -- ."}


def test_a_reused_change_still_goes_through_the_policy(here: Path) -> None:
    s = session(learn=False)
    command = s.registry.by_role(Role.COMMAND)
    assert command is not None and command.name == "run_shell"
    (here / "old.log").write_text("old\n")
    (here / "new.log").write_text("new\n")
    plan = [{"tool": command.name, "args": {"command": "rm old.log"}}]
    s.planner().recall = lambda text: [Past("h-2", "delete old.log", plan, 0.98)]
    events = list(s.handle("delete new.log"))  # decline_all: nobody says yes
    data = plan_event(events)
    assert data["source"] == "memory"
    assert data["plan"][0]["args"] == {"command": "rm new.log"}
    assert data["plan"][0]["risk"] != "read"
    declined = [ev for ev in events if ev.kind is EventKind.STEP_DECLINED]
    assert declined and (here / "new.log").exists() and (here / "old.log").exists()


def test_the_shell_reuses_a_past_success_from_memory(here: Path) -> None:
    first = session()
    first.planner()  # as the shell does in the background, before the first request
    events = list(first.handle("show me the files in the docs folder"))
    assert plan_event(events)["source"] != "memory"  # nothing learned yet
    assert any(ev.kind is EventKind.STEP_DONE for ev in events)
    usual = plan_event(events)["plan"][0]["tool"]
    second = session()  # a new shell on the same memory
    events = list(second.handle("show me the files in the src folder"))
    data = plan_event(events)
    assert data["source"] == "memory", data
    assert data["plan"][0]["tool"] == usual
    assert "src" in str(data["plan"][0]["args"]) and "docs" not in str(data["plan"][0]["args"])
    assert "reused the plan of 'show me the files in the docs folder'" in data["plan"][0]["why"]
    [done] = [ev for ev in events if ev.kind is EventKind.STEP_DONE]
    assert "src-readme.txt" in str(done.data) and "docs-readme.txt" not in str(done.data)


def test_bad_feedback_stops_reuse_and_learning(here: Path) -> None:
    first = session()
    list(first.handle("show me the files in the docs folder"))
    assert first.last_request_id is not None
    record_feedback(memory_dir(), first.last_request_id, -1)
    second = session()
    events = list(second.handle("show me the files in the src folder"))
    assert all(ev.data.get("source") != "memory" for ev in events)
    tools = set(second.registry.names())
    assert learned(tools, "run_shell").commands == []


def test_successes_become_exemplars_and_guesses_do_not(here: Path) -> None:
    folder = memory_dir()
    record_request(folder, finished("how roomy is the root disk"))
    wc = finished("how many lines are in notes.txt", tool="run_shell", command="wc -l notes.txt")
    record_request(folder, wc)
    guessed = {**finished("is the disk kind of ok", tool="disk_usage"), "guess": "a best guess"}
    guess_id = record_request(folder, guessed)
    record_request(folder, finished("it broke", ok=False))
    found = learned({"disk_usage", "run_shell"}, "run_shell")
    assert found.tool_examples == {"disk_usage": ["how roomy is the root disk"]}
    assert found.commands == [("how many lines are in notes.txt", "wc -l {FILE}")]
    record_feedback(folder, guess_id, +1)  # the user said the guess was right
    found = learned({"disk_usage", "run_shell"}, "run_shell")
    assert sorted(found.tool_examples["disk_usage"]) == [
        "how roomy is the root disk",
        "is the disk kind of ok",
    ]


def test_a_learned_command_is_composed_for_a_new_request(here: Path) -> None:
    record_request(
        memory_dir(),
        finished(
            "tally the rows of notes.txt please",
            tool="run_shell",
            command="wc -l notes.txt",
        ),
    )
    s = session()
    composer = s.planner().composer
    assert composer is not None
    found = composer.compose("tally the rows of todo.md please")
    assert found and found[0].command == "wc -l todo.md"
    assert found[0].phrasing == "tally the rows of notes.txt please"


def test_memory_that_fails_is_planned_without(here: Path) -> None:
    folder = memory_dir()
    folder.mkdir(parents=True)
    (folder / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    s = session()
    events = list(s.handle("show me the files in the docs folder"))
    assert any(ev.kind is EventKind.STEP_DONE for ev in events)
    assert "llmos memory reset" in s.memory_error


def test_the_shell_says_once_that_it_plans_without_memory(tmp_path: Path, here: Path) -> None:
    folder = memory_dir()
    folder.mkdir(parents=True)
    (folder / "chroma.sqlite3").write_bytes(b"garbage " * 1000)
    shell = Session(Settings(index_programs=False), learn=True)
    _, text = drive(shell, tmp_path / "h", "list the files in docs\n", "/help\n", CTRL_D)
    assert text.count("llmos memory reset") == 1
    assert "docs-readme.txt" in text and "/remember TEXT" in text  # it goes on


def test_a_learned_request_is_an_example_for_its_tool(here: Path) -> None:
    from llmchain_os.agent.learned import Learned
    from llmchain_os.agent.planner import RetrievalPlanner

    s = session(learn=False)
    taught = Learned(tool_examples={"top_processes": ["show me whats hogging the server"]})
    plans = []
    for learned_ in (None, taught):
        composer = s.composer()
        assert composer is not None
        if learned_ is not None:
            composer.learn([], learned_.tool_examples)
        planner = RetrievalPlanner(s.registry, composer=composer, learned=learned_)
        plans.append(planner.plan(Request(text="show me whats hogging the box")).plan)
    assert plans[0] is None  # unsure without it
    assert plans[1] is not None and plans[1].steps[0].tool == "top_processes"
    assert "show me whats hogging the server" in plans[1].steps[0].why
    # its words rank, but are no vocabulary: a name in it stays a name for the other tools
    from llmchain_os.agent.retrieval import ToolIndex

    index = ToolIndex({"a": ["show disk space"]}, {"b": ["stop frobnicatord now"]})
    assert index.rank("stop frobnicatord")[0].tool == "b"
    assert "frobnicatord" not in index.vocabulary_without("a") | index.vocabulary


def test_a_success_is_reused_in_the_same_shell_unless_marked_bad(here: Path) -> None:
    s = session()
    s.planner()
    list(s.handle("show me the files in the docs folder"))
    assert "Marked bad" in api.memory_feedback(s, good=False)
    events = list(s.handle("show me the files in the src folder"))
    assert all(ev.data.get("source") != "memory" for ev in events)  # /bad: not reused
    again = session()  # the /bad one is not learned either; a new success is, at once
    again.planner()
    list(again.handle("show me the files in the docs folder"))
    reused = plan_event(list(again.handle("show me the files in the src folder")))
    assert reused["source"] == "memory"
    assert reused["plan"][0]["args"] == {"command": "ls -la -- src"}
