"""Memory as tools for the planner: recall what the shell was told and did, remember a note.

``recall`` only reads. ``remember`` is a write: it changes nothing on the machine and writes
only the shell's own memory, but what it stores is kept, comes back in later answers and
may steer later plans, so it is asked like any other write (``/remember`` in the shell is
the user's own act and is not asked). Both open the store lazily, never at import.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from llmchain_os.errors import ToolError
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.card import Card, Clause, Stage

# "remember that the backup host is 10.0.0.5", "note: ...", "keep in mind that ..."
REMEMBER = re.compile(
    r"^\s*(?:please\s+)?(?:remember|memori[sz]e|note\s+down|make\s+a\s+note|note|"
    r"keep\s+in\s+mind)\b\s*(?:that\b|:)?\s*(?P<text>\S.*?)\s*$",
    re.I,
)


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


def _query(c: Clause) -> dict[str, Any]:
    return {"query": c.text.strip()}  # the whole question is what is looked for


def _note(c: Clause) -> dict[str, Any]:
    m = REMEMBER.match(c.text)
    return {"text": m.group("text")} if m else {}


def _remember_claim(c: Clause) -> str | None:
    return "the request asks me to keep a note" if REMEMBER.match(c.text) else None


@tool(risk=Risk.READ, card=Card(extract=_query))
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


@tool(
    risk=Risk.WRITE,
    undo="none",
    card=Card(
        extract=_note,
        claim=_remember_claim,
        stage=Stage.FIRST,
        rank=-1,  # before the fleet's claims: "remember the backup host is ..."
        never_invent=frozenset({"text"}),
    ),
)
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
