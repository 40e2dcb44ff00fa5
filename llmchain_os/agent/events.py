"""The one event shape that the planner, executor, REPL, --json and the API all speak."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class EventKind(StrEnum):
    STATUS = "status"  # progress for spinners ("loading model", "thinking")
    PLAN = "plan"  # the plan as it will be run: data["plan"] is a list of steps
    STEP_STARTED = "step_started"
    # Command output as it arrives (text); data["stream"] is "stdout" or "stderr". The OUTPUT
    # that follows carries all of it again: surfaces that show chunks live skip its text.
    OUTPUT_CHUNK = "output_chunk"
    OUTPUT = "output"  # a step's result: data["output"], data["table"]
    STEP_DONE = "step_done"
    STEP_FAILED = "step_failed"
    STEP_DECLINED = "step_declined"
    STEP_SKIPPED = "step_skipped"
    ANSWER = "answer"  # the short answer in words
    UNSURE = "unsure"  # the planner cannot tell what to do; text says why and what to try
    ERROR = "error"  # the request could not be handled at all (bad input, no model)


class Event(BaseModel):
    """Something that happened while a request was handled."""

    model_config = ConfigDict(frozen=True)

    kind: EventKind
    text: str = ""
    step: int | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    ts: float = Field(default_factory=time.time)
