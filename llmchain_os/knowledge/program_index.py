"""Which installed program does what a request asks: nearest whatis lines by embedding.

The index holds one line per program on PATH that has a whatis summary ("df: report file
system space usage"). Building it takes 10-20 s on one thread for the 1,100 programs here,
so the shell never waits for it: ``start_build`` runs it in a detached process at low
priority on first need, and ``saved_index`` reads the result once it is there (a query is
one embedding, 5 ms, and a product). It is kept in the cache folder with a fingerprint of
PATH's programs and the model: a new program on PATH builds it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from llmchain_os.knowledge.embed import MODEL_ID, Embedder, cached_vectors
from llmchain_os.knowledge.manpages import ProgramDoc, programs_on_path, whatis_lines

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


SAVED = "programs.json"  # the docs, and a fingerprint of PATH's programs and the model
VECTORS = "programs-vectors.npy"
LOCK = "programs.lock"  # a build in progress: the pid of the process building


def fingerprint(names: Iterable[str]) -> str:
    """What a saved index was built for: these programs on PATH, and this model."""
    digest = hashlib.sha256(MODEL_ID.encode())
    for name in sorted(names):
        digest.update(name.encode() + b"\n")
    return digest.hexdigest()[:16]


def saved_index(folder: Path, embedder: Embedder) -> ProgramIndex | None:
    """The index built for PATH's programs as they are now; None when there is none, it is
    damaged, or PATH's programs changed since (then it is built again)."""
    import numpy as np

    try:
        data = json.loads((folder / SAVED).read_text(encoding="utf-8"))
        if data["fingerprint"] != fingerprint(programs_on_path()):
            return None
        docs = [ProgramDoc(*row) for row in data["docs"]]
        vectors = np.load(folder / VECTORS, allow_pickle=False).astype(np.float32)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if vectors.shape != (len(docs), embedder.dimensions):
        return None
    return ProgramIndex(docs, vectors, embedder)


def build_saved(folder: Path, embedder: Embedder) -> ProgramIndex | None:
    """Build the index of every program on PATH with a whatis line, and save it (vectors
    first, then the docs that name them, each replaced whole); None without a whatis
    database."""
    import numpy as np

    names = programs_on_path()
    docs = whatis_lines(names)
    if not docs:
        return None
    index = ProgramIndex.build(docs, embedder)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{VECTORS}.{os.getpid()}.npy"
    np.save(tmp, index.vectors, allow_pickle=False)
    tmp.replace(folder / VECTORS)
    data = {"fingerprint": fingerprint(names), "docs": [list(astuple(d)) for d in docs]}
    tmp_json = folder / f".{SAVED}.{os.getpid()}"
    tmp_json.write_text(json.dumps(data), encoding="utf-8")
    tmp_json.replace(folder / SAVED)
    return index


def start_build(folder: Path) -> bool:
    """Build the saved index in a process of its own, at low priority, detached: the shell
    neither waits for it nor stops it by exiting. False when a build is already running."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / LOCK
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if _alive(lock):
            return False
        lock.unlink(missing_ok=True)  # left by a build that died
        return start_build(folder)
    with os.fdopen(fd, "w") as fh:
        child = subprocess.Popen(
            [sys.executable, "-m", "llmchain_os.knowledge.program_index", str(folder)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
        fh.write(str(child.pid))
    return True


def _alive(lock: Path) -> bool:
    try:
        pid = int(lock.read_text().strip() or "0")
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return pid > 0


def _main(folder: Path) -> int:
    """The background build: ``python -m llmchain_os.knowledge.program_index FOLDER``."""
    from llmchain_os.knowledge.embed import EmbeddingError, shared_embedder

    with contextlib.suppress(OSError):
        os.nice(10)
    try:
        build_saved(folder, shared_embedder())
        return 0
    except (EmbeddingError, OSError):
        return 1
    finally:
        (folder / LOCK).unlink(missing_ok=True)


if __name__ == "__main__":
    raise SystemExit(_main(Path(sys.argv[1])))
