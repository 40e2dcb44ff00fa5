"""The tool-calling loop: consent for commands the model wrote, one call per history entry,
redacted results for the cloud, and LangChain tools that cannot bypass the policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from llmchain_os import Chain
from llmchain_os.agent.executor import Executor
from llmchain_os.agent.loop import ToolLoop
from llmchain_os.agent.plan import Step
from llmchain_os.agent.policy import CONSENT, Decision, Policy
from llmchain_os.agent.request import Request
from llmchain_os.api import ChainResult, Session
from llmchain_os.config import Settings
from llmchain_os.tools.registry import builtin_registry
from tests.fakes import ScriptedChatModel, tool_call


def scripted(*replies: str | AIMessage) -> tuple[ScriptedChatModel, Session]:
    model = ScriptedChatModel(replies=list(replies))
    return model, Session(Settings(n_threads=1, planner="tools"), model=model)


def sent(model: ScriptedChatModel, call: int) -> list[BaseMessage]:
    return model.history[call][0]


def test_a_command_the_model_invented_is_not_approved_by_yes(tmp_path: Path) -> None:
    marker = tmp_path / "x"
    model, session = scripted(
        tool_call("run_shell", command=f"touch {marker}"), AIMessage("never asked for this")
    )
    result = Chain(approve=True, session=session).invoke("how full is my disk")
    assert [(s.tool, s.status.value) for s in result.steps] == [("run_shell", "declined")]
    assert CONSENT in (result.steps[0].error or "")
    assert result.exit_code == 3
    assert not marker.exists()
    assert len(model.history) == 1


def test_an_invented_read_command_is_asked_too(tmp_path: Path) -> None:
    asked: list[tuple[Step, Decision]] = []

    def approve(step: Step, decision: Decision) -> bool:
        asked.append((step, decision))
        return False

    _model, session = scripted(tool_call("run_shell", command="df -h"), AIMessage("unused"))
    result = Chain(approve=approve, session=session).invoke("how full is my disk")
    assert [s.status.value for s in result.steps] == ["declined"]
    assert len(asked) == 1 and asked[0][0].needs_consent
    assert CONSENT in asked[0][1].reason


def test_a_command_spelled_out_in_the_request_runs_with_yes(tmp_path: Path) -> None:
    marker = tmp_path / "x"
    _model, session = scripted(
        tool_call("run_shell", command=f"  touch {marker} "), AIMessage("Done.")
    )
    result = Chain(approve=True, session=session).invoke(f"run `touch {marker}`")
    assert [(s.tool, s.status.value) for s in result.steps] == [("run_shell", "done")]
    assert result.exit_code == 0
    assert marker.exists()


@pytest.mark.parametrize(
    "request_text",
    [
        "run echo 'touch {marker}'",  # a quote inside echo's argument
        "explain `touch {marker}`",  # asked what it does, not to run it
        "is it safe to run `touch {marker}`? do not run it",
        "my notes say touch {marker}, how full is my disk",  # merely appears
    ],
)
def test_a_command_that_only_appears_in_the_request_still_needs_consent(
    tmp_path: Path, request_text: str
) -> None:
    marker = tmp_path / "x"
    _model, session = scripted(
        tool_call("run_shell", command=f"touch {marker}"), AIMessage("never asked for this")
    )
    result = Chain(approve=True, session=session).invoke(request_text.format(marker=marker))
    assert [(s.tool, s.status.value) for s in result.steps] == [("run_shell", "declined")]
    assert CONSENT in (result.steps[0].error or "")
    assert not marker.exists()


def test_only_the_call_that_ran_is_in_the_history() -> None:
    two = AIMessage(
        content="",
        tool_calls=[
            {"name": "disk_usage", "args": {"path": "/"}, "id": "call_a", "type": "tool_call"},
            {"name": "disk_usage", "args": {"path": "/tmp"}, "id": "call_b", "type": "tool_call"},
        ],
    )
    model, session = scripted(two, AIMessage("The disk is fine"))
    result = Chain(session=session).invoke("how full is my disk")
    assert [s.args for s in result.steps] == [{"path": "/"}]
    history = sent(model, 1)
    calls = [m for m in history if isinstance(m, AIMessage) and m.tool_calls]
    assert len(calls) == 1
    assert [c["id"] for c in calls[0].tool_calls] == ["call_a"]
    assert [m.tool_call_id for m in history if isinstance(m, ToolMessage)] == ["call_a"]


SECRETS = ("hunter2", "s3cretpw", "wJalrXUtnFEMI")


def _secret_file(tmp_path: Path) -> Path:
    note = tmp_path / "creds.json"
    note.write_text(
        '{"password": "hunter2", "db": "postgres://bob:s3cretpw@db/app",\n'
        ' "aws_secret_access_key": "wJalrXUtnFEMI"}\n'
    )
    return note


def test_tool_results_sent_to_a_cloud_model_are_redacted(tmp_path: Path) -> None:
    note = _secret_file(tmp_path)
    cloud = ScriptedChatModel(
        replies=[tool_call("run_shell", command=f"cat {note}"), AIMessage("Nothing to see")]
    )
    loop = ToolLoop(cloud, builtin_registry(), max_steps=3, redact_all=True)
    executor = Executor(builtin_registry(), Policy(), approve=lambda step, decision: True)
    events = list(loop.run(Request(text=f"what is in {note}"), executor))
    assert events[-1].text == "Nothing to see"
    assert "hunter2" in executor.records[0].output["stdout"]  # it ran, the secret was there
    text = " ".join(str(m.content) for m in sent(cloud, 1))
    assert not [s for s in SECRETS if s in text]
    assert "[REDACTED]" in text


def test_a_local_model_sees_tool_results_as_they_are(tmp_path: Path) -> None:
    note = _secret_file(tmp_path)
    local = ScriptedChatModel(
        replies=[tool_call("run_shell", command=f"cat {note}"), AIMessage("ok")]
    )
    loop = ToolLoop(local, builtin_registry(), max_steps=3, redact_all=False)
    executor = Executor(builtin_registry(), Policy(), approve=lambda step, decision: True)
    list(loop.run(Request(text=f"run `cat {note}`"), executor))
    assert "hunter2" in " ".join(str(m.content) for m in sent(local, 1))


@pytest.mark.model
def test_the_cloud_fallback_does_not_see_secrets_in_tool_results(
    tmp_path: Path, local_model: Any
) -> None:
    note = _secret_file(tmp_path)
    cloud = ScriptedChatModel(
        replies=[tool_call("run_shell", command=f"cat {note}"), AIMessage("I cannot tell jokes.")]
    )
    session = Session(Settings(n_threads=1), model=local_model, cloud=cloud)
    chain = Chain(approve=lambda step, decision: True, session=session)
    text = "tell me a joke about my notes"
    result = ChainResult.from_events(text, list(chain.stream(text)))
    assert result.provider == "cloud" and result.answer == "I cannot tell jokes."
    assert [(s.tool, s.status.value) for s in result.steps] == [("run_shell", "done")]
    seen = " ".join(str(m.content) for m in sent(cloud, 1))
    assert not [s for s in SECRETS if s in seen]


def test_langchain_tools_keep_their_schema_but_cannot_run() -> None:
    tools = builtin_registry().as_langchain()
    disk = next(t for t in tools if t.name == "disk_usage")
    assert disk.description and disk.args_schema is not None
    with pytest.raises(RuntimeError, match="only through the executor"):
        disk.invoke({"path": "/"})
    shell = next(t for t in tools if t.name == "run_shell")
    with pytest.raises(RuntimeError, match="only through the executor"):
        shell.invoke({"command": "touch /tmp/llmchain-should-not-exist"})
