"""The real embedding model from its PyPI package, and the program index built on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from llmchain_os.knowledge import manpages
from llmchain_os.knowledge.embed import Embedder, EmbeddingError, ModelFiles, model_files
from llmchain_os.knowledge.manpages import ProgramDoc
from llmchain_os.knowledge.program_index import (
    ProgramIndex,
    build_saved,
    saved_index,
    start_build,
)

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


# a few programs, and man's own (apropos, man) to read their manuals with
SMALL_PATH = ("kill", "df", "uptime", "lsblk", "who", "sort", "apropos", "man")


def _small_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, names: tuple[str, ...]) -> Path:
    """A PATH of a few real programs (links), so the index is built over their real manuals."""
    import shutil

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in names:
        if (found := shutil.which(name)) is not None and not (bin_dir / name).exists():
            (bin_dir / name).symlink_to(found)
    monkeypatch.setenv("PATH", str(bin_dir))
    return bin_dir


def test_the_saved_index_is_read_back_until_paths_programs_change(
    embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not manpages.whatis_lines():
        pytest.skip("no whatis database on this machine")
    bin_dir = _small_path(tmp_path, monkeypatch, SMALL_PATH)
    cache = tmp_path / "cache"

    assert saved_index(cache, embedder) is None  # nothing built yet
    built = build_saved(cache, embedder)
    again = saved_index(cache, embedder)

    assert built is not None and again is not None
    assert [d.name for d in again.docs] == [d.name for d in built.docs]
    assert again.search("list the block devices and partitions")[0].name == "lsblk"
    (bin_dir / "newprog").symlink_to(bin_dir / "sort")  # a program more on PATH
    assert saved_index(cache, embedder) is None  # stale: built again on next need


def test_the_build_runs_in_a_detached_process_once(
    embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    if not manpages.whatis_lines():
        pytest.skip("no whatis database on this machine")
    _small_path(tmp_path, monkeypatch, SMALL_PATH)
    cache = tmp_path / "cache"

    assert start_build(cache) is True
    assert start_build(cache) is False  # one build at a time
    deadline = time.monotonic() + 120
    while (cache / "programs.lock").exists() and time.monotonic() < deadline:
        time.sleep(0.2)

    index = saved_index(cache, embedder)
    assert index is not None and "who" in {d.name for d in index.docs}


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


def test_an_unsure_answer_names_programs_by_their_manuals(
    embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmchain_os.agent.planner import RetrievalPlanner
    from llmchain_os.agent.request import Request
    from llmchain_os.reading.world import FixedWorld
    from llmchain_os.tools.explain import explain_command
    from llmchain_os.tools.registry import ToolRegistry

    if not manpages.whatis_lines():
        pytest.skip("no whatis database on this machine")
    _small_path(tmp_path, monkeypatch, SMALL_PATH)
    index = build_saved(tmp_path / "cache", embedder)
    tools = ToolRegistry([explain_command])  # nothing near: the planner is unsure
    planner = RetrievalPlanner(tools, world=FixedWorld(), programs=lambda: index)

    outcome = planner.plan(Request("show me the block devices and their partitions"))

    assert outcome.plan is None
    assert "Programs here that may do it, by their manuals: lsblk (" in (outcome.unsure or "")
