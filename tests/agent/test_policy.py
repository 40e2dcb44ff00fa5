"""Policy.check: allow, ask or deny, for every risk class under each approval flag."""

from __future__ import annotations

from dataclasses import replace

import pytest

from llmchain_os.agent.plan import Step
from llmchain_os.agent.policy import CONSENT, Decision, Policy, Verdict, explain
from llmchain_os.safety.risk import Assessment, Risk
from llmchain_os.tools.shell import run_shell

ALLOW, ASK, DENY = Verdict.ALLOW, Verdict.ASK, Verdict.DENY
STEP = Step(tool="run_shell", args={"command": "x"})

# risk -> verdict under: default, --yes (auto_write), --yes-destructive (auto_destructive)
EXPECTED = {
    Risk.READ: (ALLOW, ALLOW, ALLOW),
    Risk.WRITE: (ASK, ALLOW, ALLOW),
    Risk.REMOTE: (ASK, ALLOW, ALLOW),
    Risk.PRIVILEGED: (ASK, ASK, ALLOW),
    Risk.DESTRUCTIVE: (ASK, ASK, ALLOW),
}
POLICIES = {
    "default": Policy(),
    "auto_write": Policy(auto_write=True),
    "auto_destructive": Policy(auto_destructive=True),
}
CASES = [
    (risk, name, verdicts[i])
    for risk, verdicts in EXPECTED.items()
    for i, name in enumerate(POLICIES)
]


def test_every_risk_class_is_covered() -> None:
    assert set(EXPECTED) == set(Risk)


@pytest.mark.parametrize(
    ("risk", "policy", "verdict"), CASES, ids=[f"{r.value}-{p}" for r, p, _ in CASES]
)
def test_verdict_for_risk_under_flags(risk: Risk, policy: str, verdict: Verdict) -> None:
    decision = POLICIES[policy].check(STEP, Assessment(risk, "because"))

    assert decision.verdict is verdict
    assert decision.risk is risk
    assert "because" in decision.reason


@pytest.mark.parametrize("risk", list(Risk))
@pytest.mark.parametrize(
    "policy",
    [Policy(), Policy(auto_write=True), Policy(auto_destructive=True), Policy(True, True)],
    ids=["default", "auto_write", "auto_destructive", "both"],
)
def test_denied_assessment_is_denied_whatever_the_flags(policy: Policy, risk: Risk) -> None:
    decision = policy.check(STEP, Assessment(risk, "formats a filesystem", denied=True))

    assert decision.verdict is DENY
    assert decision.reason == "never run: formats a filesystem"


def test_flag_approvals_say_which_flag_approved() -> None:
    write = Policy(auto_write=True).check(STEP, Assessment(Risk.WRITE, "writes f"))
    destructive = Policy(auto_destructive=True).check(STEP, Assessment(Risk.DESTRUCTIVE, "rm"))

    assert "--yes" in write.reason
    assert "--yes-destructive" in destructive.reason


def test_prompt_for_a_shell_step_shows_the_command_and_warns_when_destructive() -> None:
    step = Step(tool="run_shell", args={"command": "rm -r build"})
    decision = Policy().check(step, Assessment(Risk.DESTRUCTIVE, "`rm` deletes"))
    # the question names the command line when the step's tool is the one that runs them
    asked = explain(decision, run_shell, run_shell.parse_args(step.args))
    assert asked.command == "rm -r build"

    prompt = replace(asked, effect="").prompt(step)
    assert prompt.startswith("Run rm -r build?")
    assert "destructive" in prompt
    assert "cannot be undone" in prompt


def test_prompt_for_a_tool_step_shows_the_tool_and_arguments() -> None:
    step = Step(tool="append_line", args={"text": "hello"})
    decision = Policy().check(step, Assessment(Risk.WRITE, "appends to a file"))

    prompt = decision.prompt(step)
    assert "append_line" in prompt
    assert "hello" in prompt
    assert "cannot be undone" not in prompt


WRITTEN_BY_MODEL = Step(tool="run_shell", args={"command": "x"}, needs_consent=True)


@pytest.mark.parametrize(
    ("risk", "policy", "verdict"), CASES, ids=[f"{r.value}-{p}" for r, p, _ in CASES]
)
def test_a_step_needing_consent_is_asked_where_it_would_be_allowed(
    risk: Risk, policy: str, verdict: Verdict
) -> None:
    decision = POLICIES[policy].check(WRITTEN_BY_MODEL, Assessment(risk, "because"))

    assert decision.verdict is (ASK if verdict is ALLOW else verdict)
    assert decision.risk is risk
    assert "because" in decision.reason
    if verdict is ALLOW:
        assert CONSENT in decision.reason


def test_a_step_needing_consent_that_is_denied_stays_denied() -> None:
    decision = Policy(True, True).check(
        WRITTEN_BY_MODEL, Assessment(Risk.READ, "formats a filesystem", denied=True)
    )
    assert decision.verdict is DENY


def test_prompt_leads_with_the_exact_effect_and_says_undo_restores_it() -> None:
    step = Step(tool="delete_files", args={"path": "/var/log/old", "pattern": "*.gz"})
    decision = replace(
        Policy().check(step, Assessment(Risk.DESTRUCTIVE, "delete_files is a destructive tool")),
        effect="delete 3 files, 1.2 GiB, under /var/log/old",
        undo="trash",
    )

    assert decision.prompt(step) == (
        "Delete 3 files, 1.2 GiB, under /var/log/old? It is destructive: delete_files is a "
        "destructive tool. They go to the trash; /undo restores them."
    )
    assert decision.question(step).endswith("restores them. [y/N] ")


def test_prompt_for_an_overwrite_and_a_new_file_say_what_undo_does() -> None:
    step = Step(tool="write_file", args={"path": "/etc/app.conf", "content": "x"})
    base = Policy().check(step, Assessment(Risk.WRITE, "write_file is a write tool"))
    overwrite = replace(
        base, effect="overwrite /etc/app.conf (4.1 KiB) with 12 lines", undo="trash"
    )
    create = replace(base, effect="create notes.txt with 1 line", undo="trash")

    assert overwrite.prompt(step).startswith("Overwrite /etc/app.conf (4.1 KiB) with 12 lines?")
    assert overwrite.prompt(step).endswith("The old version goes to the trash; /undo restores it.")
    assert create.prompt(step).endswith("/undo removes it again.")
    assert "cannot be undone" not in overwrite.prompt(step) + create.prompt(step)


def test_prompt_for_a_step_that_cannot_be_undone_says_so_even_when_only_write() -> None:
    step = Step(tool="run_shell", args={"command": "rm a.log"})
    decision = replace(
        Policy().check(step, Assessment(Risk.WRITE, "changes files")),
        effect="delete /tmp/a.log (1.5 KiB)",
        undo="none",
        command="rm a.log",
    )
    assert decision.prompt(step) == (
        "Run rm a.log - delete /tmp/a.log (1.5 KiB)? It is write: changes files. "
        "This cannot be undone."
    )


def test_explain_fills_effect_and_undo_only_for_a_question() -> None:
    from llmchain_os.tools.registry import builtin_registry

    kill = builtin_registry().get("kill_process")
    args = kill.parse_args({"pid": 2**22 + 1})  # above pid_max: no such process to describe
    step = Step(tool="kill_process", args={"pid": 2**22 + 1})
    asked = explain(Policy().check(step, Assessment(Risk.DESTRUCTIVE, "kills")), kill, args)
    allowed = explain(
        Policy(True, True).check(step, Assessment(Risk.DESTRUCTIVE, "kills")), kill, args
    )
    read = explain(
        Policy().check(step.model_copy(update={"needs_consent": True}), Assessment(Risk.READ, "r")),
        kill,
        args,
    )

    assert (asked.undo, asked.effect) == ("none", "")  # the effect is best effort, never a crash
    assert asked.prompt(step).endswith("This cannot be undone.")
    assert (allowed.undo, allowed.effect) == ("", "")
    assert read.undo == "" and "cannot be undone" not in read.prompt(step)


def test_prompt_cuts_long_arguments_so_the_question_stays_one_line() -> None:
    text = "#!/bin/bash\n" + "echo line\n" * 500
    step = Step(tool="save_script", args={"name": "big", "text": text}, risk=Risk.WRITE)
    prompt = Decision(Verdict.ASK, Risk.WRITE, "save_script is a write tool").prompt(step)
    assert "name='big'" in prompt
    assert f"({len(text):,} characters)" in prompt
    assert len(prompt) < 250
