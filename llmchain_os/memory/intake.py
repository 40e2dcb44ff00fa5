"""The journal into the store: finished requests and feedback taken in, history kept to its cap."""

from __future__ import annotations

from llmchain_os.memory import journal
from llmchain_os.memory.history import apply_ops
from llmchain_os.memory.records import Kind
from llmchain_os.memory.store import MemoryStore


def take_in(store: MemoryStore) -> int:
    """Take in the journal's finished requests and feedback; the number of operations.

    One process at a time (``ingest.lock``, held to the end, so a second taker never sees a
    journal half read); the store's own writes take ``store.lock`` inside it."""
    store.open()
    if not any((store.folder / name).exists() for name in (journal.JOURNAL, journal.TAKEN)):
        return 0
    with store.writing("ingest.lock"):
        taken = store.guarded("journal", lambda: journal.take(store.folder))
        if taken is None:
            return 0
        ops = journal.read(taken)
        apply_ops(store, ops)
        taken.unlink(missing_ok=True)
    thin_history(store)
    return len(ops)


def thin_history(store: MemoryStore) -> int:
    """Remove the oldest history entries beyond the store's ``history_limit``; how many."""
    excess = store.count(Kind.HISTORY) - store.history_limit
    if excess <= 0:
        return 0
    stamps = store.stamps(Kind.HISTORY)
    oldest = sorted((ts, id_) for id_, ts in stamps.items())[:excess]
    store.delete(Kind.HISTORY, [id_ for _, id_ in oldest])
    return len(oldest)
