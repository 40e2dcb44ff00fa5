"""The policy decides whether a step runs: allow, ask, or deny. Tools only state their risk.

Default: ``read`` runs; everything else is asked; a denied command never runs.
``--yes`` (``auto_write``) approves ``write`` and ``remote``; ``destructive`` and
``privileged`` also need ``--yes-destructive``. A step the model wrote that the request did
not spell out (``Step.needs_consent``) is always asked, whatever it is and whatever the flags.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from llmchain_os.agent.plan import Step
from llmchain_os.safety.risk import Assessment, Risk
from llmchain_os.tools.card import Role

if TYPE_CHECKING:
    from pydantic import BaseModel

    from llmchain_os.tools.base import Tool


class Verdict(StrEnum):
    ALLOW = "allow"
    ASK = "ask"
    DENY = "deny"


CONSENT = "the model wrote this command; the request did not spell it out"


@dataclass(frozen=True)
class Decision:
    """The policy's verdict. ``effect`` and ``undo`` are filled by the executor from the tool
    just before a person is asked: the exact effect worked out from the real files and
    processes ("delete 3 files, 1.2 GiB, under /var/log/old"), and whether /undo can take it
    back ("trash"), cannot ("none"), or it is not known ("")."""

    verdict: Verdict
    risk: Risk
    reason: str
    effect: str = ""
    undo: str = ""
    confined: str = ""  # what the sandbox lets it touch ("may write only /x/y"), when asked
    command: str = ""  # the command line, when the step's tool runs one (asked as "Run ...")

    def prompt(self, step: Step) -> str:
        """The question a surface puts to the user, with the exact effect spelled out."""
        shell = bool(self.command)
        what = self.command if shell else f"{step.tool}({_brief(step.args)})"
        if self.effect and shell:
            head = f"Run {what} - {self.effect}?"
        elif self.effect:
            head = f"{self.effect[:1].upper()}{self.effect[1:]}?"
        else:
            head = f"Run {what}?"
        where = f" It {self.confined}." if self.confined and self.confined != "read-only" else ""
        return f"{head} It is {self.risk.value}: {self.reason}.{where}{self._undo_note()}"

    def _undo_note(self) -> str:
        if self.undo == "trash":
            if self.effect.startswith("delete"):
                return " They go to the trash; /undo restores them."
            if self.effect.startswith("create"):
                return " /undo removes it again."
            return " The old version goes to the trash; /undo restores it."
        if self.undo == "none" or (not self.undo and self.risk is Risk.DESTRUCTIVE):
            return " This cannot be undone."
        return ""

    def question(self, step: Step) -> str:
        """The prompt as asked at a terminal, with its default (no) shown."""
        return f"{self.prompt(step)} [y/N] "


ARG_WIDTH = 60  # a script's text or a file's content is shown in the plan, not in the question


def _brief(args: dict[str, object]) -> str:
    """Arguments as one short line: long values are cut, with their length said."""
    parts = []
    for key, value in args.items():
        text = repr(value)
        if len(text) > ARG_WIDTH:
            text = f"{text[: ARG_WIDTH - 3]}... ({len(str(value)):,} characters)"
        parts.append(f"{key}={text}")
    return ", ".join(parts)


def explain(decision: Decision, tool: Tool, args: BaseModel) -> Decision:
    """The decision with the call's exact effect and undo, when a person is to be asked.

    Worked out only then (it reads the filesystem or process table), and never for a step
    that changes nothing, whose question must not claim it "cannot be undone"."""
    if decision.verdict is not Verdict.ASK:
        return decision
    undo = tool.undo if decision.risk is not Risk.READ else ""
    command = str(getattr(args, "command", "")) if tool.card.role is Role.COMMAND else ""
    return replace(decision, effect=tool.describe(args), undo=undo, command=command)


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
