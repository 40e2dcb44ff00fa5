"""Managing memory: notes and documents in, listing, forgetting, clearing, export and reset."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from llmchain_os.memory.documents import (
    InputRejected,
    Skipped,
    document_entries,
    note_entry,
    text_files,
)
from llmchain_os.memory.records import Entry, Kind
from llmchain_os.memory.store import MemoryStore, forget_shared


@dataclass
class Added:
    """What ``add_path`` stored: files and passages, and the files it left out and why."""

    files: list[Path] = field(default_factory=list)
    passages: int = 0
    skipped: list[Skipped] = field(default_factory=list)


def remember(store: MemoryStore, text: str) -> Entry:
    """Store a note (redacted); the same text twice is one note. Raises InputRejected."""
    entry = note_entry(text)
    store.upsert([entry])
    return entry


def add_path(store: MemoryStore, path: Path) -> Added:
    """Store a text file, or the text files under a folder; a file added again is replaced."""
    if not path.exists():
        raise InputRejected(f"{path}: no such file or folder")
    added = Added()
    for file in text_files(path) if path.is_dir() else [path]:
        try:
            entries = document_entries(file)
        except InputRejected as exc:
            added.skipped.append(Skipped(file, str(exc)))
            continue
        old = store.get(Kind.DOC, where={"source": str(file.resolve())})
        store.delete(Kind.DOC, [e.id for e in old if e.id not in {n.id for n in entries}])
        store.upsert(entries)
        added.files.append(file)
        added.passages += len(entries)
    return added


def entries(store: MemoryStore, kind: Kind | None = None) -> list[Entry]:
    """Every entry (of one kind), oldest first."""
    kinds = [kind] if kind else list(Kind)
    found = [e for k in kinds for e in store.get(k)]
    return sorted(found, key=lambda e: (e.ts, e.id))


def matching(store: MemoryStore, target: str) -> list[Entry]:
    """The entry with id ``target``, else those whose text or source contains it (any case)."""
    for kind in Kind:
        if found := store.get(kind, ids=[target]):
            return found
    needle = target.casefold().strip()
    if not needle:
        return []
    return [
        e
        for e in entries(store)
        if needle in e.text.casefold() or needle in str(e.meta.get("source", "")).casefold()
    ]


def forget(store: MemoryStore, chosen: list[Entry]) -> int:
    """Remove these entries; how many."""
    for kind in Kind:
        store.delete(kind, [e.id for e in chosen if e.kind is kind])
    return len(chosen)


def clear(store: MemoryStore, kind: Kind | None = None) -> int:
    """Remove every entry (of one kind); the store itself stays. How many went."""
    return forget(store, entries(store, kind))


def export_lines(store: MemoryStore) -> Iterator[str]:
    """Every entry as one JSON line (what is stored is redacted already)."""
    for entry in entries(store):
        yield json.dumps(entry.as_json(), ensure_ascii=False, sort_keys=True)


def reset(folder: Path, keep: Path) -> bool:
    """Delete the store's folder (entries, journal, index); whether there was one.

    ``keep`` is the audit log: a folder that holds it is never removed."""
    forget_shared(folder)
    if not folder.exists():
        return False
    if keep.resolve().is_relative_to(folder.resolve()):
        raise InputRejected(f"{folder} holds the audit log {keep}; it is not removed")
    shutil.rmtree(folder)
    return True
