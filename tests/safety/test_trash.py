"""The trash on real files: moved in, listed, restored with content, mode and mtime intact."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from llmchain_os.safety import trash
from llmchain_os.safety.trash import TrashWriter, list_batches, sha256_of, undo_last

OLD = 1_700_000_000.0  # a fixed mtime, so "the same mtime" is checked, not "about now"


def make_file(path: Path, text: str, mode: int = 0o640) -> Path:
    path.write_text(text)
    path.chmod(mode)
    os.utime(path, (OLD, OLD))
    return path


def test_a_deleted_file_is_in_the_trash_and_undo_brings_it_back(tmp_path: Path) -> None:
    victim = make_file(tmp_path / "notes.txt", "keep me\n", 0o600)
    writer = TrashWriter("delete_files", "delete notes.txt")
    writer.take(victim)
    writer.save()

    assert not victim.exists()
    (batch,) = list_batches()
    (entry,) = batch.entries
    assert entry.original == str(victim) and entry.kind == "file" and entry.size == 8
    assert entry.stored is not None
    assert (trash.trash_root() / batch.id / entry.stored).read_text() == "keep me\n"

    result = undo_last()

    assert result.restored == [str(victim)] and result.conflicts == []
    assert victim.read_text() == "keep me\n"
    st = victim.stat()
    assert (st.st_mode & 0o777, st.st_mtime) == (0o600, OLD)
    assert list_batches() == []
    assert not (trash.trash_root() / batch.id).exists()


def test_folders_and_symlinks_round_trip(tmp_path: Path) -> None:
    folder = tmp_path / "build"
    (folder / "sub").mkdir(parents=True)
    make_file(folder / "sub" / "a.o", "x" * 100)
    link = tmp_path / "latest"
    link.symlink_to("build/sub/a.o")
    writer = TrashWriter("delete_files")
    writer.take(folder)
    writer.take(link)
    writer.save()
    assert not folder.exists() and not link.is_symlink()
    assert [e.kind for e in list_batches()[0].entries] == ["dir", "symlink"]
    assert list_batches()[0].entries[0].size == 100

    result = undo_last()

    assert sorted(result.restored) == sorted([str(folder), str(link)])
    assert (folder / "sub" / "a.o").read_text() == "x" * 100
    assert os.readlink(link) == "build/sub/a.o" and link.read_text() == "x" * 100


def test_undo_refuses_to_clobber_a_path_that_exists_again(tmp_path: Path) -> None:
    victim = make_file(tmp_path / "app.conf", "old\n")
    writer = TrashWriter("delete_files")
    writer.take(victim)
    writer.save()
    victim.write_text("new, made by hand\n")

    result = undo_last()

    assert result.restored == []
    (conflict,) = result.conflicts
    assert (
        str(victim) in conflict and "exists again" in conflict and "still in the trash" in conflict
    )
    assert victim.read_text() == "new, made by hand\n"
    assert len(list_batches()) == 1  # the entry stays, so nothing is lost
    assert any("not restored" in line for line in result.lines())

    victim.unlink()
    assert undo_last().restored == [str(victim)]
    assert victim.read_text() == "old\n"


def test_a_created_file_is_removed_by_undo_only_while_unchanged(tmp_path: Path) -> None:
    made = tmp_path / "new.txt"
    writer = TrashWriter("write_file")
    entry = writer.note_created(made)
    made.write_text("written by llmos\n")
    entry.written_sha256 = sha256_of(made)
    writer.save()
    made.write_text("edited since\n")

    changed = undo_last()
    assert changed.conflicts and "changed since it was created" in changed.conflicts[0]
    assert made.exists()

    made.write_text("written by llmos\n")
    assert undo_last().removed == [str(made)]
    assert not made.exists()


def test_cross_filesystem_moves_copy_then_remove(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or not os.access(shm, os.W_OK):
        pytest.skip("no writable /dev/shm (tmpfs) on this machine")
    if os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("/dev/shm is on the same filesystem as the trash here")
    folder = shm / f"llmos-test-{os.getpid()}"
    folder.mkdir()
    try:
        victim = make_file(folder / "cache.bin", "z" * 4096, 0o604)
        writer = TrashWriter("delete_files")
        writer.take(victim)
        writer.save()
        assert not victim.exists()
        stored = trash.trash_root() / list_batches()[0].id / "00000-cache.bin"
        assert os.stat(stored).st_dev != os.stat(folder).st_dev  # it really was copied across

        assert undo_last().restored == [str(victim)]
        st = victim.stat()
        assert victim.read_text() == "z" * 4096
        assert (st.st_mode & 0o777, st.st_mtime) == (0o604, OLD)
    finally:
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()


def test_undo_with_an_empty_trash_says_so() -> None:
    result = undo_last()
    assert result.batch is None
    assert result.lines() == ["The trash is empty: nothing to undo."]


def test_manifest_is_whole_json_with_no_temporary_left(tmp_path: Path) -> None:
    writer = TrashWriter("delete_files", "delete a")
    writer.take(make_file(tmp_path / "a", "a"))
    writer.save()
    folder = trash.trash_root() / writer.batch.id
    data = json.loads((folder / "manifest.json").read_text())
    assert data["tool"] == "delete_files" and data["request"] == "delete a"
    assert data["entries"][0]["mode"] == 0o640 and data["entries"][0]["mtime"] == OLD
    assert sorted(p.name for p in folder.iterdir()) == ["00000-a", "manifest.json"]
    assert trash.trash_root().stat().st_mode & 0o777 == 0o700


def test_newest_batch_is_undone_first(tmp_path: Path) -> None:
    for name in ("first", "second"):
        writer = TrashWriter("delete_files", name)
        writer.take(make_file(tmp_path / name, name))
        writer.save()
        time.sleep(0.01)
    assert undo_last().restored == [str(tmp_path / "second")]
    assert not (tmp_path / "first").exists()
    assert undo_last().restored == [str(tmp_path / "first")]


def test_old_batches_are_purged_and_the_size_cap_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = TrashWriter("delete_files", "old")
    old.take(make_file(tmp_path / "old", "o"))
    old.batch.time = time.time() - (trash.KEEP_DAYS + 1) * 86400
    old.save()
    big = TrashWriter("delete_files", "big")
    big.take(make_file(tmp_path / "big", "b" * 5000))
    big.save()
    assert [b.request for b in list_batches()] == ["big"]  # the 31-day-old one went

    monkeypatch.setattr(trash, "MAX_BYTES", 1000)
    newest = TrashWriter("delete_files", "newest")
    newest.take(make_file(tmp_path / "newest", "n" * 5000))
    newest.save()
    assert [b.request for b in list_batches()] == ["newest"]  # over the cap: oldest dropped


def test_a_failed_write_rolls_back_to_the_old_file(tmp_path: Path) -> None:
    victim = make_file(tmp_path / "conf", "old\n")
    writer = TrashWriter("write_file")
    writer.take(victim)
    writer.save()
    victim.write_text("half writ")

    writer.rollback()

    assert victim.read_text() == "old\n" and victim.stat().st_mtime == OLD
    assert list_batches() == []
