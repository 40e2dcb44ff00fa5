"""What memory holds and what it answers with: plain data, no chromadb."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

Meta = dict[str, str | int | float | bool]


class Kind(StrEnum):
    """The three collections of the store."""

    HISTORY = "history"
    NOTE = "notes"
    DOC = "documents"


class MemoryUnavailable(Exception):
    """The memory store cannot be used here; the message says why and what to do, in one line."""


@dataclass(frozen=True)
class Entry:
    """One stored item: the text that is embedded, and its metadata (chromadb's scalars)."""

    id: str
    kind: Kind
    text: str
    meta: Meta = field(default_factory=dict)

    @property
    def ts(self) -> float:
        return float(self.meta.get("ts", 0.0))

    def when(self) -> str:
        """The local time it was stored, to the minute."""
        return datetime.fromtimestamp(self.ts).strftime("%Y-%m-%d %H:%M") if self.ts else "?"

    def citation(self) -> str:
        """Where it came from: a history entry with its time, a note or a document line."""
        if self.kind is Kind.DOC:
            start, end = self.meta.get("line_start", 0), self.meta.get("line_end", 0)
            lines = f"{start}" if start == end else f"{start}-{end}"
            return f"{self.meta.get('source', '?')}:{lines}"
        if self.kind is Kind.NOTE:
            return f"note {self.id}, {self.when()}"
        return f"history {self.id}, {self.when()}"

    def shown(self) -> str:
        """The text, and for a history entry what came of it ("-> / is 40% full")."""
        record = self.record()
        if not record:
            return self.text
        steps = record.get("steps", [])
        outcome = record.get("answer") or "; ".join(
            s.get("summary") or s.get("error") or s.get("status", "") for s in steps
        )
        outcome = outcome or record.get("error") or record.get("unsure") or ""
        return f"{self.text} -> {outcome}" if outcome else self.text

    def record(self) -> dict[str, Any]:
        """A history entry's full record (plan, steps, outcome); {} for notes and documents."""
        raw = self.meta.get("record")
        return json.loads(raw) if isinstance(raw, str) else {}

    def as_json(self) -> dict[str, Any]:
        """The entry as one line of ``llmos memory export``."""
        meta = {k: v for k, v in self.meta.items() if k != "record"}
        return {
            "id": self.id,
            "kind": self.kind.value,
            "text": self.text,
            "meta": meta,
            **({"record": self.record()} if self.kind is Kind.HISTORY else {}),
        }


@dataclass(frozen=True)
class Hit:
    """A recalled entry with its similarity (cosine, 1 is the same meaning)."""

    entry: Entry
    score: float

    def line(self) -> str:
        text = " ".join(self.entry.shown().split())
        text = text if len(text) <= 200 else text[:200] + "..."
        return f"{text}  [{self.entry.citation()}]"


@dataclass(frozen=True)
class Success:
    """A past request that succeeded, with its plan, for the planner to reuse or learn from."""

    id: str
    request: str
    plan: list[dict[str, Any]]
    similarity: float
    ts: float
    feedback: int = 0  # +1 after /good, -1 after /bad
