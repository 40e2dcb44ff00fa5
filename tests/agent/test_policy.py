"""Policy.check: allow, ask or deny, for every risk class under each approval flag."""

from __future__ import annotations

import pytest

from llmchain_os.agent.plan import Step
from llmchain_os.agent.policy import CONSENT, Policy, Verdict
from llmchain_os.safety.risk import Assessment, Risk

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

    prompt = decision.prompt(step)
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
