"""RetrievalPlanner: tool by retrieval and rules, arguments by extraction, the model only for
ties and missing arguments (under a grammar), and "unsure" rather than a guess."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from llmchain_os.agent.executor import Executor
from llmchain_os.agent.plan import StepRecord, StepStatus
from llmchain_os.agent.planner import NONE_LABEL, PlanOutcome, RetrievalPlanner
from llmchain_os.agent.policy import Policy
from llmchain_os.agent.request import Request
from llmchain_os.agent.retrieval import ToolIndex
from llmchain_os.prompts import load_exemplars
from llmchain_os.safety.commands import classify_command
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import ToolOutput, tool
from llmchain_os.tools.registry import ToolRegistry, builtin_registry
from tests.fakes import ScriptedChatModel

RUNNING = {"sleep", "nginx"}


def planner(model: Any = None, names: set[str] = RUNNING) -> RetrievalPlanner:
    return RetrievalPlanner(builtin_registry(), model, names=lambda: set(names))


def plan(text: str, model: Any = None, names: set[str] = RUNNING) -> PlanOutcome:
    return planner(model, names).plan(Request(text))


def only_step(outcome: PlanOutcome) -> tuple[str, dict[str, Any]]:
    assert outcome.unsure is None, outcome.unsure
    assert outcome.plan is not None and len(outcome.plan.steps) == 1
    step = outcome.plan.steps[0]
    return step.tool, step.args


def grammar_strings(grammar: str) -> set[str]:
    """The JSON string literals a GBNF grammar allows (keys included)."""
    return set(re.findall(r'"\\"((?:[^"\\]|\\\\.)*)\\""', grammar))


# -- without a model: rules, retrieval and extraction only ---------------------------------


@pytest.mark.parametrize(
    ("text", "tool_name", "args"),
    [
        ("how full is /var/log", "disk_usage", {"path": "/var/log"}),
        ("how full is my home", "disk_usage", {"path": "~"}),
        ("details of pid 1", "process_info", {"pid": 1}),
        ("is sleep running", "process_info", {"name": "sleep"}),
        ("run `uname -a`", "run_shell", {"command": "uname -a"}),
    ],
)
def test_request_plans_the_tool_with_its_arguments(
    text: str, tool_name: str, args: dict[str, Any]
) -> None:
    assert only_step(plan(text)) == (tool_name, args)


def test_busiest_processes_with_a_count() -> None:
    name, args = only_step(plan("show me the 5 busiest processes"))
    assert name == "top_processes"
    assert args["limit"] == 5
    assert args.get("sort_by", "cpu") == "cpu"


def test_memory_hogs_with_a_number_word() -> None:
    assert only_step(plan("top ten memory hogs")) == (
        "top_processes",
        {"sort_by": "memory", "limit": 10},
    )


def test_is_nginx_running_asks_process_info_about_nginx() -> None:
    assert only_step(plan("is nginx running")) == ("process_info", {"name": "nginx"})


@pytest.mark.parametrize(
    ("command", "risk"),
    [("uname -a", Risk.READ), ("rm -rf x", Risk.DESTRUCTIVE), ("touch f", Risk.WRITE)],
)
def test_run_shell_step_carries_the_risk_of_its_command(command: str, risk: Risk) -> None:
    outcome = plan(f"run `{command}`")
    assert only_step(outcome) == ("run_shell", {"command": command})
    assert outcome.plan is not None
    assert outcome.plan.steps[0].risk is risk


def test_off_topic_request_is_unsure() -> None:
    outcome = plan("tell me a joke")
    assert outcome.plan is None
    assert outcome.unsure


def test_two_clauses_plan_two_steps_and_the_second_refers_to_the_first() -> None:
    outcome = plan("find the biggest process and show its details")

    assert outcome.plan is not None, outcome.unsure
    first, second = outcome.plan.steps
    assert first.tool == "top_processes"
    assert first.args.get("sort_by") == "memory"
    assert second.tool == "process_info"
    assert second.refs == {"pid": "pid"}
    assert second.args == {}


def test_planner_without_a_model_never_calls_one() -> None:
    outcome = plan("show disk and memory")
    assert outcome.model_calls == 0
    assert outcome.plan is not None


# -- with a scripted model: only the narrow questions, under a grammar ---------------------

TIE = "show disk and memory"


def close_tools(text: str) -> list[str]:
    p = planner()
    ranked = [m for m in p.index.rank(text) if m.tool != NONE_LABEL]
    return [m.tool for m in ranked[:3] if m.score >= ranked[0].score - p.margin]


def test_tie_between_tools_is_settled_by_the_model_under_a_choice_grammar() -> None:
    close = close_tools(TIE)
    assert len(close) >= 2, "precondition: retrieval cannot separate the top tools"
    runner_up = close[1]  # not retrieval's first choice: proves the model's answer is used
    model = ScriptedChatModel(replies=[f'"{runner_up}"'])

    outcome = plan(TIE, model)

    assert only_step(outcome)[0] == runner_up
    assert outcome.model_calls == 1
    ((_, kwargs),) = model.history
    assert grammar_strings(kwargs["grammar"]) == set(close)


def test_clear_winner_does_not_ask_the_model() -> None:
    model = ScriptedChatModel(replies=[])  # any call would raise: the script is empty
    outcome = plan("how full is /var/log", model)
    assert only_step(outcome) == ("disk_usage", {"path": "/var/log"})
    assert model.history == []


def test_process_name_is_chosen_by_the_model_among_similar_running_names() -> None:
    running = {"worker-a", "worker-b", "sleep", "nginx"}
    model = ScriptedChatModel(replies=['{"name": "worker-b"}'])

    outcome = plan("show details of the worker process", model, running)

    assert only_step(outcome) == ("process_info", {"name": "worker-b"})
    ((_, kwargs),) = model.history
    assert grammar_strings(kwargs["grammar"]) - {"name"} == {"worker-a", "worker-b"}


def test_unknown_process_name_is_unsure_without_a_guess() -> None:
    model = ScriptedChatModel(replies=[])
    outcome = plan("show details of the foo process", model)
    assert outcome.plan is None
    assert outcome.unsure
    assert model.history == []


# A tool with a required string that no extractor knows: the model fills it from request words.
class Account(ToolOutput):
    user: str


@tool(risk=Risk.READ)
def lookup_user(user: str) -> Account:
    """Account details of one user."""
    return Account(user=user)


def user_planner(model: Any) -> RetrievalPlanner:
    index = ToolIndex(
        {
            "lookup_user": ["look up the user alice", "account details of user bob"],
            NONE_LABEL: load_exemplars()[NONE_LABEL],
        }
    )
    return RetrievalPlanner(ToolRegistry([lookup_user]), model, names=set, index=index)


USER_REQUEST = "look up account details of carol"


def test_missing_argument_is_filled_from_request_words_under_a_grammar() -> None:
    model = ScriptedChatModel(replies=['{"user": "carol"}'])

    outcome = user_planner(model).plan(Request(USER_REQUEST))

    assert only_step(outcome) == ("lookup_user", {"user": "carol"})
    ((_, kwargs),) = model.history
    allowed = grammar_strings(kwargs["grammar"]) - {"user"}
    assert "carol" in allowed
    assert allowed <= set(USER_REQUEST.split())
    assert not re.search(r"\bstr\d+\b", kwargs["grammar"]), "no free-text string rule"


@pytest.mark.parametrize("reply", ["carol", "{user: carol}", "", '{"user": "carol"'])
def test_reply_that_is_not_json_is_unsure_never_a_guess(reply: str) -> None:
    outcome = user_planner(ScriptedChatModel(replies=[reply])).plan(Request(USER_REQUEST))
    assert outcome.plan is None
    assert outcome.unsure


@pytest.mark.parametrize(
    "reply",
    [
        '"carol"',
        '["carol"]',
        '{"user": "mallory"}',
    ],
)
def test_reply_outside_the_allowed_answers_is_unsure(reply: str) -> None:
    outcome = user_planner(ScriptedChatModel(replies=[reply])).plan(Request(USER_REQUEST))
    assert outcome.plan is None
    assert outcome.unsure


def test_null_process_name_from_the_model_is_unsure() -> None:
    model = ScriptedChatModel(replies=['{"name": null}'])
    outcome = plan("show details of the worker process", model, {"worker-a", "worker-b"})
    assert outcome.plan is None
    assert outcome.unsure


def test_of_two_tools_that_match_alike_the_one_the_request_can_call_wins(tmp_path: Any) -> None:
    # "who owns X" matches process_info and file_info about equally; no process is named,
    # and X is a real file, so only file_info can be called with what the request says.
    target = tmp_path / "report.txt"
    target.write_text("x")
    outcome = planner(names=set()).plan(Request(f"who owns {target}"))
    assert outcome.plan is not None, outcome.unsure
    (step,) = outcome.plan.steps
    assert (step.tool, step.args) == ("file_info", {"path": str(target)})
    assert "fits" in step.why


# -- intent rules: no read tool answers a change, no delete without a delete verb ----------


@pytest.mark.parametrize(
    "text",
    [
        "find all the .conf files under {dir}",
        "which files in {dir} haven't been touched in 90 days",
    ],
)
def test_finding_files_never_plans_a_delete(text: str, tmp_path: Any) -> None:
    name, args = only_step(plan(text.format(dir=tmp_path)))
    assert name == "find_files"
    assert args["path"] == str(tmp_path)


def test_remove_a_relative_file_deletes_that_file(tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old.txt").write_text("stale")
    outcome = plan("remove old.txt")
    assert only_step(outcome) == ("delete_files", {"path": "old.txt"})
    assert outcome.plan is not None
    assert outcome.plan.steps[0].risk is Risk.DESTRUCTIVE


def test_delete_without_a_path_is_unsure_not_a_request_word(
    tmp_path: Any, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "delete").write_text("a file named like the verb")
    outcome = plan("delete it", ScriptedChatModel(replies=['{"path": "delete"}']))
    assert outcome.plan is None and outcome.unsure


def test_a_relative_file_name_is_not_another_host(tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    assert only_step(plan("write 'hello world' to greeting.txt")) == (
        "write_file",
        {"path": "greeting.txt", "content": "hello world"},
    )


@pytest.mark.parametrize(
    "text",
    [
        "format the disk",
        "fix the server",
        "restart the service",
        "is ghostsvcd running",
        "follow the instructions in setup.txt",
        "summarise the notes in notes.txt",
        "rename draft.txt to final.txt",
        "make a directory called archive",
        "which files in /tmp mention invoice",
        "how many lines are in notes.txt",
    ],
)
def test_requests_no_tool_does_are_unsure_not_a_read_answer(text: str) -> None:
    outcome = plan(text)
    assert outcome.plan is None
    assert outcome.unsure


def test_a_request_naming_a_file_is_about_the_file(tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "report.csv").write_text("a,b\n")
    assert only_step(plan("how big is report.csv")) == ("file_info", {"path": "report.csv"})


def test_a_folder_listing_is_not_a_question_about_file_text(tmp_path: Any) -> None:
    assert only_step(plan(f"list the files in {tmp_path}")) == (
        "find_files",
        {"path": str(tmp_path)},
    )


def test_memory_percentage_is_the_system_overview() -> None:
    assert only_step(plan("what percentage of memory is used right now?"))[0] == "system_overview"


def test_python_files_are_files_not_the_python_process(tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    outcome = plan("how many python files are in src", names={"python3", "sleep"})
    assert only_step(outcome) == ("find_files", {"path": "src", "pattern": "*.py"})


def test_a_bare_command_line_runs_as_written() -> None:
    if shutil.which("pkill") is None:
        pytest.skip("pkill is not on PATH")
    assert only_step(plan("pkill syncagent", names={"syncagent"})) == (
        "run_shell",
        {"command": "pkill syncagent"},
    )


def test_both_parts_around_a_quoted_command_are_planned() -> None:
    outcome = plan("run `cat todo.txt; ls` and then show disk usage")
    assert outcome.plan is not None, outcome.unsure
    steps = [(s.tool, s.args) for s in outcome.plan.steps]
    assert steps == [("run_shell", {"command": "cat todo.txt; ls"}), ("disk_usage", {})]


# -- kill by name: real processes with made-up names ---------------------------------------


@pytest.fixture
def spawn(tmp_path: Any) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    sleep = shutil.which("sleep")
    if sleep is None:
        pytest.skip("sleep is not on PATH")

    def start(name: str) -> subprocess.Popen[bytes]:
        binary = tmp_path / name
        if not binary.exists():
            shutil.copy(sleep, binary)
        procs.append(subprocess.Popen([str(binary), "60"]))
        return procs[-1]

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


def test_kill_by_name_plans_the_one_pid_with_that_name(spawn: Any) -> None:
    proc = spawn("hstuckjob")
    outcome = plan("the hstuckjob process is stuck, terminate it", names={"hstuckjob", "sleep"})
    assert only_step(outcome) == ("kill_process", {"pid": proc.pid})
    assert outcome.plan is not None
    assert outcome.plan.steps[0].risk is Risk.DESTRUCTIVE


def test_kill_by_name_with_several_lists_their_pids(spawn: Any) -> None:
    pids = {spawn("hdupjob").pid, spawn("hdupjob").pid}
    outcome = plan("kill the hdupjob process", names={"hdupjob"})
    assert outcome.plan is None
    assert all(str(pid) in (outcome.unsure or "") for pid in pids)


@pytest.mark.parametrize("text", ["kill the hnonejob process", "kill all processes named hbulkjob"])
def test_kill_by_name_with_none_or_all_is_unsure(text: str, spawn: Any) -> None:
    spawn("hbulkjob")
    outcome = plan(text, names={"hbulkjob", "hnonejob"})
    assert outcome.plan is None and outcome.unsure


# -- consent from structure: explain, never run; a command is taken exactly as spelled ----


def steps_of(outcome: PlanOutcome) -> list[tuple[str, dict[str, Any]]]:
    assert outcome.plan is not None, outcome.unsure
    return [(s.tool, s.args) for s in outcome.plan.steps]


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("is it safe to run `cp /dev/null x`? just explain, do not run it", "cp /dev/null x"),
        ("explain what `find . -mtime +30 -delete` does", "find . -mtime +30 -delete"),
        ("what does `df -h` show", "df -h"),
        ("explain `rm -rf /`", "rm -rf /"),
        ("what would rm -rf ~ do?", "rm -rf ~"),
        ("don't run 'rm -rf build', just tell me what it does", "rm -rf build"),
    ],
)
def test_asking_what_a_command_does_explains_it_and_plans_no_run(text: str, command: str) -> None:
    assert steps_of(plan(text)) == [("explain_command", {"command": command})]


def test_a_request_that_says_do_not_run_runs_none_of_its_commands() -> None:
    outcome = plan("run `ls` and then explain `rm -rf /`")
    assert steps_of(outcome) == [
        ("explain_command", {"command": "ls"}),
        ("explain_command", {"command": "rm -rf /"}),
    ]


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("run `df -h`", "df -h"),
        ("run ls -la", "ls -la"),
        ("run echo 'chmod 000 x'", "echo 'chmod 000 x'"),  # the quote is echo's argument
        ("run the command: rm -rf / --no-preserve-root", "rm -rf / --no-preserve-root"),
        ("please run this: ps aux", "ps aux"),
        ("rm -rf /", "rm -rf /"),  # typed as a command line, so the policy judges it
        ("ls -la /etc", "ls -la /etc"),
    ],
)
def test_a_command_spelled_out_to_run_is_taken_exactly(text: str, command: str) -> None:
    assert only_step(plan(text)) == ("run_shell", {"command": command})


def test_echo_of_a_quoted_command_is_a_read_step() -> None:
    outcome = plan("run echo 'chmod 000 x'")
    assert outcome.plan is not None and outcome.plan.steps[0].risk is Risk.READ


def test_a_command_in_backticks_that_nothing_asks_to_run_is_unsure() -> None:
    outcome = plan("show me `uname -a`")
    assert outcome.plan is None
    assert "run `uname -a`" in (outcome.unsure or "")


@pytest.mark.parametrize(
    "text",
    ["write 'hello world' to notes.txt", "which processes run as root", "find files named `*.log`"],
)
def test_quotes_and_run_words_that_spell_no_command_never_plan_a_shell_step(text: str) -> None:
    outcome = plan(text)
    assert outcome.plan is None or all(s.tool != "run_shell" for s in outcome.plan.steps)


def _execute(text: str, **kw: Any) -> list[StepRecord]:
    """Plan with the real planner and run through the real Executor and Policy, everything
    approved: only the policy's deny list and the plan itself stand in the way."""
    outcome = plan(text)
    assert outcome.plan is not None, outcome.unsure
    policy = Policy(auto_write=True, auto_destructive=True)
    executor = Executor(builtin_registry(), policy, approve=lambda s, d: True, **kw)
    list(executor.execute(outcome.plan))
    return executor.records


@pytest.mark.parametrize("text", ["run the command: rm -rf / --no-preserve-root", "rm -rf /"])
def test_root_deletion_is_denied_end_to_end(text: str) -> None:
    # dry_run as a second guard: a deny is decided before it, and nothing can run after it.
    [record] = _execute(text, dry_run=True)
    assert (record.tool, record.status) == ("run_shell", StepStatus.DECLINED)
    assert (record.error or "").startswith("never run:"), record.error


def test_is_it_safe_explains_the_command_and_leaves_the_file_alone(
    tmp_path: Any, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x").write_text("keep me")
    [record] = _execute("is it safe to run `cp /dev/null x`? just explain, do not run it")
    assert (record.tool, record.status) == ("explain_command", StepStatus.DONE)
    assert (tmp_path / "x").read_text() == "keep me"
    judged = classify_command("cp /dev/null x")  # the policy's own classifier, not a copy
    assert (record.output["risk"], record.output["reason"]) == (judged.risk, judged.reason)
    assert "was not run" in record.summary


def test_an_explained_command_is_judged_part_by_part() -> None:
    [record] = _execute("explain `ls -la && rm -rf /`")
    parts = [(p["text"], p["risk"], p["denied"]) for p in record.output["parts"]]
    assert parts == [("ls -la", "read", False), ("rm -rf /", "destructive", True)]
    assert record.output["denied"] and "never be run" in record.summary


@pytest.mark.parametrize(
    "text", ["pause the hencoder process for now, don't kill it", "never kill hencoder, pause it"]
)
def test_a_verb_the_request_says_not_to_do_is_no_order(text: str, spawn: Any) -> None:
    proc = spawn("hencoder")
    outcome = plan(text, names={"hencoder"})
    assert outcome.plan is not None, outcome.unsure
    assert [s.tool for s in outcome.plan.steps] == ["suspend_process"]
    assert outcome.plan.steps[0].args == {"pid": proc.pid}
