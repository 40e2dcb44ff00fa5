"""run_script's risk counts its containment: no sandbox, or a writable bind over a
sensitive place, is judged worse than the script's text alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmchain_os.agent.policy import Policy
from llmchain_os.api import ChainResult, Session
from llmchain_os.config import Settings
from llmchain_os.safety.risk import Risk
from llmchain_os.scripts.library import ScriptLibrary
from llmchain_os.tools.registry import builtin_registry

READER = "#!/bin/bash\nls /\n"


@pytest.fixture
def sandboxed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Judged as on a machine with bubblewrap, whether or not this one has it (nothing runs)."""
    from llmchain_os.safety import sandbox

    ready = sandbox.SandboxStatus(True, "bubblewrap", "")
    monkeypatch.setattr(sandbox, "sandbox_status", lambda: ready)


def _risk(args: dict[str, object]) -> Risk:
    tool = builtin_registry().get("run_script")
    return tool.assess(tool.parse_args(args)).risk


def test_no_sandbox_makes_a_read_script_a_write(sandboxed: None) -> None:
    ScriptLibrary().save("reader", READER, "bash", "")
    assert _risk({"name": "reader"}) is Risk.READ
    assert _risk({"name": "reader", "sandbox": False}) is Risk.WRITE


def test_a_writable_home_or_etc_is_not_a_plain_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandboxed: None
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    ScriptLibrary().save("reader", READER, "bash", "")
    assert _risk({"name": "reader", "write": [str(tmp_path / "out")]}) is Risk.READ
    assert _risk({"name": "reader", "write": ["~"]}) is Risk.DESTRUCTIVE
    assert _risk({"name": "reader", "write": ["/etc"]}) is Risk.PRIVILEGED


def test_yes_does_not_run_a_script_with_a_writable_ssh_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".ssh").mkdir()
    ScriptLibrary().save("keys", "#!/bin/bash\necho k >> ~/.ssh/authorized_keys\n", "bash", "")
    events = Session(Settings()).run_tool(
        "run_script", {"name": "keys", "write": [str(tmp_path / ".ssh")]}, policy=Policy(True)
    )
    result = ChainResult.from_events("run", list(events))
    assert result.steps[-1].status == "declined", result.steps[-1]
    assert not (tmp_path / ".ssh" / "authorized_keys").exists()


def test_no_sandbox_on_this_machine_is_said_and_judged_like_no_sandbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from llmchain_os.safety import sandbox

    ScriptLibrary().save("reader", READER, "bash", "")
    gone = sandbox.SandboxStatus(False, "", "bwrap not found - apt install bubblewrap")
    monkeypatch.setattr(sandbox, "sandbox_status", lambda: gone)
    tool = builtin_registry().get("run_script")
    found = tool.assess(tool.parse_args({"name": "reader"}))
    assert found.risk is Risk.WRITE
    assert "without the sandbox (bwrap not found" in found.reason
