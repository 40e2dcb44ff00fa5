"""What the planner learns from past requests, as the session hands it in (agent never
imports memory): past successes near a request (the plan cache), and the requests and
commands that worked (exemplars for retrieval and for composed commands).

A past plan is reused only for a request this near in meaning (``REUSE``), and only its
tools: every argument is read again from the new request. A past command is kept as a
template, the past request's operands turned back into slots (``template``), and filled
with the new request's operands (``refill``); one whose operands do not line up is not
reused, so an old file, folder or number never reaches a new command.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from llmchain_os.agent.compose import fill, left_out
from llmchain_os.agent.slots import Slots, read_slots

# Cosine of a new request and a past successful one at or above which the past plan is
# reused. Measured over every eval request (tools/measure_reuse.py; BENCHMARKS.md): the
# lowest similarity at which two requests still planned to different tools was 0.92, so the
# line sits above it.
REUSE = 0.93
SLOT_ORDER = "FILE FILE2 DIR PATTERN REPLACEMENT EXT DAYS SIZE N NAME NEW SERVICE".split()


@dataclass(frozen=True)
class Past:
    """A past request that succeeded: its plan (tool and arguments of each step) and how
    near it is to the request being planned (cosine; 1 is the same meaning)."""

    id: str
    request: str
    plan: list[dict[str, Any]]
    similarity: float


@dataclass(frozen=True)
class Learned:
    """What past successes teach the planner: more example requests for each tool, and
    past requests with the command (as a template) that answered them."""

    tool_examples: dict[str, list[str]] = field(default_factory=dict)
    commands: list[tuple[str, str]] = field(default_factory=list)  # (request, template)


Recall = Callable[[str], list[Past]]


def template(command: str, request: str) -> str | None:
    """``command`` with the operands ``request`` names turned into slots (``du -sh logs``
    for "how big is logs" -> ``du -sh {DIR}``); None when the command has no slot-shaped
    text (``{`` already in it) that could be mistaken for one."""
    if "{" in command or "}" in command:
        return None
    slots = read_slots(request)
    out = command
    for name in SLOT_ORDER:
        value = slots.value(name)
        if not value or len(value) > 200:
            continue
        word = re.compile(rf"(?<![\w./{{-])'?{re.escape(value)}'?(?![\w/}}-])")
        out = word.sub("{" + name + "}", out)
    return out


def refill(past_command: str, past_request: str, request: str) -> str | None:
    """The past command for the new request: its template filled with this request's
    operands; None when it needs one this request does not name, or leaves one out."""
    from llmchain_os.agent.compose import Unfillable

    shape = template(past_command, past_request)
    if shape is None:
        return None
    slots: Slots = read_slots(request)
    try:
        command = fill(shape, slots)
    except Unfillable:
        return None
    return None if left_out(command, slots) else command
