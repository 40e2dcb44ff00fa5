"""Which installed program does what a request asks: nearest whatis lines by embedding.

The index holds one line per program on PATH that has a whatis summary ("df: report file
system space usage"), embedded once and kept in the cache folder (``cached_vectors``: the
file name carries a hash of the lines and the model, so a new program on PATH, or a new
model, builds a new index instead of reading a stale one). Building takes about 10 s on
one thread for the 1,100 programs here; a query is one embedding (5 ms) and a product.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from llmchain_os.knowledge.embed import Embedder, cached_vectors
from llmchain_os.knowledge.manpages import ProgramDoc

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


@dataclass(frozen=True)
class ProgramHit:
    name: str
    summary: str
    score: float  # cosine similarity of the request and the program's line, in [-1, 1]


class ProgramIndex:
    """Programs and their embedded summary lines; ``search`` ranks them for a request."""

    def __init__(self, docs: list[ProgramDoc], vectors: NDArray[np.float32], embedder: Embedder):
        self.docs = docs
        self.vectors = vectors
        self.embedder = embedder

    @classmethod
    def build(cls, docs: list[ProgramDoc], embedder: Embedder) -> ProgramIndex:
        return cls(docs, embedder.embed([_line(d) for d in docs]), embedder)

    @classmethod
    def cached(cls, docs: list[ProgramDoc], embedder: Embedder, folder: Path) -> ProgramIndex:
        """The index of ``docs``, read from ``folder`` when it was built for exactly these
        lines and this model, built and saved there otherwise."""
        vectors = cached_vectors("programs", [_line(d) for d in docs], embedder, folder)
        return cls(docs, vectors, embedder)

    def search(self, request: str, k: int = 5) -> list[ProgramHit]:
        """The ``k`` programs whose summaries are nearest to ``request``, best first."""
        import numpy as np

        if not self.docs or not request.strip():
            return []
        scores = self.vectors @ self.embedder.embed([request])[0]
        best = np.argsort(-scores)[:k]
        return [ProgramHit(self.docs[i].name, self.docs[i].summary, float(scores[i])) for i in best]


def _line(doc: ProgramDoc) -> str:
    return f"{doc.name}: {doc.summary}"


class BackgroundIndex:
    """Builds the machine's program index in a thread, so the first request need not wait
    for it; ``ready()`` is None until it is built (callers fall back to names meanwhile)."""

    def __init__(self, embedder: Embedder, folder: Path) -> None:
        self._embedder, self._folder = embedder, folder
        self._index: ProgramIndex | None = None
        self._error = ""
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._build, daemon=True, name="index")
                self._thread.start()

    def ready(self) -> ProgramIndex | None:
        return self._index

    def wait(self, timeout: float | None = None) -> ProgramIndex | None:
        self.start()
        assert self._thread is not None
        self._thread.join(timeout)
        return self._index

    @property
    def error(self) -> str:
        """Why there is no index ("" while building or when built)."""
        return self._error

    def _build(self) -> None:
        from llmchain_os.knowledge.embed import EmbeddingError
        from llmchain_os.knowledge.manpages import whatis_lines

        try:
            docs = whatis_lines()
            if not docs:
                self._error = "no whatis database here: programs are found by name only"
                return
            self._index = ProgramIndex.cached(docs, self._embedder, self._folder)
        except (EmbeddingError, OSError) as exc:
            self._error = str(exc)
