"""Shared fixtures: a private home for every test, pinned threads, the real embedded model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Pin thread pools before anything loads them, so timings and CPU use do not swing.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the whole run: what is kept there (embedded example requests)
    is named by a hash of its content, so tests can share it; config, data and state not."""
    return tmp_path_factory.mktemp("xdg_cache_home")


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_cache: Path) -> Path:
    """XDG dirs under tmp_path, and no LLMOS_*/cloud settings leaking in from the user's env."""
    for var in list(os.environ):
        if var.startswith("LLMOS_") or var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(var)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        path = tmp_path / name.lower()
        path.mkdir()
        monkeypatch.setenv(name, str(path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_cache))
    monkeypatch.setenv("LLMOS_THREADS", "1")
    # no background index builds from every test (tests/knowledge builds one on purpose)
    monkeypatch.setenv("LLMOS_INDEX_PROGRAMS", "0")
    return tmp_path


@pytest.fixture(scope="session")
def local_model() -> Iterator[object]:
    """The real embedded SmolLM2 GGUF through llama.cpp, loaded once for the whole run."""
    from llmchain_os.config import Settings
    from llmchain_os.llm import get_local_model

    model = get_local_model(Settings(n_threads=1))
    model.load()
    yield model
