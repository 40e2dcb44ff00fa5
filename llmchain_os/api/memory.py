"""Memory for the surfaces: notes and documents in, recall with sources, feedback, forget,
clear, export and reset. Every function raises ``MemoryUnavailable`` or ``InputRejected``
with one line to show; the shell goes on without memory after either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from llmchain_os.memory.documents import InputRejected
from llmchain_os.memory.records import Entry, Hit, Kind, MemoryUnavailable, Success

if TYPE_CHECKING:
    from llmchain_os.api.session import Session
    from llmchain_os.config import Settings
    from llmchain_os.memory.manage import Added
    from llmchain_os.memory.store import MemoryStore

__all__ = [
    "MEMORY_ERRORS",
    "Entry",
    "Hit",
    "InputRejected",
    "MemoryUnavailable",
    "Success",
    "add_documents",
    "clear",
    "export",
    "feedback",
    "forget",
    "list_memory",
    "recall",
    "remember",
    "reset",
    "search",
    "similar_successes",
]
T = TypeVar("T")
MEMORY_ERRORS = (MemoryUnavailable, InputRejected)
KINDS = {"history": Kind.HISTORY, "notes": Kind.NOTE, "documents": Kind.DOC}


def _store(settings: Settings | None) -> MemoryStore:
    from llmchain_os.memory.intake import take_in
    from llmchain_os.memory.store import shared_store

    if settings is not None and not settings.memory:
        raise MemoryUnavailable("memory is off (memory = false in config.toml)")
    store = shared_store(settings.memory_history_limit if settings else None)
    store.open()
    take_in(store)  # requests finished since it opened (this or another process)
    return store


def _using(settings: Settings | None, call: Callable[[MemoryStore], T]) -> T:
    """``call`` on the open store; a model that cannot load is one MemoryUnavailable line."""
    from llmchain_os.knowledge.embed import EmbeddingError

    try:
        return call(_store(settings))
    except EmbeddingError as exc:
        raise MemoryUnavailable(f"memory needs the embedding model: {exc}") from exc


def remember(text: str, settings: Settings | None = None) -> Entry:
    """``/remember TEXT``: a note, redacted before it is stored."""
    from llmchain_os.memory import manage

    return _using(settings, lambda store: manage.remember(store, text))


def add_documents(path: Path, settings: Settings | None = None) -> Added:
    """``llmos memory add FILE|DIR``: text and markdown, cut into passages with their lines."""
    from llmchain_os.memory import manage

    return _using(settings, lambda store: manage.add_path(store, path))


def search(query: str, k: int = 5, settings: Settings | None = None) -> list[Hit]:
    """The ``k`` memories nearest ``query`` in meaning (and time), with scores and sources."""
    from llmchain_os.memory.recall import recall as found

    return _using(settings, lambda store: found(store, query, k))


def recall(query: str, k: int = 5, settings: Settings | None = None) -> list[str]:
    """What memory holds on ``query``: one line per memory, each citing where it came from."""
    hits = search(query, k, settings)
    return [h.line() for h in hits] or [f"Nothing in memory about {query!r}."]


def list_memory(kind: str | None = None, settings: Settings | None = None) -> list[Entry]:
    """Every entry, or those of one kind (history, notes, documents), oldest first."""
    from llmchain_os.memory import manage

    return _using(settings, lambda store: manage.entries(store, KINDS[kind] if kind else None))


def forget(
    target: str,
    confirm: Callable[[list[Entry]], bool] | None = None,
    settings: Settings | None = None,
) -> list[Entry]:
    """Remove the entry with id ``target``, else every entry whose text contains it.

    ``confirm`` sees what would go first and may say no; what was removed is returned."""
    from llmchain_os.memory import manage

    def run(store: MemoryStore) -> list[Entry]:
        chosen = manage.matching(store, target)
        if not chosen or (confirm is not None and not confirm(chosen)):
            return []
        manage.forget(store, chosen)
        return chosen

    return _using(settings, run)


def clear(kind: str | None = None, settings: Settings | None = None) -> int:
    """Remove every entry (or every one of a kind); the store stays. How many went."""
    from llmchain_os.memory import manage

    return _using(settings, lambda store: manage.clear(store, KINDS[kind] if kind else None))


def export(settings: Settings | None = None) -> Iterator[str]:
    """Every entry as a JSON line (``llmos memory export``)."""
    from llmchain_os.memory import manage

    return iter(list(_using(settings, manage.export_lines)))


def reset() -> bool:
    """Delete the memory store, even a corrupt one; the audit log is never touched."""
    from llmchain_os.memory import manage
    from llmchain_os.memory.store import memory_dir
    from llmchain_os.safety.audit import default_audit_path

    return manage.reset(memory_dir(), keep=default_audit_path())


def feedback(session: Session, good: bool) -> str:
    """``/good`` or ``/bad`` on the session's last request; what to show."""
    from llmchain_os.memory.history import record_feedback
    from llmchain_os.memory.store import memory_dir

    entry_id = session.last_request_id
    if entry_id is None:
        return "No request yet in this session to mark."
    if not good:
        session.learning.unlearn(entry_id)
    try:
        record_feedback(memory_dir(), entry_id, 1 if good else -1)
    except OSError as exc:
        return f"Not recorded: memory cannot be written ({exc.strerror or exc})."
    return f"Marked {'good' if good else 'bad'}: {entry_id}" + (
        "" if good else " (it will not be offered as an example again)"
    )


def similar_successes(
    text: str, k: int = 5, min_similarity: float = 0.0, settings: Settings | None = None
) -> list[Success]:
    """Past successful requests nearest ``text`` with their plans (tool and arguments) and
    similarity, /bad ones demoted: for the planner's plan cache and learned exemplars."""
    from llmchain_os.memory.plans import similar_successes as found

    return _using(settings, lambda store: found(text, k, min_similarity, store))
