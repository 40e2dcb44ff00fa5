"""A plan: the steps to run, each a tool call with arguments, risk and the reason for it."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from llmchain_os.safety.risk import Risk


class Step(BaseModel):
    """One tool call. ``refs`` fills arguments from an earlier step's subject ("its pid")."""

    model_config = ConfigDict(frozen=True)

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    risk: Risk = Risk.READ
    why: str = ""
    refs: dict[str, str] = Field(default_factory=dict)  # arg name -> subject key of prev step
    # The model wrote this call and the request did not spell it out: a person must agree.
    needs_consent: bool = False
    # "trash": /undo can take it back; "none" or unknown ("") on a step that changes things:
    # it cannot, and the plan says so.
    undo: str = ""
    # Other arguments to try, in order, when a read fails as a wrong call (a composed
    # command that complains of a bad option): each is judged by the policy again.
    fallbacks: list[dict[str, Any]] = Field(default_factory=list)

    def next_try(self) -> Step:
        """The step with its first fallback's arguments, and the rest still to try."""
        return self.model_copy(
            update={"args": {**self.args, **self.fallbacks[0]}, "fallbacks": self.fallbacks[1:]}
        )

    @property
    def undoable(self) -> bool | None:
        """None for a step that changes nothing; else whether /undo can take it back."""
        return None if self.risk is Risk.READ else self.undo == "trash"

    def public(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "tool": self.tool,
            "args": self.args,
            "risk": self.risk.value,
            "why": self.why,
        }
        if self.refs:
            data["refs"] = self.refs
        if self.fallbacks:
            data["fallbacks"] = self.fallbacks
        if self.undoable is not None:
            data["undoable"] = self.undoable
        return data


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True)

    steps: list[Step]
    source: str = "retrieval"  # retrieval | tools (model tool calls) | user (!cmd) | mcp
    score: float = 1.0
    # Why this plan is only a best guess ("" when the planner is confident of it).
    guess: str = ""


class StepStatus(StrEnum):
    DONE = "done"
    FAILED = "failed"
    RETRIED = "retried"  # failed as a wrong call; the step went on with its next fallback
    DECLINED = "declined"
    SKIPPED = "skipped"


class StepRecord(BaseModel):
    """What happened to one step, as --json and the API report it."""

    tool: str
    args: dict[str, Any]
    risk: Risk
    status: StepStatus
    output: Any = None
    summary: str = ""
    error: str | None = None
    duration_s: float = 0.0
