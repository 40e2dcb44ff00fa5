"""The policy decides whether a step runs: allow, ask, or deny. Tools only state their risk.

Default: ``read`` runs; everything else is asked; a denied command never runs.
``--yes`` (``auto_write``) approves ``write`` and ``remote``; ``destructive`` and
``privileged`` also need ``--yes-destructive``. A step the model wrote that the request did
not spell out (``Step.needs_consent``) is always asked, whatever it is and whatever the flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from llmchain_os.agent.plan import Step
from llmchain_os.safety.risk import Assessment, Risk


class Verdict(StrEnum):
    ALLOW = "allow"
    ASK = "ask"
    DENY = "deny"


CONSENT = "the model wrote this command; the request did not spell it out"


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    risk: Risk
    reason: str

    def prompt(self, step: Step) -> str:
        """The question a surface puts to the user, with the exact effect spelled out."""
        what = f"{step.tool} {step.args}" if step.tool != "run_shell" else step.args["command"]
        warn = " This cannot be undone." if self.risk is Risk.DESTRUCTIVE else ""
        return f"Run {what}? It is {self.risk.value}: {self.reason}.{warn}"

    def question(self, step: Step) -> str:
        """The prompt as asked at a terminal, with its default (no) shown."""
        return f"{self.prompt(step)} [y/N] "


def is_yes(reply: str) -> bool:
    """The answer to an approval question: y or yes; anything else, or nothing, is no."""
    return reply.strip().lower() in {"y", "yes"}


@dataclass(frozen=True)
class Policy:
    auto_write: bool = False  # --yes
    auto_destructive: bool = False  # --yes-destructive

    def check(self, step: Step, assessment: Assessment) -> Decision:
        decision = self._decide(assessment)
        if step.needs_consent and decision.verdict is Verdict.ALLOW:
            return Decision(Verdict.ASK, decision.risk, f"{CONSENT} ({assessment.reason})")
        return decision

    def _decide(self, assessment: Assessment) -> Decision:
        risk = assessment.risk
        if assessment.denied:
            return Decision(Verdict.DENY, risk, f"never run: {assessment.reason}")
        if risk is Risk.READ:
            return Decision(Verdict.ALLOW, risk, assessment.reason)
        if risk in (Risk.WRITE, Risk.REMOTE) and (self.auto_write or self.auto_destructive):
            return Decision(Verdict.ALLOW, risk, f"{assessment.reason} (approved by --yes)")
        if self.auto_destructive:
            return Decision(Verdict.ALLOW, risk, f"{assessment.reason} (--yes-destructive)")
        return Decision(Verdict.ASK, risk, assessment.reason)
