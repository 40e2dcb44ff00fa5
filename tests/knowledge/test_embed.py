"""The real embedding model from its PyPI package, and the program index built on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from llmchain_os.knowledge import manpages
from llmchain_os.knowledge.embed import Embedder, EmbeddingError, ModelFiles, model_files
from llmchain_os.knowledge.manpages import ProgramDoc
from llmchain_os.knowledge.program_index import BackgroundIndex, ProgramIndex

DOCS = [
    ProgramDoc("df", "1", "report file system space usage"),
    ProgramDoc("date", "1", "print or set the system date and time"),
    ProgramDoc("tail", "1", "output the last part of files"),
    ProgramDoc("wc", "1", "print newline, word, and byte counts for each file"),
    ProgramDoc("kill", "1", "send a signal to a process"),
    ProgramDoc("pwd", "1", "print name of current/working directory"),
]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(threads=1)


def test_vectors_are_unit_length_and_meaning_is_closer_than_words(embedder: Embedder) -> None:
    v = embedder.embed(["how much room is left on the disk", "free disk space", "kill a process"])

    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    assert embedder.embed([]).shape == (0, 384)


@pytest.mark.parametrize(
    ("request_text", "program"),
    [
        ("how much disk space is left", "df"),
        ("show the last lines of app.log", "tail"),
        ("count the words in essay.txt", "wc"),
        ("print the current working directory", "pwd"),
    ],
)
def test_the_index_puts_the_program_that_answers_first(
    embedder: Embedder, request_text: str, program: str
) -> None:
    index = ProgramIndex.build(DOCS, embedder)

    hits = index.search(request_text, k=3)

    assert hits[0].name == program, hits
    assert hits[0].score > hits[1].score


def test_the_cached_index_is_reused_and_rebuilt_when_programs_change(
    embedder: Embedder, tmp_path: Path
) -> None:
    ProgramIndex.cached(DOCS, embedder, tmp_path)
    [saved] = tmp_path.glob("programs-*.npy")
    stamp = saved.stat().st_mtime_ns

    again = ProgramIndex.cached(DOCS, embedder, tmp_path)
    assert saved.stat().st_mtime_ns == stamp and again.search("disk space")[0].name == "df"

    more = [*DOCS, ProgramDoc("uptime", "1", "tell how long the system has been running")]
    grown = ProgramIndex.cached(more, embedder, tmp_path)
    assert grown.search("how long has the machine been running")[0].name == "uptime"
    assert [p.name for p in tmp_path.glob("programs-*.npy")] != [saved.name]
    assert len(list(tmp_path.glob("programs-*.npy"))) == 1


def test_a_damaged_cache_is_rebuilt(embedder: Embedder, tmp_path: Path) -> None:
    ProgramIndex.cached(DOCS, embedder, tmp_path)
    [saved] = tmp_path.glob("programs-*.npy")
    saved.write_bytes(b"\x00not numpy")

    index = ProgramIndex.cached(DOCS, embedder, tmp_path)

    assert index.search("what time is it")[0].name == "date"


def test_a_corrupt_model_is_one_clear_error(tmp_path: Path) -> None:
    real = model_files()
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not a model")

    with pytest.raises(EmbeddingError, match="corrupt"):
        Embedder(files=ModelFiles(bad, real.tokenizer, real.sha256)).embed(["x"])
    with pytest.raises(EmbeddingError, match="could not load"):  # right hash, wrong bytes
        Embedder(files=ModelFiles(bad, real.tokenizer, _sha(bad))).embed(["x"])


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_background_index_builds_off_the_request_path(
    embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(manpages, "whatis_lines", lambda: DOCS)
    background = BackgroundIndex(embedder, tmp_path)

    index = background.wait(timeout=60)

    assert index is not None and background.error == ""
    assert index.search("send a signal to process 42")[0].name == "kill"


def test_without_whatis_the_background_index_says_so(
    embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(manpages, "whatis_lines", lambda: [])
    background = BackgroundIndex(embedder, tmp_path)

    assert background.wait(timeout=60) is None
    assert "no whatis database" in background.error


def test_the_model_loads_with_no_network_at_all(tmp_path: Path) -> None:
    import sys

    from llmchain_os.safety.sandbox import Limits, SandboxSpec, run_process, sandbox_status

    if not sandbox_status().available:
        pytest.skip(f"no sandbox here: {sandbox_status().why_not}")
    code = "from llmchain_os.knowledge.embed import Embedder; print(Embedder().embed(['x']).shape)"
    spec = SandboxSpec(tmp_path, (), network=False, workdir_writable=True, private_tmp=False)
    result = None
    for item in run_process([sys.executable, "-c", code], Limits(timeout_s=60), spec, cwd=tmp_path):
        result = item

    assert getattr(result, "exit_code", None) == 0, result
    assert "(1, 384)" in getattr(result, "stdout", "")
