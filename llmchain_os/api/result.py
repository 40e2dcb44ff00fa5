"""``ChainResult``: what a whole request came to, gathered from its Events (``--json``
prints it; memory records it)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from llmchain_os.agent.events import Event, EventKind
from llmchain_os.agent.plan import StepRecord, StepStatus
from llmchain_os.exitcodes import ExitCode


class ChainResult(BaseModel):
    """What one request did: the plan, each step's fate, and the answer."""

    request: str
    provider: str = "local"  # the profile that answered (``llmos`` config: [providers.NAME])
    model: str = ""  # and its model
    fallback: dict[str, Any] | None = None  # why the local side handed over; who else failed
    plan: list[dict[str, Any]] = Field(default_factory=list)
    steps: list[StepRecord] = Field(default_factory=list)
    answer: str = ""
    answer_by: str = ""
    guess: str = ""  # why the plan was only a best guess (the answer asks back)
    unsure: str | None = None
    error: str | None = None
    exit_code: int = ExitCode.DONE
    timings: dict[str, float] = Field(default_factory=dict)

    @classmethod
    def from_events(cls, request: str, events: list[Event]) -> ChainResult:
        result = cls(request=request)
        for ev in events:
            result.absorb(ev)
        result.exit_code = result.code()
        return result

    def absorb(self, ev: Event) -> None:
        if ev.kind is EventKind.PLAN:
            self.plan.extend(ev.data["plan"])
        elif ev.kind in (
            EventKind.STEP_DONE,
            EventKind.STEP_FAILED,
            EventKind.STEP_DECLINED,
            EventKind.STEP_SKIPPED,
        ):
            self.steps.append(StepRecord.model_validate(ev.data))
        elif ev.kind is EventKind.ANSWER:
            self.answer, self.answer_by = ev.text, ev.data.get("by", "")
            self.guess = str(ev.data.get("guess", ""))
            self.provider = ev.data.get("provider", self.provider)
            self.model = ev.data.get("model", self.model)
            self.timings = ev.data.get("timings", {})
            self.fallback = ev.data.get("fallback", self.fallback)
        elif ev.kind is EventKind.UNSURE:
            self.unsure = ev.text
            if ev.data.get("tried"):
                self.fallback = {"tried": ev.data["tried"]}
        elif ev.kind is EventKind.ERROR:
            self.error = ev.text
            self.exit_code = int(ev.data.get("exit_code", ExitCode.USAGE))
            self.unsure = None

    def code(self) -> int:
        statuses = {s.status for s in self.steps}
        if self.error is not None:
            return self.exit_code
        if StepStatus.FAILED in statuses:
            return ExitCode.STEP_FAILED
        if StepStatus.DECLINED in statuses:
            return ExitCode.DECLINED
        return ExitCode.UNSURE if self.unsure else ExitCode.DONE
