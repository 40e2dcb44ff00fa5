"""open_nofollow: a symlink at any component of a checked path fails the open."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from llmchain_os.safety.nofollow import open_nofollow


def test_a_resolved_path_opens_and_creates(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    fd = open_nofollow(tmp_path / "a" / "b" / "new.txt", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    os.write(fd, b"x")
    os.close(fd)

    assert (tmp_path / "a" / "b" / "new.txt").read_bytes() == b"x"


@pytest.mark.parametrize("at", ["folder", "file"])
def test_a_symlink_on_the_way_fails_instead_of_being_followed(tmp_path: Path, at: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "f.txt").write_text("kept")
    (tmp_path / "a").mkdir()
    if at == "folder":  # swapped in after the check: a/b now points elsewhere
        (tmp_path / "a" / "b").symlink_to(elsewhere)
        path = tmp_path / "a" / "b" / "f.txt"
    else:
        (tmp_path / "a" / "f.txt").symlink_to(elsewhere / "f.txt")
        path = tmp_path / "a" / "f.txt"

    with pytest.raises(OSError):
        open_nofollow(path, os.O_WRONLY | os.O_TRUNC)
    assert (elsewhere / "f.txt").read_text() == "kept"


def test_a_relative_path_is_refused() -> None:
    with pytest.raises(ValueError, match="not an absolute path"):
        open_nofollow(Path("x.txt"), os.O_RDONLY)
