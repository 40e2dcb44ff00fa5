"""The memory store: a chromadb PersistentClient under ``data_dir()/memory``, opened lazily.

Opening imports chromadb (``memory.chroma``); ``memory.intake`` takes in the journal of
finished requests (``memory.journal``), as every reader through ``api`` and the tools does
first.
Writes from several processes are serialised by an ``flock`` on ``store.lock`` (and the
journal's intake by one on ``ingest.lock``); chromadb itself reads what other processes
wrote. Any failure of the store (unreadable, corrupt, a full disk) is one
``MemoryUnavailable`` line that says to run ``llmos memory reset``; callers go on without
memory.

Recall is chromadb's HNSW index, so it is approximate: hundreds of near-identical vectors in
one collection can leave an unlike entry unreachable (seen with 500 copies of one phrasing).
History, where requests repeat, has its own collection, so notes and documents never suffer
from it; a repeated request is found through any of its copies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from llmchain_os.memory.records import Entry, Hit, Kind, MemoryUnavailable, Meta
from llmchain_os.paths import data_dir

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

T = TypeVar("T")
BATCH = 256  # entries per chromadb call
DEFAULT_HISTORY_LIMIT = 10_000
RESET_HINT = "run 'llmos memory reset' to start memory afresh (the audit log is kept)"


def memory_dir() -> Path:
    """``LLMOS_MEMORY_DIR`` when set (an evaluation keeps one store across its tasks' homes),
    else the data dir's ``memory``."""
    return Path(os.environ.get("LLMOS_MEMORY_DIR") or data_dir() / "memory")


class MemoryStore:
    """History, notes and documents on disk; thread-safe; opened on first use."""

    def __init__(self, folder: Path | None = None, history_limit: int = DEFAULT_HISTORY_LIMIT):
        self.folder = folder or memory_dir()
        self.history_limit = history_limit
        self._client: Any = None
        self._collections: dict[Kind, Collection] = {}
        self._lock = threading.RLock()

    # -- opening ------------------------------------------------------------------------
    def collection(self, kind: Kind) -> Collection:
        self.open()
        return self._collections[kind]

    def open(self) -> None:
        """Open the store (``intake.take_in`` takes the journal in); raises MemoryUnavailable."""
        with self._lock:
            if self._client is None:
                self.guarded("open", self._open)

    def _open(self) -> None:
        from llmchain_os.memory import chroma

        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self.writing():
            try:
                client = chroma.open_client(self.folder)
                self._collections = chroma.open_collections(client)
            except BaseException:
                chroma.forget_system(self.folder)
                raise
        self._client = client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                from llmchain_os.memory import chroma

                with contextlib.suppress(Exception):
                    chroma.close(self._client)
            self._client, self._collections = None, {}

    @contextlib.contextmanager
    def writing(self, lock: str = "store.lock") -> Iterator[None]:
        """One writer at a time across processes (an flock on ``lock`` in the folder)."""
        fd = os.open(self.folder / lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def guarded(self, what: str, call: Callable[[], T]) -> T:
        """``call``, with any failure of the store turned into one MemoryUnavailable line."""
        try:
            return call()
        except MemoryUnavailable:
            raise
        except (Exception, _panic()) as exc:  # chromadb's Rust side raises PanicException
            why = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise MemoryUnavailable(
                f"memory at {self.folder} cannot be used ({what}: {why}) - {RESET_HINT}"
            ) from exc

    # -- writing ------------------------------------------------------------------------
    def upsert(self, entries: list[Entry]) -> None:
        """Store entries (the same id replaces the old one); embeds their text."""
        for kind in Kind:
            chosen = [e for e in entries if e.kind is kind]
            for i in range(0, len(chosen), BATCH):
                self._upsert(kind, chosen[i : i + BATCH])

    def _upsert(self, kind: Kind, batch: list[Entry]) -> None:
        from llmchain_os.knowledge.embed import shared_embedder

        vectors = shared_embedder().embed([e.text for e in batch])
        collection = self.collection(kind)
        with self.writing():
            self.guarded(
                "write",
                lambda: collection.upsert(
                    ids=[e.id for e in batch],
                    documents=[e.text for e in batch],
                    metadatas=[e.meta for e in batch],
                    embeddings=vectors,
                ),
            )

    def update_meta(self, kind: Kind, ids: list[str], metas: list[Meta]) -> None:
        collection = self.collection(kind)
        with self.writing():
            self.guarded("write", lambda: collection.update(ids=ids, metadatas=metas))  # type: ignore[arg-type]

    def delete(self, kind: Kind, ids: list[str]) -> None:
        collection = self.collection(kind)
        for i in range(0, len(ids), BATCH):
            with self.writing():
                self.guarded("delete", lambda i=i: collection.delete(ids=ids[i : i + BATCH]))  # type: ignore[misc]

    # -- reading ------------------------------------------------------------------------
    def count(self, kind: Kind) -> int:
        collection = self.collection(kind)
        return self.guarded("count", collection.count)

    def get(
        self, kind: Kind, ids: list[str] | None = None, where: dict[str, Any] | None = None
    ) -> list[Entry]:
        collection = self.collection(kind)
        found = self.guarded(
            "read",
            lambda: collection.get(ids=ids, where=where, include=["documents", "metadatas"]),
        )
        docs, metas = found["documents"] or [], found["metadatas"] or []
        return [
            Entry(id_, kind, doc or "", dict(meta or {}))  # type: ignore[arg-type]
            for id_, doc, meta in zip(found["ids"], docs, metas, strict=True)
        ]

    def stamps(self, kind: Kind) -> dict[str, float]:
        """Every entry's id and time (metadata only: cheap even for 100,000 entries)."""
        collection = self.collection(kind)
        found = self.guarded("read", lambda: collection.get(include=["metadatas"]))
        metas = found["metadatas"] or []
        return {
            id_: float((m or {}).get("ts", 0.0))  # type: ignore[arg-type]
            for id_, m in zip(found["ids"], metas, strict=True)
        }

    def query(
        self, kind: Kind, vector: list[float], k: int, where: dict[str, Any] | None = None
    ) -> list[Hit]:
        """The ``k`` entries nearest ``vector`` (a unit vector), nearest first."""
        collection = self.collection(kind)
        size = self.count(kind)
        if size == 0 or k <= 0:
            return []
        found = self.guarded(
            "search",
            lambda: collection.query(
                query_embeddings=[vector],  # type: ignore[arg-type]
                n_results=min(k, size),
                where=where,
                include=["documents", "metadatas", "distances"],
            ),
        )
        ids, docs = found["ids"][0], (found["documents"] or [[]])[0]
        metas, dists = (found["metadatas"] or [[]])[0], (found["distances"] or [[]])[0]
        return [
            Hit(Entry(i, kind, d or "", dict(m or {})), 1.0 - float(dist))  # type: ignore[arg-type]
            for i, d, m, dist in zip(ids, docs, metas, dists, strict=True)
        ]


def _panic() -> type[BaseException]:
    """pyo3's PanicException (a BaseException) when chromadb's bindings are loaded."""
    import sys

    module = sys.modules.get("pyo3_runtime")
    found = getattr(module, "PanicException", None) if module else None
    return found if isinstance(found, type) and issubclass(found, BaseException) else Exception


_shared: dict[Path, MemoryStore] = {}
_shared_lock = threading.Lock()


def shared_store(history_limit: int | None = None) -> MemoryStore:
    """The process's store for the current data dir (one client per folder and process)."""
    folder = memory_dir()
    with _shared_lock:
        store = _shared.get(folder)
        if store is None:
            store = _shared[folder] = MemoryStore(folder)
        if history_limit is not None:
            store.history_limit = history_limit
        return store


def forget_shared(folder: Path) -> None:
    """Close and drop the shared store of ``folder`` (before ``reset`` removes its files)."""
    with _shared_lock:
        store = _shared.pop(folder, None)
    if store is not None:
        store.close()
