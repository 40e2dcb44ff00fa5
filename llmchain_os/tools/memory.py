"""Memory as tools for the planner: recall what the shell was told and did, remember a note.

``recall`` only reads. ``remember`` is a write: it changes nothing on the machine and writes
only the shell's own memory, but what it stores is kept, comes back in later answers and
may steer later plans, so it is asked like any other write (``/remember`` in the shell is
the user's own act and is not asked). Both open the store lazily, never at import.
"""

from __future__ import annotations

from pydantic import BaseModel

from llmchain_os.errors import ToolError
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Table, ToolOutput, tool


class Memory(BaseModel):
    """One recalled memory and where it came from."""

    text: str
    source: str  # "history h-..., 2026-05-09 14:03", "note n-..., ...", "/path/runbook.md:12-18"
    score: float


class Recalled(ToolOutput):
    query: str
    memories: list[Memory]

    def summary(self) -> str:
        if not self.memories:
            return f"Nothing in memory about {self.query!r}."
        return "\n".join(f"{m.text} [{m.source}]" for m in self.memories)

    def table(self) -> Table:
        rows = [[m.text, m.source, f"{m.score:.2f}"] for m in self.memories]
        return Table("Memory", ["what", "source", "match"], rows)


class Remembered(ToolOutput):
    id: str
    text: str  # as stored: secrets redacted

    def summary(self) -> str:
        return f"Remembered: {self.text} ({self.id})"


def _memory_errors() -> tuple[type[Exception], ...]:
    from llmchain_os.knowledge.embed import EmbeddingError
    from llmchain_os.memory.documents import InputRejected
    from llmchain_os.memory.records import MemoryUnavailable

    return (MemoryUnavailable, InputRejected, EmbeddingError)


@tool(risk=Risk.READ)
def recall(query: str) -> Recalled:
    """Notes you gave, documents you added and what the shell did before, with sources."""
    from llmchain_os.memory.intake import take_in
    from llmchain_os.memory.recall import recall as found
    from llmchain_os.memory.store import shared_store

    try:
        store = shared_store()
        take_in(store)
        hits = found(store, query, k=5)
    except _memory_errors() as exc:
        raise ToolError(str(exc)) from exc
    memories = [
        Memory(text=h.entry.shown(), source=h.entry.citation(), score=round(h.score, 3))
        for h in hits
    ]
    return Recalled(query=query, memories=memories)


@tool(risk=Risk.WRITE, undo="none")
def remember(text: str) -> Remembered:
    """Keep a note in the shell's memory (secrets are redacted), to recall later."""
    from llmchain_os.memory.manage import remember as keep
    from llmchain_os.memory.store import shared_store

    try:
        entry = keep(shared_store(), text)
    except _memory_errors() as exc:
        raise ToolError(str(exc)) from exc
    return Remembered(id=entry.id, text=entry.text)


TOOLS = [recall, remember]
