"""What the planner learns from past requests, as the session hands it in (agent never
imports memory): past successes near a request (the plan cache), and the requests and
commands that worked (exemplars for retrieval and for composed commands).

A past plan is reused only for a request this near in meaning (``REUSE``), both read with
their operands as slots ("show me the files in the {DIR} folder": ``shape``), and only its
tools: every argument is read again from the new request. ``PlanCache`` holds the shapes'
vectors in the session (no store on the request's path). A past command is kept as a
template, the past request's operands turned back into slots (``template``), and filled
with the new request's operands (``refill``); one whose operands do not line up is not
reused, so an old file, folder or number never reaches a new command.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmchain_os.agent.compose import fill, left_out
from llmchain_os.agent.slots import Slots, read_slots

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from llmchain_os.knowledge.embed import Embedder

# Cosine of the shapes of a new request and a past successful one at or above which the
# past plan is reused. Measured over the eval requests the planner plans confidently without
# a model (tools/measure_reuse.py: 366 requests, 66,795 pairs; BENCHMARKS.md): the nearest
# pair planned to different tools is at 0.896 ("How much space does {DIR} take?" /
# "how much free space is left on {DIR}"); 271 pairs at or above 0.93 all plan alike.
REUSE = 0.93
SLOT_ORDER = "FILE FILE2 DIR PATTERN REPLACEMENT EXT DAYS SIZE N NAME NEW SERVICE".split()
SLOT_ORDER += ["DATE", "DATE2"]
SHAPE_SLOTS = [n for n in SLOT_ORDER if n not in ("NAME", "SERVICE")]


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

    successes: list[Past] = field(default_factory=list)  # newest first, /bad ones left out
    tool_examples: dict[str, list[str]] = field(default_factory=dict)
    commands: list[tuple[str, str]] = field(default_factory=list)  # (request, template)


Recall = Callable[[str], list[Past]]


def template(command: str, request: str) -> str | None:
    """``command`` with the operands ``request`` names turned into slots (``du -sh logs``
    for "how big is logs" -> ``du -sh {DIR}``); None when the command has no slot-shaped
    text (``{`` already in it) that could be mistaken for one."""
    if "{" in command or "}" in command:
        return None
    return _slotted(command, read_slots(request))


def shape(request: str) -> str:
    """The request with its operands as slots: what the plan cache compares. Services and
    programs stay words: read by the word after "is" ("how much memory is firefox using",
    "... is used right now") they are too often the very word that decides."""
    return _slotted(request, read_slots(request), SHAPE_SLOTS)


def _slotted(text: str, slots: Slots, names: list[str] = SLOT_ORDER) -> str:
    for name in names:
        value = slots.value(name)
        if not value or len(value) > 200:
            continue
        word = re.compile(rf"(?<![\w./{{-])['\"`]?{re.escape(value)}['\"`]?(?![\w/}}-])")
        text = word.sub("{" + name + "}", text)
    return text


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


class PlanCache:
    """Past successes by the shape of their request, embedded once; ``lookup`` is the
    planner's ``recall``: the nearest, best first (a dot product, no store)."""

    def __init__(self, embedder: Embedder, successes: list[Past]) -> None:
        import numpy as np

        self.embedder = embedder
        self.entries: list[Past] = []
        self.vectors: NDArray[np.float32] = np.zeros((0, embedder.dimensions), np.float32)
        self.add(successes)

    def add(self, successes: list[Past]) -> None:
        import numpy as np

        fresh = [p for p in successes if p.plan]
        if fresh:
            vectors = self.embedder.embed([shape(p.request) for p in fresh])
            self.vectors = np.vstack([self.vectors, vectors])
            self.entries += fresh

    def drop(self, entry_id: str) -> None:
        """Forget one (after /bad)."""
        keep = [i for i, p in enumerate(self.entries) if p.id != entry_id]
        self.entries = [self.entries[i] for i in keep]
        self.vectors = self.vectors[keep]

    def lookup(self, text: str, k: int = 3) -> list[Past]:
        if not self.entries:
            return []
        scores = self.vectors @ self.embedder.embed([shape(text)])[0]
        best = sorted(range(len(self.entries)), key=lambda i: -float(scores[i]))[:k]
        return [
            Past(e.id, e.request, e.plan, float(scores[i])) for i in best for e in [self.entries[i]]
        ]
