"""What planning one request produced: a plan, or the reason there is none."""

from __future__ import annotations

from dataclasses import dataclass, field

from llmchain_os.agent.plan import Plan
from llmchain_os.agent.retrieval import Match


@dataclass
class PlanOutcome:
    """A plan, or the reason there is none (``unsure``), with what the planner weighed."""

    plan: Plan | None
    unsure: str | None = None
    composed: str | None = None  # the command _choose composed for the clause being planned
    others: list[str] = field(default_factory=list)  # the next candidates, tried if it fails
    matches: list[Match] = field(default_factory=list)
    # Why the plan is only a best guess ("" when confident): the answer says so and asks back.
    guess: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    model_calls: int = 0

    def hedge(self, why: str) -> None:
        """Mark the plan a best guess, for ``why`` (each clause's reason is kept)."""
        self.guess = f"{self.guess}; {why}" if self.guess else why


class Unsure(Exception):
    pass


class Unfit(Unsure):
    """The nearest tool is too far in meaning: a composed best guess may still be offered."""
