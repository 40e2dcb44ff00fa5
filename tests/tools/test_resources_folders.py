"""folder_size on a real tree built here with known sizes, and planned from plain requests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.request import Request
from llmchain_os.errors import ToolError
from llmchain_os.reading.world import FixedWorld
from llmchain_os.tools.folders import FolderSize, folder_size
from llmchain_os.tools.registry import builtin_registry


def _tree(tmp_path: Path) -> Path:
    """big/ 300 KB in two files, small/ 10 KB, a 5 KB file at the top, a link to /usr (under
    tmp_path/tree: tmp_path holds the test's private home too)."""
    root = tmp_path / "tree"
    (root / "big" / "deep").mkdir(parents=True)
    (root / "big" / "a.bin").write_bytes(b"x" * 100_000)
    (root / "big" / "deep" / "b.bin").write_bytes(b"x" * 200_000)
    (root / "small").mkdir()
    (root / "small" / "c.txt").write_bytes(b"x" * 10_000)
    (root / "top.txt").write_bytes(b"x" * 5_000)
    os.link(root / "big" / "a.bin", root / "small" / "hardlink-to-a.bin")  # counted once
    (root / "usr-link").symlink_to("/usr")  # never followed
    return root


def _size(raw: dict[str, object]) -> FolderSize:
    out = folder_size.call(folder_size.parse_args(raw))
    assert isinstance(out, FolderSize)
    return out


def test_a_tree_is_totalled_and_its_entries_ranked(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    out = _size({"path": str(root)})

    assert out.apparent == 315_000 + len(os.readlink(root / "usr-link"))
    assert out.files == 5 and out.folders == 3  # a.bin, b.bin, c.txt, top.txt, the link
    assert [e.name for e in out.entries[:3]] == ["big", "small", "top.txt"]
    assert out.entries[0].apparent == 300_000 and out.entries[0].files == 2
    assert out.stopped == "" and out.unreadable == 0
    assert out.summary().startswith(f"{root} holds ")
    assert "the biggest of its 4 entries is big" in out.summary()
    assert out.table().rows[0][0] == "big"
    assert out.subject() == {"path": str(root / "big")}


def test_the_cap_stops_the_walk_and_says_the_figures_are_a_lower_bound(tmp_path: Path) -> None:
    out = _size({"path": str(_tree(tmp_path)), "max_entries": 2})

    assert out.stopped == "stopped after 2 entries"
    assert "lower bound" in out.summary()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_an_unreadable_folder_is_counted_not_fatal(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "small").chmod(0)
    try:
        out = _size({"path": str(root)})
    finally:
        (root / "small").chmod(0o755)
    assert out.unreadable == 1 and "unreadable entry was not counted" in out.summary()
    assert out.entries[0].name == "big"


def test_bad_paths_are_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(ToolError, match="is not a folder"):
        folder_size.parse_args({"path": str(tmp_path / "f.txt")})
    with pytest.raises(ToolError, match="does not exist"):
        folder_size.parse_args({"path": str(tmp_path / "nowhere")})
    with pytest.raises(ToolError, match="limit"):
        folder_size.parse_args({"path": str(tmp_path), "limit": 0})


@pytest.mark.parametrize(
    ("request_text", "args"),
    [
        ("how big is {d}", {}),
        ("which folder in {d} takes the most space", {}),
        ("top 3 folders in {d} by size", {"limit": 3}),
        ("how much space does {d} take up", {}),
    ],
)
def test_plain_requests_plan_folder_size(
    tmp_path: Path, request_text: str, args: dict[str, object]
) -> None:
    planner = RetrievalPlanner(builtin_registry(), world=FixedWorld())
    outcome = planner.plan(Request(request_text.format(d=tmp_path)))

    assert outcome.plan is not None, outcome.unsure
    step = outcome.plan.steps[0]
    assert (step.tool, step.args) == ("folder_size", {"path": str(tmp_path), **args})


@pytest.mark.parametrize(
    ("request_text", "tool"),
    [("how much space is left in /home", "disk_usage"), ("disk space for /usr", "disk_usage")],
)
def test_free_space_questions_stay_with_disk_usage(request_text: str, tool: str) -> None:
    outcome = RetrievalPlanner(builtin_registry(), world=FixedWorld()).plan(Request(request_text))
    assert outcome.plan is not None and outcome.plan.steps[0].tool == tool


def test_a_folder_that_refuses_to_be_read_is_counted_even_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if path == str(root / "small"):
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr("llmchain_os.tools.folders.os.scandir", scandir)
    out = _size({"path": str(root)})

    assert out.unreadable == 1 and "1 unreadable entry was not counted" in out.summary()
    assert out.entries[0].name == "big"
