"""The chromadb side of the store: the client, the collections and our embedding function.

This is the only module that imports chromadb (about 0.8 s here): ``memory.store`` imports it
when the store is first used, never at start-up. Telemetry is off, and the collections get
our embedding function (the MiniLM model shipped in a PyPI package, ``knowledge.embed``),
so chromadb's default one, which downloads a model, is never used.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, cast

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.api.types import Documents, Embeddable, EmbeddingFunction, Embeddings
from chromadb.config import Settings

from llmchain_os.knowledge.embed import MODEL_ID, shared_embedder
from llmchain_os.memory.records import Kind

SPACE = {"hnsw:space": "cosine"}


class LocalEmbedding(EmbeddingFunction[Documents]):
    """all-MiniLM-L6-v2 int8 from ``knowledge.embed``: no download, no torch."""

    def __init__(self) -> None:
        self._embedder = shared_embedder()

    def __call__(self, input: Documents) -> Embeddings:
        return cast(Embeddings, list(self._embedder.embed(list(input))))

    @staticmethod
    def name() -> str:
        return f"llmos-{MODEL_ID}"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> LocalEmbedding:
        return LocalEmbedding()


def open_client(folder: Path) -> ClientAPI:
    """A persistent client on ``folder``; telemetry off, no reset through the API."""
    settings = Settings(anonymized_telemetry=False, allow_reset=False)
    return chromadb.PersistentClient(path=str(folder), settings=settings)


def open_collections(client: ClientAPI) -> dict[Kind, Collection]:
    """The history, notes and documents collections, made on first use."""
    function = cast("EmbeddingFunction[Embeddable]", LocalEmbedding())
    return {
        kind: client.get_or_create_collection(
            kind.value,
            embedding_function=function,
            metadata=SPACE,
        )
        for kind in Kind
    }


def close(client: ClientAPI) -> None:
    """Release the client's files (chromadb shares one system per path within a process)."""
    client.close()  # type: ignore[attr-defined]


def forget_system(folder: Path) -> None:
    """Drop chromadb's cached system for ``folder``: one whose start failed (a corrupt file)
    stays cached otherwise, and every later client on the path would get it."""
    with SharedSystemClient._refcount_lock:
        system = SharedSystemClient._identifier_to_system.pop(str(folder), None)
        SharedSystemClient._identifier_to_refcount.pop(str(folder), None)
    if system is not None:
        with contextlib.suppress(Exception):
            system.stop()
