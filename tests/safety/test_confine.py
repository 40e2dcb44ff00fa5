"""Confinement by approval with real bubblewrap runs: what a step may touch comes from its
approval, the question says so, and a swap between the question and the run is caught."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmchain_os.agent.events import Event, EventKind
from llmchain_os.agent.executor import Executor, decline_all
from llmchain_os.agent.plan import Plan, Step, StepStatus
from llmchain_os.agent.policy import Decision, Policy
from llmchain_os.errors import ToolError
from llmchain_os.safety import sandbox
from llmchain_os.safety.commands import classify_with_scope
from llmchain_os.safety.confine import UNCONFINED, WRITE, grant_for, scope_risk
from llmchain_os.safety.risk import Risk
from llmchain_os.safety.sandbox import SandboxStatus, sandbox_status
from llmchain_os.tools.registry import builtin_registry
from llmchain_os.tools.shell import ShellResult


@pytest.fixture
def home(private_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A home (it holds the XDG folders and a .bashrc) and a work folder to start in."""
    if not sandbox_status().available:
        pytest.skip(f"no sandbox here: {sandbox_status().why_not}")
    monkeypatch.setenv("HOME", str(private_home))
    (private_home / ".bashrc").write_text("# mine\n")
    work = private_home / "work"
    work.mkdir()
    (work / "keep.txt").write_text("keep\n")
    monkeypatch.chdir(work)
    yield private_home


def run(command: str, policy: Policy, approve: object = decline_all, **kw: object) -> Executor:
    executor = Executor(builtin_registry(), policy, approve, **kw)  # type: ignore[arg-type]
    list(executor.execute(Plan(steps=[Step(tool="run_shell", args={"command": command})])))
    return executor


def test_a_read_can_write_nowhere_not_even_its_own_folder(home: Path) -> None:
    # `uniq - FILE` truncates FILE: a "read" to a classifier that does not know the operand
    executor = run("uniq - keep.txt < /dev/null", Policy(auto_write=True))

    assert (home / "work" / "keep.txt").read_text() == "keep\n"
    assert executor.records[0].status in (StepStatus.FAILED, StepStatus.DONE, StepStatus.DECLINED)


def granted(command: str, approved: str, risk: Risk) -> ShellResult:
    """Run ``command`` with the grant an approval of ``approved`` at ``risk`` gives: the
    sandbox on its own, whatever the classifier would make of ``command``."""
    _, scope = classify_with_scope(approved, os.getcwd())
    tool = builtin_registry().get("run_shell")
    result = tool.call(tool.parse_args({"command": command}), grant_for(scope, risk))
    assert isinstance(result, ShellResult)
    return result


def test_an_approved_write_makes_its_new_file_and_cannot_touch_a_neighbour(home: Path) -> None:
    result = granted("echo new > out.txt; echo gone > keep.txt", "echo new > out.txt", Risk.WRITE)

    assert (home / "work" / "out.txt").read_text() == "new\n"
    assert (home / "work" / "keep.txt").read_text() == "keep\n"
    assert result.exit_code != 0 and "Read-only file system" in result.stderr


def test_a_change_in_the_home_gets_only_its_own_file(home: Path) -> None:
    run("echo note > ~/notes.txt", Policy(auto_write=True))

    assert (home / "notes.txt").read_text() == "note\n"
    assert (home / ".bashrc").read_text() == "# mine\n"


def test_home_spelled_as_a_variable_is_still_the_home(home: Path) -> None:
    _, scope = classify_with_scope("cd ~ && echo x >> .bashrc", os.getcwd())
    found = scope_risk(scope)

    assert found is not None and found.risk is Risk.DESTRUCTIVE
    assert ".bashrc" in found.reason
    assert run("echo x >> ${HOME}/.bashrc", Policy(auto_write=True)).records[0].status is (
        StepStatus.DECLINED
    )


def test_a_hard_link_is_named_and_makes_the_step_destructive(home: Path) -> None:
    os.link(home / ".bashrc", home / "work" / "innocent.txt")
    _, scope = classify_with_scope("echo x >> innocent.txt", os.getcwd())

    found = scope_risk(scope)

    assert found is not None and found.risk is Risk.DESTRUCTIVE and "hard links" in found.reason


def test_unknown_targets_run_unconfined_only_with_a_destructive_approval(home: Path) -> None:
    _, scope = classify_with_scope("make install", os.getcwd())

    assert scope_risk(scope) is not None and scope_risk(scope).risk is Risk.DESTRUCTIVE  # type: ignore[union-attr]
    assert grant_for(scope, Risk.DESTRUCTIVE).mode == UNCONFINED


def test_the_question_says_where_the_step_may_write(home: Path) -> None:
    asked: list[str] = []

    def approve(step: Step, decision: Decision) -> bool:
        asked.append(decision.prompt(step))
        return False

    run("touch fresh.txt", Policy(), approve)

    assert asked and f"may write only new files in {home / 'work'}" in asked[0]


def test_a_symlink_swapped_in_after_the_question_fails_the_step(home: Path) -> None:
    target = home / "work" / "box"
    target.mkdir()

    def swap(step: Step, decision: Decision) -> bool:
        target.rmdir()
        target.symlink_to(home)  # now `box/x` would land in the home
        return True

    executor = run("touch box/x", Policy(), swap)

    assert executor.records[0].status is StepStatus.FAILED
    assert "changed after it was approved" in (executor.records[0].error or "")
    assert not (home / "x").exists()


def test_without_a_sandbox_even_a_read_is_asked_and_says_why(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox_status.cache_clear()
    monkeypatch.setattr(sandbox, "sandbox_status", lambda: SandboxStatus(False, "", "no bwrap"))
    from llmchain_os.agent import executor as executor_module  # noqa: F401 - reads sandbox.*

    monkeypatch.setattr("llmchain_os.safety.sandbox.sandbox_status", sandbox.sandbox_status)
    executor = run("ls", Policy(auto_write=True))

    record = executor.records[0]
    assert record.status is StepStatus.DECLINED
    assert "no sandbox here (no bwrap)" in (record.error or "")


def test_the_users_own_command_is_unconfined_unless_asked(home: Path) -> None:
    def user_plan(executor: Executor) -> list[Event]:
        step = Step(tool="run_shell", args={"command": "touch mine.txt"})
        return list(executor.execute(Plan(steps=[step], source="user")))

    done = user_plan(Executor(builtin_registry(), Policy(auto_write=True)))
    assert done[-1].kind is EventKind.STEP_DONE and (home / "work" / "mine.txt").exists()
    assert done[-1].data["output"]["sandbox"].startswith("none: runs unconfined")

    confined = Executor(builtin_registry(), Policy(auto_write=True), confine_user_commands=True)
    done = user_plan(confined)
    assert done[-1].data["output"]["sandbox"].startswith("bubblewrap")


def test_a_startup_file_made_by_an_approved_delete_is_taken_back(home: Path) -> None:
    (home / "old").mkdir()
    approved = f"rm -r {home}/old"
    assert grant_for(classify_with_scope(approved, "/")[1], Risk.DESTRUCTIVE).mode == WRITE

    with pytest.raises(ToolError, match=r"created .*\.bash_profile"):
        granted(f"{approved}; echo evil > {home}/.bash_profile", approved, Risk.DESTRUCTIVE)

    assert not (home / ".bash_profile").exists()
    assert not (home / "old").exists()


def test_the_shells_own_folders_are_hidden_from_every_step(home: Path) -> None:
    from llmchain_os.paths import state_dir

    state_dir().mkdir(parents=True, exist_ok=True)
    (state_dir() / "audit.jsonl").write_text("{}\n")
    executor = Executor(builtin_registry(), Policy())
    step = Step(tool="run_shell", args={"command": f"ls -A {state_dir()}"})
    events = list(executor.execute(Plan(steps=[step])))

    assert events[-1].kind is EventKind.STEP_DONE
    assert events[-1].data["output"]["stdout"] == ""


def test_an_approved_append_adds_but_a_rewrite_of_the_same_file_is_put_back(home: Path) -> None:
    keep = home / "work" / "keep.txt"
    added = granted("echo more >> keep.txt", "echo more >> keep.txt", Risk.WRITE)
    assert (added.exit_code, keep.read_text()) == (0, "keep\nmore\n")

    # The same approval, but the run rewrites the file (`cp -b`, `1<>`: a misjudged write)
    with pytest.raises(ToolError, match=r"rewrote .*keep\.txt, which it may only add to"):
        granted("echo evil 1<> keep.txt", "echo more >> keep.txt", Risk.WRITE)
    assert keep.read_text() == "keep\nmore\n"


def test_a_person_approved_overwrite_is_not_put_back(home: Path) -> None:
    granted("echo new > keep.txt", "echo new > keep.txt", Risk.DESTRUCTIVE)

    assert (home / "work" / "keep.txt").read_text() == "new\n"


def test_an_existing_folder_as_target_gets_new_entries_not_its_contents(home: Path) -> None:
    work = home / "work"
    (work / "sub").mkdir()
    (work / "sub" / "old.txt").write_text("old\n")
    result = granted(
        "touch sub/new.txt; echo evil > sub/old.txt", "cp -r /etc/hostname sub", Risk.WRITE
    )

    assert (work / "sub" / "new.txt").exists()
    assert (work / "sub" / "old.txt").read_text() == "old\n"
    assert "Read-only file system" in result.stderr


def test_a_link_in_a_writable_folder_that_the_step_replaces_is_put_back(home: Path) -> None:
    work = home / "work"
    (work / "lnk").symlink_to("keep.txt")
    with pytest.raises(ToolError, match=r"replaced the link .*lnk"):
        granted("ln -sfn /etc/passwd lnk", "echo x > new.txt", Risk.WRITE)

    assert os.readlink(work / "lnk") == "keep.txt"


def test_git_commit_may_write_the_repository_but_not_the_files_beside_it(home: Path) -> None:
    work = home / "work"
    git = "git -c user.name=a -c user.email=a@b"
    os.system(f"cd {work} && git init -q . && {git} add keep.txt && {git} commit -qm one")
    hook = work / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nrm -f keep.txt\n")
    hook.chmod(0o755)

    run(f"{git} commit -q --allow-empty -m two", Policy(auto_write=True))

    assert (work / "keep.txt").read_text() == "keep\n"


def test_a_network_state_read_shares_the_network_only_with_text_filters(home: Path) -> None:
    def network(command: str) -> bool:
        return classify_with_scope(command, os.getcwd())[1].network

    assert network("ss -tn | grep :22") and network("ip -br addr | head -3")
    assert not network("ss -tn; git status")  # git can run a repository's programs
    assert not network("hostname; read -r x < p.txt; [[ $x -eq 1 ]]")  # arithmetic from data
    assert not network("ip a | sort --compress-program=sh")


def test_the_mode_of_a_writable_folder_is_put_back_unless_the_question_named_it(
    home: Path,
) -> None:
    work = home / "work"
    before = work.stat().st_mode
    with pytest.raises(ToolError, match=r"changed the mode or owner of .*work"):
        granted("echo x > new.txt; chmod 700 .", "echo x > new.txt", Risk.WRITE)
    assert work.stat().st_mode == before

    (work / "sub").mkdir(mode=0o755)
    granted("chmod 700 sub", "chmod 700 sub", Risk.WRITE)
    assert (work / "sub").stat().st_mode & 0o777 == 0o700


def test_unpacking_in_the_home_adds_files_but_no_startup_file(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(home)
    with pytest.raises(ToolError, match=r"created .*\.profile, which no step may create"):
        granted(
            "echo x > new.txt; echo evil > .profile; echo y >> .bashrc", "tar -xf a.tar", Risk.WRITE
        )

    assert (home / "new.txt").read_text() == "x\n"
    assert not (home / ".profile").exists()
    assert (home / ".bashrc").read_text() == "# mine\n"


@pytest.mark.parametrize(
    ("command", "target"),
    [
        ("truncate -s 0 f.txt", "f.txt"),
        ("touch -d yesterday f.txt", "f.txt"),
        ("mkdir -m 700 d", "d"),
    ],
)
def test_an_options_value_is_not_a_target(home: Path, command: str, target: str) -> None:
    _, scope = classify_with_scope(command, os.getcwd())

    assert [Path(p).name for p in (*scope.writes, *scope.mkdirs)] == [target]


def test_new_files_in_a_system_tree_are_not_a_plain_write(home: Path) -> None:
    _, scope = classify_with_scope("unzip x.zip -d /etc", os.getcwd())

    found = scope_risk(scope)
    assert found is not None and found.risk is Risk.PRIVILEGED


def test_gzip_in_the_home_makes_its_new_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(home)
    (home / "big.log").write_text("x\n" * 100)

    result = granted("gzip -k -- big.log", "gzip -k -- big.log", Risk.WRITE)

    assert result.exit_code == 0, result.stderr
    assert (home / "big.log.gz").stat().st_size > 0 and (home / "big.log").exists()
